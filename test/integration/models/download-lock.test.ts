/**
 * Two downloads of the same file into the same models folder at once — two VS Code windows
 * share one models folder, each with its own runtime — against a real HTTP server on
 * 127.0.0.1: the second must not append to the first's part. Also a models folder that
 * cannot be created (a read-only place).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DownloadError, downloadFile } from "../../../src/models/download.ts";
import { LOCK_REFRESH_MS, LOCK_STALE_MS } from "../../../src/models/part-lock.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

const FILE = Buffer.alloc(1024 * 1024);
for (let i = 0; i < FILE.length; i += 4) FILE.writeUInt32LE((i * 2654435761) >>> 0, i);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("the same model downloaded twice at once (two VS Code windows, or twice in one)", () => {
  // In one process, as Download Model… picked twice in one window (or again while a cancelled one stops) runs both in one
  // runtime: the second was refused as "by another Hearth (process <this one>: another VS Code window, or hearth models --download)".
  it("twice in one process (one window): the second is refused, saying a download of it runs here; the first finishes whole", async (t) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let requests = 0;
    let asked!: () => void;
    const secondAsked = new Promise<string>((resolve) => (asked = () => resolve("the second download asked the server")));
    // The first response sends half, then waits until the test lets it finish.
    const server = createServer((_req, res) => {
      if (++requests > 1) asked();
      res.writeHead(200, { "Content-Length": FILE.length });
      res.write(FILE.subarray(0, FILE.length / 2), () => void held.then(() => res.end(FILE.subarray(FILE.length / 2))));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => (release(), server.close(() => resolve()), server.closeAllConnections())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`;
    const folder = tempDir("hearth-dl-lock-");
    let started!: () => void;
    const receiving = new Promise<void>((resolve) => (started = resolve));
    const first = downloadFile({ url, folder, file: "m.gguf", progressIntervalMs: 0, onProgress: (p) => p.receivedBytes > 0 && started() });
    await receiving;
    const second = downloadFile({ url, folder, file: "m.gguf" }).then(() => "the second download finished", (error: unknown) => error);
    const error = await Promise.race([second, secondAsked]);
    assert.ok(error instanceof DownloadError && !error.offline, String(error));
    assert.equal(error.message, `m.gguf is already being downloaded into ${folder} here: a download of it started earlier still runs, or is stopping. Wait for it to finish, or cancel it, then download again.`);
    assert.equal(requests, 1, "the second download asked the server nothing");
    release();
    const result = await first;
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.deepEqual(readdirSync(folder), ["m.gguf"], "no lock is left");
  });

  it("a lock another live process on this machine holds (another window's runtime): refused naming that process, nothing asked", async (t) => {
    let requests = 0;
    const server = createServer((_req, res) => void (requests++, res.writeHead(200, { "Content-Length": FILE.length }).end(FILE)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    t.after(() => void other.kill("SIGKILL"));
    await once(other, "spawn");
    const folder = tempDir("hearth-dl-lock-");
    writeFileSync(join(folder, "m.gguf.part.lock"), JSON.stringify({ pid: other.pid, host: hostname() }));
    await assert.rejects(downloadFile({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, folder, file: "m.gguf" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, new RegExp(`^m\\.gguf is already being downloaded into .* by another Hearth \\(process ${other.pid}: another VS Code window, or hearth models --download\\)\\. Wait for it to finish`));
      return true;
    });
    assert.equal(requests, 0);
    assert.deepEqual(readdirSync(folder), ["m.gguf.part.lock"], "its lock is left to it");
  });

  // Read as this very process's: "by another Hearth (process <this one>: …)".
  it("a lock made just now that names no process yet (its maker is writing it): refused without naming this process", async () => {
    const folder = tempDir("hearth-dl-lock-");
    writeFileSync(join(folder, "m.gguf.part.lock"), "");
    await assert.rejects(downloadFile({ url: "http://127.0.0.1:9/m.gguf", folder, file: "m.gguf" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.equal(error.message, `m.gguf is being downloaded into ${folder} by another Hearth starting just now (another VS Code window, or hearth models --download): its lock, m.gguf.part.lock, names no process yet. Try again in a few seconds; if this stays so while no download runs, delete m.gguf.part.lock in that folder.`);
      return true;
    });
    assert.deepEqual(readdirSync(folder), ["m.gguf.part.lock"], "its lock is left to it");
  });

  it("a lock left by a process that is gone (a crash) does not block the next download", async (t) => {
    const server = createServer((_req, res) => void res.writeHead(200, { "Content-Length": FILE.length }).end(FILE));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const folder = tempDir("hearth-dl-lock-");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(join(folder, "m.gguf.part.lock"), JSON.stringify({ pid: Number(dead.stdout), host: (await import("node:os")).hostname() }));
    const result = await downloadFile({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, folder, file: "m.gguf" });
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });
});

describe("a lock whose pid another process has now (pids are reused)", () => {
  /** A server of FILE, and its URL. */
  async function serve(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
    const server = createServer((_req, res) => void res.writeHead(200, { "Content-Length": FILE.length }).end(FILE));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`;
  }

  it("a lock naming this very process that it does not hold (a runtime killed mid-download, restarted with the same pid: a container) is taken over", async (t) => {
    const url = await serve(t);
    const folder = tempDir("hearth-dl-lock-");
    writeFileSync(join(folder, "m.gguf.part.lock"), JSON.stringify({ pid: process.pid, host: hostname() }));
    const result = await downloadFile({ url, folder, file: "m.gguf" });
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  it("a lock naming a process that started after the lock was taken (a reboot gave the dead runtime's pid to another program) is taken over", { skip: process.platform !== "linux" && "process start times are read from /proc" }, async (t) => {
    const url = await serve(t);
    const folder = tempDir("hearth-dl-lock-");
    // Another program, alive now, with the pid the lock names; the lock is an hour old.
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    t.after(() => void other.kill("SIGKILL"));
    await once(other, "spawn");
    const lock = join(folder, "m.gguf.part.lock");
    writeFileSync(lock, JSON.stringify({ pid: other.pid, host: hostname() }));
    const anHourAgo = new Date(Date.now() - 3600_000);
    utimesSync(lock, anHourAgo, anHourAgo);
    const result = await downloadFile({ url, folder, file: "m.gguf" });
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });
});

describe("a lock made by Hearth on another machine (a home folder on NFS shared by two)", () => {
  const OTHER = { pid: 4242, host: "other-machine.example" };

  /** A fake clock at a whole second of real time (file times keep whole seconds), and a lock of OTHER last refreshed `idleMs` before it. */
  function otherLock(folder: string, idleMs: number): FakeClock {
    const clock = new FakeClock();
    clock.set(Math.floor(Date.now() / 1000) * 1000);
    const lock = join(folder, "m.gguf.part.lock");
    writeFileSync(lock, JSON.stringify(OTHER));
    const refreshed = new Date(clock.now() - idleMs);
    utimesSync(lock, refreshed, refreshed);
    return clock;
  }

  async function serve(t: { after: (fn: () => Promise<void>) => void }): Promise<{ url: string; requests: () => number }> {
    let requests = 0;
    const server = createServer((_req, res) => (requests++, void res.writeHead(200, { "Content-Length": FILE.length }).end(FILE)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, requests: () => requests };
  }

  it("a lock not refreshed for LOCK_STALE_MS (that machine was switched off mid-download) is taken over", async (t) => {
    const { url } = await serve(t);
    const folder = tempDir("hearth-dl-lock-");
    const clock = otherLock(folder, LOCK_STALE_MS + 1000);
    const result = await downloadFile({ url, folder, file: "m.gguf", clock });
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  it("one dated days ahead of this clock (refreshed while that machine's clock was ahead, switched off since) refuses saying so and naming the lock to delete", async (t) => {
    const { url, requests } = await serve(t);
    const folder = tempDir("hearth-dl-lock-");
    const clock = otherLock(folder, -3 * 86_400_000);
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", clock }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /Its lock's time is 3 days ahead of this machine's clock \(one of the two clocks is wrong\), so it is not taken over by its age until this clock passes it; if other-machine\.example stopped \(switched off, crashed\), delete m\.gguf\.part\.lock in that folder and download again\.$/);
      return true;
    });
    assert.equal(requests(), 0);
  });

  it("a fresh one refuses the download, naming the machine, when it was last refreshed and when it would be taken over", async (t) => {
    const { url, requests } = await serve(t);
    const folder = tempDir("hearth-dl-lock-");
    const clock = otherLock(folder, 90_000);
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", clock }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /^m\.gguf is already being downloaded into .* by Hearth on another machine, other-machine\.example \(process 4242; the folder is shared\)\. Wait for it to finish there .* Its lock was last refreshed 90 s ago; if other-machine\.example stopped \(switched off, crashed\), it is taken over once it has not been refreshed for 5 minutes\.$/);
      return true;
    });
    assert.equal(requests(), 0);
    assert.deepEqual(JSON.parse(readFileSync(join(folder, "m.gguf.part.lock"), "utf8")), OTHER, "its lock is left as it was");
  });

  // Read as one torn while written: taken over once 10 s old (JUST_MADE_MS), so two downloads wrote one part, and refused as "starting just now, try again in a few seconds".
  it("a newer Hearth's lock in a shape this version does not read is held while refreshed, said as such, and taken over once not refreshed for LOCK_STALE_MS", async (t) => {
    const { url, requests } = await serve(t);
    const folder = tempDir("hearth-dl-lock-");
    const clock = otherLock(folder, 40_000);
    const lock = join(folder, "m.gguf.part.lock");
    const theirs = JSON.stringify({ format: 2, owner: { pid: 4242, host: "other-machine.example", kind: "download" } });
    const refreshed = statSync(lock).mtime;
    writeFileSync(lock, theirs);
    utimesSync(lock, refreshed, refreshed);
    await assert.rejects(downloadFile({ url, folder, file: "m.gguf", clock }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.equal(error.message, `m.gguf is already being downloaded into ${folder} by another version of Hearth (a newer one: another VS Code window, hearth models --download, or another machine sharing the folder): its lock, m.gguf.part.lock, is in a form this version does not read. It was refreshed 40 s ago and is taken over once it has not been refreshed for 5 minutes. Wait for that download to finish (the model is then there for every window), or cancel it there; if no download runs, delete m.gguf.part.lock in that folder.`);
      return true;
    });
    assert.equal(requests(), 0);
    assert.equal(readFileSync(lock, "utf8"), theirs, "its lock is left as it was");
    // Its holder gone (not refreshed for LOCK_STALE_MS): taken over, as another machine's.
    clock.set(refreshed.getTime() + LOCK_STALE_MS);
    const result = await downloadFile({ url, folder, file: "m.gguf", clock });
    assert.equal(sha(readFileSync(result.path)), sha(FILE));
    assert.deepEqual(readdirSync(folder), ["m.gguf"]);
  });

  // The timeout only guards against a hang: without the check the download waits on the held server for good.
  it("a download whose lock the other machine took over (this one slept past LOCK_STALE_MS) stops writing, saying who has it", { timeout: 30_000 }, async (t) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = createServer((_req, res) => {
      res.writeHead(200, { "Content-Length": FILE.length });
      res.write(FILE.subarray(0, FILE.length / 2), () => void held.then(() => res.end(FILE.subarray(FILE.length / 2))));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => (release(), server.close(() => resolve()), server.closeAllConnections())));
    const folder = tempDir("hearth-dl-lock-");
    const clock = new FakeClock();
    clock.set(Date.now());
    let started!: () => void;
    const receiving = new Promise<void>((resolve) => (started = resolve));
    const download = downloadFile({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`, folder, file: "m.gguf", clock, progressIntervalMs: 0,
      onProgress: (p) => p.receivedBytes > 0 && started(),
    });
    await receiving;
    const theirs = JSON.stringify({ ...OTHER, token: "theirs" });
    writeFileSync(join(folder, "m.gguf.part.lock"), theirs);
    clock.advance(LOCK_REFRESH_MS);
    await assert.rejects(download, (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /^The download of m\.gguf stopped: process 4242 on other-machine\.example took it over after this one did not refresh its lock for 5 minutes/);
      return true;
    });
    assert.equal(readFileSync(join(folder, "m.gguf.part.lock"), "utf8"), theirs, "their lock is left to them");
    assert.equal(existsSync(join(folder, "m.gguf")), false);
  });
});

describe("a models folder that cannot be created", () => {
  it("says the folder cannot be written, as for a read-only disk, not a bare EPERM from mkdir", async (t) => {
    // /sys refuses new folders (EPERM or EROFS) even to root, as a read-only disk would.
    const folder = "/sys/hearth-test-models";
    try {
      mkdirSync(folder);
      rmSync(folder, { recursive: true });
      return t.skip("/sys accepts folders here");
    } catch {
      // expected
    }
    await assert.rejects(downloadFile({ url: "http://127.0.0.1:9/m.gguf", folder, file: "m.gguf" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.match(error.message, /^Cannot save the download in \/sys\/hearth-test-models: the folder cannot be written \(E[A-Z]+\)\./);
      return true;
    });
    assert.equal(existsSync(folder), false);
  });
  // HOME on a read-only disk (a container's, a CI's): node's recursive mkdir answers ENOENT
  // ("no such file or directory, mkdir ~/.local") when the folders to make are on a read-only
  // file system, so the download failed with that bare error and no word of what to do.
  it("says a read-only disk is read-only when folders above the models folder are missing too", async (t) => {
    const mount = smallDisk(t, { size: "1m", readOnly: true, at: tempDir("hearth-ro-home-") });
    if (!mount) return;
    const folder = join(mount, ".local", "share", "hearth", "models");
    await assert.rejects(downloadFile({ url: "http://127.0.0.1:9/m.gguf", folder, file: "m.gguf" }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline, String(error));
      assert.equal(error.message, `Cannot save the download in ${folder}: the folder cannot be written (EROFS). Fix the folder's permissions or download to another folder, then try again; nothing was downloaded yet.`);
      return true;
    });
  });
});
