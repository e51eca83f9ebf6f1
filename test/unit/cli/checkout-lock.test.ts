// `hearth fix` holds a lock on its checkout (src/cli/checkout-lock.ts). The lock names a pid;
// pids are reused — a container gives each run the same few pids, a reboot starts over — so
// a lock left by a killed run may name a live process that is no hearth fix at all.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CheckoutBusyError, LockFolderError, lockCheckout } from "../../../src/cli/checkout-lock.ts";
import { LOCK_REFRESH_MS, LOCK_STALE_MS } from "../../../src/models/part-lock.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CHILD = join(import.meta.dirname, "helpers", "lock-child.ts");

function takeLock(state: string, repo: string, mode?: string): string {
  const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, state, repo, ...(mode ? [mode] : [])], { encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim();
}

/** Leaves the lock a killed run left: its file, naming `pid` and when it started. */
function leftLock(state: string, repo: string, owner: { pid: number; started: string }): string {
  lockCheckout(state, repo); // taken, never released: the run was killed
  const file = join(state, "locks", readdirSync(join(state, "locks"))[0]!);
  writeFileSync(file, JSON.stringify(owner));
  return file;
}

describe("hearth fix's checkout lock and reused pids", () => {
  it("a lock naming the new run's own pid (a killed run in an earlier container) is taken over", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    assert.equal(takeLock(state, repo, "reused"), "locked");
    assert.deepEqual(readdirSync(join(state, "locks")), [], "released after");
  });

  it("a lock naming a live process that started after the lock was taken (the pid was reused) is taken over", { skip: process.platform !== "linux" && "reads process start times from /proc" }, async (t) => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    // An unrelated process that now has the pid a killed run had an hour ago.
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
    t.after(() => other.kill("SIGKILL"));
    await once(other, "spawn");
    leftLock(state, repo, { pid: other.pid!, started: new Date(Date.now() - 3_600_000).toISOString() });
    assert.equal(takeLock(state, repo), "locked");
  });

  it("a lock of a live process that started before it is respected, and the refusal names the lock file", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    // This test's own process: alive, and started before the lock's time.
    const file = leftLock(state, repo, { pid: process.pid, started: new Date().toISOString() });
    const answer = takeLock(state, repo);
    assert.match(answer, new RegExp(`^refused: another hearth fix \\(pid ${process.pid}, started .+\\) is working in .+: wait for it to end, or fix in another checkout \\(git worktree add\\); if no hearth fix runs there, delete ${file.replace(/[/.]/g, "\\$&")}$`));
  });
});

describe("a checkout lock a newer Hearth took", () => {
  it("of a kind of run this version does not know is respected and said as another Hearth run, not as hearth fix", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    // A newer Hearth's lock: a kind of holder added since, and a field this version does not know.
    const file = leftLock(state, repo, { pid: process.pid, started: new Date().toISOString(), by: "hearth review", session: "s1" } as { pid: number; started: string });
    const answer = takeLock(state, repo);
    const lockFile = file.replace(/[/.]/g, "\\$&");
    assert.match(answer, new RegExp(`^refused: another Hearth run \\(a "hearth review" run, which a newer version of Hearth makes; pid ${process.pid}, started .+\\) is working in .+: wait for it to end, or work in another checkout \\(git worktree add\\); if no Hearth runs there, delete ${lockFile}$`));
    assert.doesNotMatch(answer, /hearth fix/);
  });

  it("in a shape this version does not read is held while refreshed, not taken over seconds after it was written", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    // A newer Hearth's lock whose owner moved under another field, refreshed 40 s ago (its holder refreshes every 30 s).
    const file = leftLock(state, repo, { format: 2, owner: { pid: process.pid, started: new Date().toISOString(), kind: "runtime" } } as never);
    const refreshed = (Date.now() - 40_000) / 1000;
    utimesSync(file, refreshed, refreshed);
    const lockFile = file.replace(/[/.]/g, "\\$&");
    assert.match(takeLock(state, repo), new RegExp(`^refused: another Hearth run is working in .+: its lock was written by another version of Hearth \\(a newer one\\), in a form this version does not read; it was refreshed \\d+ s ago and is taken over once it has not been refreshed for 5 minutes\\. Wait for that run to end, or work in another checkout \\(git worktree add\\); if no Hearth runs there, delete ${lockFile}$`));
    assert.equal(JSON.parse(readFileSync(file, "utf8")).format, 2, "the lock is left as it was");
    // Its holder gone (not refreshed for LOCK_STALE_MS): taken over, as another machine's.
    const stale = (Date.now() - LOCK_STALE_MS - 60_000) / 1000;
    utimesSync(file, stale, stale);
    assert.equal(takeLock(state, repo), "locked");
  });
});

describe("releasing the checkout lock", () => {
  it("a holder whose lock was taken over releases nothing: the new holder's lock stays, and a third run is still refused", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    // Two holders in this process: the second judges the first's lock stale (it names this
    // very pid) and takes it over, as a run does whose lock a dead or reused pid left.
    const first = lockCheckout(state, repo);
    const second = lockCheckout(state, repo);
    const [name] = readdirSync(join(state, "locks"));
    const file = join(state, "locks", name!);
    const secondOwner = readFileSync(file, "utf8");
    first.release();
    assert.equal(existsSync(file), true, "the first holder's release left the second holder's lock alone");
    assert.equal(readFileSync(file, "utf8"), secondOwner);
    assert.match(takeLock(state, repo), /^refused: another hearth fix \(pid \d+/);
    second.release();
    assert.deepEqual(readdirSync(join(state, "locks")), [], "the holder's own release removes it");
  });
});

describe("a checkout lock left by another machine (a home folder on NFS, a container that died)", () => {
  /** The lock another machine's run wrote: its pid means nothing here (pid 1 is alive in every container), last refreshed `idleMs` ago. */
  function otherMachinesLock(state: string, repo: string, idleMs: number): string {
    const file = leftLock(state, repo, { pid: 1, started: new Date(Date.now() - 3_600_000).toISOString() });
    writeFileSync(file, JSON.stringify({ pid: 1, host: "build-7.example", started: new Date(Date.now() - 3_600_000).toISOString(), by: "hearth fix", token: "0123" }));
    const refreshed = new Date(Date.now() - idleMs);
    utimesSync(file, refreshed, refreshed);
    return file;
  }

  it("is taken over once it has not been refreshed for LOCK_STALE_MS: that machine stopped", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    otherMachinesLock(state, repo, LOCK_STALE_MS + 60_000);
    assert.equal(takeLock(state, repo), "locked");
  });

  it("is respected while fresh, and the refusal names the machine, when it was refreshed, when it is taken over and the file to delete", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    const file = otherMachinesLock(state, repo, 60_000);
    const answer = takeLock(state, repo);
    assert.match(answer, /^refused: another hearth fix \(pid 1 on build-7\.example, started .+\) is working in .+: /);
    // Refreshed 60 s before the lock was tried; the try itself (a child process) takes seconds at load 10-20.
    const ago = /build-7\.example refreshed its lock (\d+) s ago; it is taken over once it has not been refreshed for 5 minutes/.exec(answer);
    assert.ok(ago, answer);
    assert.ok(Number(ago[1]) >= 60 && Number(ago[1]) < LOCK_STALE_MS / 1000, answer);
    assert.ok(answer.endsWith(`if no hearth fix runs on build-7.example any more, delete ${file}`), answer);
  });

  it("one dated hours ahead of this clock (refreshed while that clock was ahead) is refused saying so, not as refreshed minus seconds ago", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    const file = otherMachinesLock(state, repo, -3 * 3_600_000);
    const answer = takeLock(state, repo);
    assert.match(answer, /\(its lock's time is 3 h ahead of this machine's clock — one of the two clocks is wrong —, so it is not taken over by its age until this clock passes it\)/);
    assert.doesNotMatch(answer, /refreshed its lock -?\d+ s ago/);
    assert.ok(answer.endsWith(`if no hearth fix runs on build-7.example any more, delete ${file}`), answer);
  });

  it("its holder refreshes the lock's mtime every LOCK_REFRESH_MS while it holds it, and stops at release", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    const clock = new FakeClock();
    clock.set(Math.floor(Date.now() / 1000) * 1000); // file times keep whole seconds everywhere
    const start = clock.now();
    const lock = lockCheckout(state, repo, "hearth fix", { clock });
    const file = join(state, "locks", readdirSync(join(state, "locks"))[0]!);
    assert.equal(JSON.parse(readFileSync(file, "utf8")).host, hostname());
    for (let i = 1; i <= (2 * LOCK_STALE_MS) / LOCK_REFRESH_MS; i++) {
      clock.advance(LOCK_REFRESH_MS);
      assert.equal(statSync(file).mtimeMs, start + i * LOCK_REFRESH_MS);
    }
    lock.release();
    assert.equal(existsSync(file), false);
    assert.equal(clock.pending(), 0, "no refresh is left waiting");
  });
});

describe("the checkout lock on a file system without hard links (exFAT, some FUSE and SMB mounts)", () => {
  /** link(2) as such a file system answers it. */
  const noLinks = (): never => {
    throw Object.assign(new Error("EPERM: operation not permitted, link"), { code: "EPERM", syscall: "link" });
  };

  it("is taken by creating the lock file exclusively, naming this process, and released", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    const lock = lockCheckout(state, repo, "hearth fix", { link: noLinks });
    const names = readdirSync(join(state, "locks"));
    assert.equal(names.length, 1, `only the lock, no draft left: ${names.join(", ")}`);
    const owner = JSON.parse(readFileSync(join(state, "locks", names[0]!), "utf8")) as { pid: number; by: string };
    assert.deepEqual([owner.pid, owner.by], [process.pid, "hearth fix"]);
    assert.match(takeLock(state, repo), /^refused: another hearth fix \(pid \d+/);
    lock.release();
    assert.deepEqual(readdirSync(join(state, "locks")), []);
  });

  it("a lock file created but not yet written (its taker is writing it) is respected for a moment, not taken over", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    const file = leftLock(state, repo, { pid: 1, started: new Date().toISOString() });
    writeFileSync(file, "");
    assert.match(takeLock(state, repo), /^refused: another Hearth run is taking the lock on .+ at this moment: try again in a few seconds; if none runs there, delete /);
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(file, earlier, earlier);
    assert.equal(takeLock(state, repo), "locked", "one left empty a minute ago: its taker died writing it");
  });
});

describe("a checkout lock that is not a file Hearth wrote", () => {
  it("a folder where the lock file goes (made by hand or by another program) is refused, naming it, and left as it is", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    const file = leftLock(state, repo, { pid: process.pid, started: new Date().toISOString() });
    rmSync(file);
    mkdirSync(file);
    writeFileSync(join(file, "notes.txt"), "someone's");
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, old);
    assert.throws(() => lockCheckout(state, repo), (error: Error) => {
      assert.ok(error instanceof LockFolderError, `a LockFolderError, not ${String(error)}`);
      assert.equal(error.message, `the checkout's lock cannot be kept in ${file} (EISDIR: a folder is where the lock file goes): move that folder away; Hearth leaves it alone`);
      return true;
    });
    assert.equal(readFileSync(join(file, "notes.txt"), "utf8"), "someone's", "the folder is left where it was, with what is in it");
    assert.deepEqual(readdirSync(join(state, "locks")), [file.slice(file.lastIndexOf("/") + 1)], "nothing moved aside");
  });
});

describe("the checkout lock when another run moves at the same moment", () => {
  it("a run that finds a stale lock and loses the takeover to another run is refused as busy, naming that run, not failed with EEXIST", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    // A killed run's lock (it names this very process: stale), which this run removes; between
    // that and its link another machine's run puts its own lock there.
    const file = leftLock(state, repo, { pid: process.pid, started: new Date().toISOString() });
    let calls = 0;
    const racing = (existing: string, target: string): void => {
      if (++calls === 2) writeFileSync(target, JSON.stringify({ pid: 1, host: "build-7.example", started: new Date().toISOString(), by: "hearth fix", token: "0123" }));
      linkSync(existing, target);
    };
    assert.throws(() => lockCheckout(state, repo, "runtime", { link: racing }), (error: Error) => {
      assert.ok(error instanceof CheckoutBusyError, `a CheckoutBusyError, not ${String(error)}`);
      assert.match(error.message, /^hearth fix \(pid 1 on build-7\.example, started .+\) is working in /);
      return true;
    });
    assert.equal(JSON.parse(readFileSync(file, "utf8")).host, "build-7.example", "the winner's lock is left alone");
  });

  it("two runs that judge one stale lock dead at once: the slower one's takeover leaves the faster one's new lock in place and is refused, naming it", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    // A killed run's lock (it names this very process: stale). This run judges it stale; before
    // it removes it, another run (another machine's, so it counts as alive here) judges it the
    // same, removes it and puts its own lock there.
    const file = leftLock(state, repo, { pid: process.pid, started: new Date().toISOString() });
    const theirs = JSON.stringify({ pid: 1, host: "build-7.example", started: new Date().toISOString(), by: "hearth fix", token: "0123" });
    let takeovers = 0;
    const fasterRun = (path: string): void => {
      if (++takeovers > 1) return;
      rmSync(path);
      writeFileSync(path, theirs);
    };
    assert.throws(() => lockCheckout(state, repo, "hearth fix", { beforeTakeover: fasterRun }), (error: Error) => {
      assert.ok(error instanceof CheckoutBusyError, `a CheckoutBusyError, not ${String(error)}`);
      assert.match(error.message, /^another hearth fix \(pid 1 on build-7\.example, started .+\) is working in /);
      return true;
    });
    assert.equal(readFileSync(file, "utf8"), theirs, "the faster run's lock is still in place: only one run holds the checkout");
    assert.deepEqual(readdirSync(join(state, "locks")), [file.slice(file.lastIndexOf("/") + 1)], "nothing moved aside is left behind");
  });

  it("a slower run's takeover that moves this run's new lock aside for a moment, just as it is placed, leaves this run holding it, not failed with a raw ENOENT", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    // A killed run's lock, judged stale by this run and by a slower one. This run removes it and
    // links its own; the slower run's removeStaleLock then renames that aside (it is not the lock
    // it judged) and puts it back — between the two, this run's lock is not at its place.
    const file = leftLock(state, repo, { pid: process.pid, started: new Date().toISOString() });
    const aside = `${file}.4242.0a0b0c0d0e0f.stale`;
    const slowerRunRenames = (existing: string, target: string): void => {
      linkSync(existing, target);
      renameSync(target, aside);
    };
    const lock = lockCheckout(state, repo, "hearth fix", { link: slowerRunRenames });
    // The slower run finds the lock it moved is not the one it judged, and puts it back.
    linkSync(aside, file);
    rmSync(aside);
    assert.equal(JSON.parse(readFileSync(file, "utf8")).pid, process.pid, "this run's lock is in place");
    lock.release();
    assert.deepEqual(readdirSync(join(state, "locks")), [], "and released by it");
  });

  it("a lock released just as this run found it is taken, not refused as one being written", () => {
    const state = tempDir("hearth-lock-state-");
    const repo = tempDir("hearth-lock-repo-");
    const file = leftLock(state, repo, { pid: process.pid, started: new Date().toISOString() });
    let calls = 0;
    // The holder's release lands between this run's link (EEXIST) and its look at the lock.
    const released = (existing: string, target: string): void => {
      if (++calls === 1) {
        rmSync(target);
        throw Object.assign(new Error(`EEXIST: file already exists, link '${existing}' -> '${target}'`), { code: "EEXIST", syscall: "link" });
      }
      linkSync(existing, target);
    };
    const lock = lockCheckout(state, repo, "hearth fix", { link: released });
    assert.equal(JSON.parse(readFileSync(file, "utf8")).pid, process.pid);
    lock.release();
    assert.deepEqual(readdirSync(join(state, "locks")), []);
  });
});

describe("the checkout lock is the checkout's, whatever folder of it a run was given", () => {
  /** A real git checkout with a package folder in it. */
  function checkout(): { top: string; sub: string } {
    const top = tempDir("hearth-lock-repo-");
    if (!top) throw new Error("no folder for the checkout");
    const init = spawnSync("git", ["init", "-q"], { cwd: top, encoding: "utf8" });
    assert.equal(init.status, 0, init.stderr);
    const sub = join(top, "packages", "api");
    mkdirSync(sub, { recursive: true });
    return { top, sub };
  }

  it("a window opened on a package folder is refused while hearth fix works at the checkout's top, and the reverse", () => {
    const state = tempDir("hearth-lock-state-");
    const { top, sub } = checkout();
    const held = lockCheckout(state, top);
    assert.match(takeLock(state, sub), /^refused: another hearth fix \(pid \d+, started .+\) is working in /);
    held.release();
    const inSub = lockCheckout(state, sub);
    assert.match(takeLock(state, top), /^refused: /);
    inSub.release();
    assert.equal(takeLock(state, sub), "locked", "free again once released");
  });

  it("a folder outside any checkout is locked as itself", () => {
    const state = tempDir("hearth-lock-state-");
    const plain = tempDir("hearth-lock-plain-");
    mkdirSync(join(plain, "a"));
    const held = lockCheckout(state, plain);
    assert.equal(takeLock(state, join(plain, "a")), "locked", "no checkout above: another folder");
    held.release();
  });
});

describe("the checkout lock under a home folder kept in git (git init ~, for dotfiles)", () => {
  /** A home folder that is a git checkout, with two project folders in it that are no checkouts of their own. */
  function gitHome(t: { after(fn: () => void): void }): string {
    const home = tempDir("hearth-lock-home-");
    const init = spawnSync("git", ["init", "-q"], { cwd: home, encoding: "utf8" });
    assert.equal(init.status, 0, init.stderr);
    mkdirSync(join(home, "notes"));
    mkdirSync(join(home, "scratch"));
    const before = process.env.HOME;
    process.env.HOME = home; // os.homedir(), here and in the child that takes the other lock
    t.after(() => {
      if (before === undefined) delete process.env.HOME;
      else process.env.HOME = before;
    });
    return home;
  }

  it("a window on ~/notes is not refused while hearth fix works in ~/scratch: each folder is locked as itself, as hearth fix works in it alone", (t) => {
    const home = gitHome(t);
    const state = tempDir("hearth-lock-state-");
    const held = lockCheckout(state, join(home, "scratch"));
    assert.equal(takeLock(state, join(home, "notes")), "locked");
    assert.match(takeLock(state, join(home, "scratch")), /^refused: /, "the same folder is still refused");
    held.release();
  });

  it("a checkout of its own under that home is still one lock for its top and its packages", (t) => {
    const home = gitHome(t);
    const state = tempDir("hearth-lock-state-");
    const repo = join(home, "repo");
    mkdirSync(join(repo, "packages", "api"), { recursive: true });
    const init = spawnSync("git", ["init", "-q"], { cwd: repo, encoding: "utf8" });
    assert.equal(init.status, 0, init.stderr);
    const held = lockCheckout(state, repo);
    assert.match(takeLock(state, join(repo, "packages", "api")), /^refused: /);
    held.release();
  });
});

// ~/.local/state linked to a drive that is not mounted: the first read-only-disk fix (4e3db8e0)
// made the link's own name alone to learn why, got EEXIST, and told a folder of locks that "is a
// file, not a folder: move that file away" — sending the user to delete their link.
describe("a state folder under a link to a drive that is not mounted", () => {
  it("is not told as a file in the way", () => {
    const home = tempDir("hearth-lock-home-");
    symlinkSync(join(home, "unmounted-drive"), join(home, "state"));
    const repo = tempDir("hearth-lock-repo-");
    assert.throws(() => lockCheckout(join(home, "state", "hearth"), repo), (error: Error) => {
      assert.doesNotMatch(error.message, /not a folder|move that file away/);
      return true;
    });
  });
});

// HOME empty (a systemd unit's Environment=HOME=, docker run -e HOME=): os.homedir() is "", whose
// real path is the folder Hearth runs in, so a run started at a checkout's top took that folder
// for the home, stopped the search below it, and locked a package of the checkout as its own.
describe("the checkout lock with HOME empty", () => {
  it("a package of a checkout is still its top's lock when Hearth runs at that top", () => {
    const repo = tempDir("hearth-lock-repo-");
    mkdirSync(join(repo, "packages", "api"), { recursive: true });
    const init = spawnSync("git", ["init", "-q"], { cwd: repo, encoding: "utf8" });
    assert.equal(init.status, 0, init.stderr);
    const state = tempDir("hearth-lock-state-");
    const held = lockCheckout(state, repo);
    const child = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), CHILD, state, join(repo, "packages", "api")], { cwd: repo, env: { ...process.env, HOME: "" }, encoding: "utf8" });
    held.release();
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /^refused: /);
  });
});
