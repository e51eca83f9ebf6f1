/**
 * Installing node-llama-cpp's CUDA binary package on first use, against a real HTTP server
 * on 127.0.0.1 that answers like the npm registry (version metadata + tarball with Range
 * support), serving a generated tarball with the real package's layout. Then a separate
 * Node process proves node-llama-cpp's own binary lookup finds the installed copy.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DownloadError } from "../../../src/models/download.ts";
import { installedPackageFolder, installNativePackage, isInstalled, npmRegistry } from "../../../src/models/native-packages.ts";
import { fakeBinaryPackage, integrityOf } from "../../fixtures/models/npm-tarball.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

const NAME = "@node-llama-cpp/linux-x64-cuda";
const VERSION = JSON.parse(readFileSync(new URL("../../../node_modules/node-llama-cpp/package.json", import.meta.url), "utf8")).version as string;
// Incompressible, so the tarball spans many network chunks.
const binary = randomBytes(1_000_000);
const tarball = fakeBinaryPackage(NAME, VERSION, "linux-x64-cuda", binary);

let server: Server;
let registry: string;
/** What the metadata answers as integrity (the real one unless a test changes it). */
let integrity = integrityOf(tarball);
/** Responses cut after this many bytes, one per tarball request. */
const drops: number[] = [];
const requests: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.url} ${req.headers.range ?? ""}`.trim());
    if (req.url === `/@node-llama-cpp%2flinux-x64-cuda/${VERSION}`) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ name: NAME, version: VERSION, dist: { tarball: `${registry}/@node-llama-cpp/linux-x64-cuda/-/linux-x64-cuda-${VERSION}.tgz`, integrity } }));
      return;
    }
    if (req.url?.endsWith(".tgz")) return serveRange(req.headers.range, res);
    res.writeHead(404).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

function serveRange(range: string | undefined, res: import("node:http").ServerResponse): void {
  const start = Number(/^bytes=(\d+)-$/.exec(range ?? "")?.[1] ?? 0);
  const body = tarball.subarray(start);
  res.writeHead(range ? 206 : 200, {
    "content-length": body.length,
    ...(range ? { "content-range": `bytes ${start}-${tarball.length - 1}/${tarball.length}` } : {}),
  });
  const cut = drops.shift();
  if (cut === undefined) res.end(body);
  else res.write(body.subarray(0, cut), () => res.socket?.destroy());
}

function install(nativeFolder: string, extra: Partial<Parameters<typeof installNativePackage>[0]> = {}) {
  return installNativePackage({ name: NAME, version: VERSION, nativeFolder, registry, progressIntervalMs: 0, ...extra });
}

/** Everything under the native folder except finished package folders: must be empty after a failure. */
function leftovers(nativeFolder: string): string[] {
  const scope = join(nativeFolder, "@node-llama-cpp");
  return existsSync(scope) ? readdirSync(scope).filter((name) => name.includes(".tmp-")) : [];
}

describe("CUDA binary package install", () => {
  it("installs the registry's tarball into <native>/@node-llama-cpp/<name>@<version>, verified, and only once", async () => {
    const native = tempDir("hearth-native-");
    requests.length = 0;
    const result = await install(native);
    assert.equal(result.folder, join(native, "@node-llama-cpp", `linux-x64-cuda@${VERSION}`));
    assert.equal(result.downloaded, true);
    assert.deepEqual(readFileSync(join(result.folder, "bins/linux-x64-cuda/llama-addon.node")), binary);
    assert.ok(isInstalled(native, NAME, VERSION));
    assert.deepEqual(readdirSync(join(native, ".downloads")), [], "the tarball is removed after unpacking");
    assert.deepEqual(requests.map((r) => r.split(" ")[0]!.split("/").pop()), [VERSION, `linux-x64-cuda-${VERSION}.tgz`]);
    requests.length = 0;
    assert.equal((await install(native)).downloaded, false);
    assert.equal(requests.length, 0, "an installed package is not fetched again");
  });

  it("an integrity mismatch installs nothing and deletes the bad tarball", async (t) => {
    const native = tempDir("hearth-native-");
    integrity = integrityOf(Buffer.from("something else"));
    t.after(() => (integrity = integrityOf(tarball)));
    await assert.rejects(install(native), (error: unknown) => {
      assert.ok(error instanceof DownloadError && !error.offline);
      assert.match(error.message, /^The downloaded @node-llama-cpp\/linux-x64-cuda@[\d.]+ does not match the registry's integrity hash, so it was deleted and nothing was installed\. Try again/);
      return true;
    });
    assert.ok(!isInstalled(native, NAME, VERSION));
    assert.ok(!existsSync(installedPackageFolder(native, NAME, VERSION)));
    assert.deepEqual(readdirSync(join(native, ".downloads")), []);
    assert.deepEqual(leftovers(native), []);
  });

  it("a dropped connection resumes with a Range request and the package is whole", async () => {
    const native = tempDir("hearth-native-");
    drops.push(Math.floor(tarball.length / 2));
    requests.length = 0;
    const result = await install(native);
    const tgz = requests.filter((r) => r.includes(".tgz"));
    assert.equal(tgz.length, 2);
    assert.match(tgz[1]!, / bytes=\d+-$/);
    assert.deepEqual(readFileSync(join(result.folder, "bins/linux-x64-cuda/llama-addon.node")), binary);
  });

  it("cancel keeps the partial tarball and installs nothing; the next install resumes it", async () => {
    const native = tempDir("hearth-native-");
    const controller = new AbortController();
    // Past the first chunks: the pipeline's backpressure has written them to the .part file.
    const onProgress = (p: { receivedBytes: number }) => p.receivedBytes >= tarball.length / 2 && controller.abort();
    await assert.rejects(install(native, { signal: controller.signal, onProgress }), { name: "AbortError" });
    assert.ok(!isInstalled(native, NAME, VERSION));
    // The part, and beside it what it was started from (models/part-origin.ts).
    const part = readdirSync(join(native, ".downloads")).filter((name) => !name.endsWith(".part.json"));
    assert.equal(part.length, 1);
    assert.match(part[0]!, /\.tgz\.part$/);
    assert.ok(statSync(join(native, ".downloads", part[0]!)).size > 0);
    requests.length = 0;
    await install(native);
    assert.ok(isInstalled(native, NAME, VERSION));
    assert.match(requests.find((r) => r.includes(".tgz"))!, / bytes=\d+-$/, "the second attempt resumes");
  });

  it("a full disk: a clear message, nothing installed", async (t) => {
    if (!existsSync("/dev/full")) return t.skip("needs /dev/full (Linux)");
    const native = tempDir("hearth-native-");
    mkdirSync(join(native, ".downloads"));
    symlinkSync("/dev/full", join(native, ".downloads", `@node-llama-cpp+linux-x64-cuda-${VERSION}.tgz.part`));
    await assert.rejects(install(native), /^DownloadError: Cannot save the download in .*: the disk is full \(ENOSPC\)/);
    assert.ok(!isInstalled(native, NAME, VERSION));
    assert.deepEqual(leftovers(native), []);
  });

  it("offline (connection refused): a clear message saying Vulkan keeps working", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const native = tempDir("hearth-native-");
    await assert.rejects(install(native, { registry: `http://127.0.0.1:${port}` }), (error: unknown) => {
      assert.ok(error instanceof DownloadError && error.offline);
      assert.match(error.message, /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*offline.*keeps running on Vulkan/);
      return true;
    });
    assert.ok(!existsSync(join(native, "@node-llama-cpp")));
  });

  it("the registry comes from npm's configuration", () => {
    const dir = tempDir("hearth-npmrc-");
    writeFileSync(join(dir, ".npmrc"), "fund=false\nregistry = https://npm.example.test/\n");
    assert.equal(npmRegistry({ npm_config_registry: "https://env.example.test/" }, join(dir, ".npmrc")), "https://env.example.test");
    assert.equal(npmRegistry({}, join(dir, ".npmrc")), "https://npm.example.test");
    assert.equal(npmRegistry({}, join(dir, "missing")), "https://registry.npmjs.org");
  });

  it("node-llama-cpp's own binary lookup finds the installed package once the resolve hook is registered", async (t) => {
    if (process.platform !== "linux" || process.arch !== "x64") return t.skip("the fake package is linux-x64");
    const native = tempDir("hearth-native-");
    await install(native);
    // node-llama-cpp's internal lookup (the function getLlama uses), run in a fresh process.
    const lookup = pathToFileURL(fileURLToPath(new URL("../../../node_modules/node-llama-cpp/dist/bindings/utils/compileLLamaCpp.js", import.meta.url))).href;
    const hooks = pathToFileURL(fileURLToPath(new URL("../../../src/models/native-packages.ts", import.meta.url))).href;
    const script = (register: boolean) => `
      ${register ? `const { useInstalledNativePackages } = await import(${JSON.stringify(hooks)});
      if (!(useInstalledNativePackages(${JSON.stringify(native)}, ${JSON.stringify(VERSION)}))) throw new Error("no module.register");` : ""}
      const { getPrebuiltBinaryPath } = await import(${JSON.stringify(lookup)});
      const found = await getPrebuiltBinaryPath({ platform: "linux", arch: "x64", gpu: "cuda" }, "linux-x64-cuda");
      console.log(JSON.stringify(found?.binaryPath ?? null));`;
    const run = (register: boolean) =>
      JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script(register)], { cwd: fileURLToPath(new URL("../../..", import.meta.url)), encoding: "utf8" }).trim().split("\n").pop()!) as string | null;
    assert.equal(run(true), join(native, "@node-llama-cpp", `linux-x64-cuda@${VERSION}`, "bins", "linux-x64-cuda", "llama-addon.node"));
    assert.ok(!run(false)?.startsWith(native), "without the hook node-llama-cpp does not look there");
  });

  // A user a few updates in: each update that moved node-llama-cpp to another version had the
  // CUDA package downloaded again (hundreds of MB: node-llama-cpp loads its own version's alone),
  // and the one before stayed in the native folder for good, with a cancelled download of one.
  it("a fresh install removes the packages of other versions and their leftover downloads, never one a download holds", async () => {
    const native = tempDir("hearth-native-");
    const scope = join(native, "@node-llama-cpp");
    const downloads = join(native, ".downloads");
    const old = ["linux-x64-cuda@3.0.0-beta.44", "linux-x64-cuda-ext@3.0.0-beta.44"];
    for (const name of old) {
      mkdirSync(join(scope, name, "bins"), { recursive: true });
      writeFileSync(join(scope, name, "bins", "libggml-cuda.so"), "old");
    }
    mkdirSync(join(scope, "linux-x64-cuda@3.1.0.tmp-0a1b2c3d"), { recursive: true }); // another Hearth unpacking now
    mkdirSync(downloads, { recursive: true });
    const cancelled = join(downloads, "@node-llama-cpp+linux-x64-cuda-ext-3.1.0.tgz.part");
    const held = join(downloads, "@node-llama-cpp+linux-x64-cuda-3.2.0.tgz.part");
    const lately = join(downloads, "@node-llama-cpp+linux-x64-cuda-3.3.0.tgz.part");
    for (const part of [cancelled, held, lately]) writeFileSync(part, "part");
    writeFileSync(`${cancelled}.json`, "{}");
    writeFileSync(`${held}.lock`, "{}");
    const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
    for (const part of [cancelled, held]) utimesSync(part, dayAgo, dayAgo);
    const result = await install(native);
    assert.equal(result.downloaded, true);
    assert.deepEqual(readdirSync(scope).sort(), ["linux-x64-cuda@3.1.0.tmp-0a1b2c3d", `linux-x64-cuda@${VERSION}`]);
    assert.deepEqual(readdirSync(downloads).sort(), [held, `${held}.lock`, lately].map((path) => path.slice(downloads.length + 1)).sort());
    // Installed already: nothing is looked at again.
    mkdirSync(join(scope, old[0]!), { recursive: true });
    assert.equal((await install(native)).downloaded, false);
    assert.ok(existsSync(join(scope, old[0]!)));
  });
  // A removal cut short — the process killed in the middle of hundreds of megabytes, or a file in
  // the folder that cannot be removed (a DLL a running Hearth loaded, on Windows; here a disk
  // mounted in it, EBUSY) — left the old version's folder under its own name with some of its
  // files gone: that version (a window not reloaded, a downgrade) then took it as installed while
  // its package.json was left, and loaded a broken package, or could not install over it.
  it("a removal cut short leaves no half package under its own name; the next install removes what is left", async (t) => {
    const native = tempDir("hearth-native-");
    const scope = join(native, "@node-llama-cpp");
    const old = join(scope, "linux-x64-cuda@3.0.0-beta.44");
    mkdirSync(join(old, "bins"), { recursive: true });
    writeFileSync(join(old, "package.json"), "{}");
    writeFileSync(join(old, "bins", "libggml-cuda.so"), "old");
    if (!smallDisk(t, { size: "64k", at: join(old, "bins", "held") })) return;
    const mountedUnder = () => readFileSync("/proc/mounts", "utf8").split("\n").map((line) => line.split(" ")[1] ?? "").filter((at) => at.startsWith(scope));
    t.after(() => {
      for (const at of mountedUnder()) spawnSync("umount", [at]);
    });
    assert.equal((await install(native)).downloaded, true);
    assert.ok(!existsSync(old), `the old package is not left under its own name: ${existsSync(old) ? readdirSync(old).join(", ") : ""}`);
    const aside = readdirSync(scope).filter((name) => name.startsWith("linux-x64-cuda@3.0.0-beta.44.removing-"));
    assert.equal(aside.length, 1, readdirSync(scope).join(", "));
    for (const at of mountedUnder()) spawnSync("umount", [at]);
    rmSync(join(scope, `linux-x64-cuda@${VERSION}`), { recursive: true });
    assert.equal((await install(native)).downloaded, true);
    assert.deepEqual(readdirSync(scope), [`linux-x64-cuda@${VERSION}`]);
  });
  // An older Hearth installing its package beside a newer one — a window not reloaded since the
  // update whose runtime restarted, a downgrade, an older CLI on the same HEARTH_HOME — removed
  // the newer version's, which the newer Hearth loads: that one then downloaded it again and
  // removed the older's, in turn, hundreds of MB each time. And any name with an @ went, a
  // folder the user put there too.
  it("a fresh install leaves newer versions' packages and downloads, and names no install makes", async () => {
    const native = tempDir("hearth-native-");
    const scope = join(native, "@node-llama-cpp");
    const downloads = join(native, ".downloads");
    const [major, minor, patch] = VERSION.split(/[.-]/).map(Number) as [number, number, number];
    const kept = [`linux-x64-cuda@${major + 1}.0.0`, `linux-x64-cuda-ext@${major}.${minor}.${patch + 1}`, "linux-x64-cuda@my-backup", "notes@home", "linux-x64-cuda@3.0.0-beta.50.tmp-0a1b2c3d"];
    const removed = ["linux-x64-cuda@3.0.0-beta.44", `linux-x64-cuda@${major}.${minor}.${patch}-beta.1`, `linux-x64-cuda-ext@${major}.${minor}.${patch}-beta.0`];
    for (const name of [...kept, ...removed]) {
      mkdirSync(join(scope, name), { recursive: true });
      writeFileSync(join(scope, name, "package.json"), "{}");
    }
    mkdirSync(downloads, { recursive: true });
    const newer = `@node-llama-cpp+linux-x64-cuda-ext-${major + 1}.0.0.tgz.part`;
    const older = "@node-llama-cpp+linux-x64-cuda-ext-3.2.0.tgz.part";
    const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
    for (const name of [newer, older, "mine.tgz"]) {
      writeFileSync(join(downloads, name), "part");
      utimesSync(join(downloads, name), dayAgo, dayAgo);
    }
    assert.equal((await install(native)).downloaded, true);
    assert.deepEqual(readdirSync(scope).sort(), [...kept, `linux-x64-cuda@${VERSION}`].sort());
    assert.deepEqual(readdirSync(downloads).sort(), [newer, "mine.tgz"].sort());
  });
});
