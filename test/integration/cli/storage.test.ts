// A user months in: models downloaded and a 20 GB download cancelled, hearth fix run on temp
// clones since deleted, index caches of many folders, Hearth in VS Code opened on folders
// since deleted. Nothing showed where Hearth's files were or how big, nor removed any of it.
// Real built CLI, real files in temporary XDG folders and HOME.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { pathToFileURL } from "node:url";
import { pruned } from "../../../src/tools/checkpoint-stores.ts";
import { CheckpointStore } from "../../../src/tools/checkpoints.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const MiB = 1024 * 1024;

interface Machine {
  readonly env: NodeJS.ProcessEnv;
  readonly models: string;
  readonly index: string;
  readonly state: string;
  readonly workspaceStorage: string;
}

function machine(): Machine {
  const home = tempDir("hearth-storage-home-");
  const env = {
    ...process.env,
    HOME: home,
    HEARTH_HOME: join(home, "hearth-home"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_STATE_HOME: join(home, "state"),
    XDG_CONFIG_HOME: join(home, "config"),
  };
  return {
    env,
    models: join(home, "hearth-home", "models"),
    index: join(home, "cache", "hearth", "index"),
    state: join(home, "state", "hearth"),
    workspaceStorage: join(home, "config", "Code", "User", "workspaceStorage"),
  };
}

function file(path: string, bytes: number): void {
  mkdirSync(resolve(path, ".."), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes, 1));
}

/** A pid no process has now. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

/** hearth fix's checkpoint store of a checkout, left by a process that has exited (or held by `pid`). */
async function fixStore(m: Machine, pid = deadPid()): Promise<{ root: string; gitDir: string }> {
  const root = tempDir("hearth-storage-clone-");
  writeFileSync(join(root, "a.py"), "x = 1\n");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: m.state });
  await store.create("before Hearth's fix");
  await pruned();
  const checkpoints = join(m.state, "checkpoints");
  const gitDir = readdirSync(checkpoints).map((name) => join(checkpoints, name)).find((dir) => existsSync(join(dir, "hearth-open", String(process.pid))))!;
  renameSync(join(gitDir, "hearth-open", String(process.pid)), join(gitDir, "hearth-open", String(pid)));
  return { root, gitDir };
}

/** Sets the times of `dir` and everything in it `days` days back. */
function ageAll(dir: string, days: number): void {
  const when = new Date(Date.now() - days * 24 * 60 * 60 * 1000);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) ageAll(join(dir, entry.name), days);
    else utimesSync(join(dir, entry.name), when, when);
  }
  utimesSync(dir, when, when);
}

function hearth(m: Machine, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, "storage", ...args], { encoding: "utf8", timeout: 60_000, env: m.env });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function monthsOfUse(m: Machine) {
  file(join(m.models, "Qwen3.6-35B-A3B-Q4_K_M.gguf"), 3 * MiB);
  file(join(m.models, "Qwen3.6-35B-A3B-Q8_0.gguf.part"), 2 * MiB);
  writeFileSync(join(m.models, "Qwen3.6-35B-A3B-Q8_0.gguf.part.json"), "{}");
  const cancelled = new Date(Date.now() - 60 * 60_000);
  utimesSync(join(m.models, "Qwen3.6-35B-A3B-Q8_0.gguf.part"), cancelled, cancelled);
  file(join(m.index, "index-aaaaaaaaaaaaaaaa.bin"), MiB);
  file(join(m.index, "index-bbbbbbbbbbbbbbbb.bin"), MiB);
  file(join(m.state, "fix-1764000000000.trajectory.jsonl"), 1000);
  const gone = await fixStore(m);
  rmSync(gone.root, { recursive: true, force: true });
  // Not there for 3 days: its disk may just not be mounted now.
  const goneLately = await fixStore(m);
  rmSync(goneLately.root, { recursive: true, force: true });
  const there = await fixStore(m);
  const heldGone = await fixStore(m, process.ppid);
  rmSync(heldGone.root, { recursive: true, force: true });
  // Aged once all are made: each open removes the stores stale by then.
  ageAll(gone.gitDir, 15);
  ageAll(goneLately.gitDir, 3);
  ageAll(heldGone.gitDir, 15);
  utimesSync(join(heldGone.gitDir, "hearth-open", String(process.ppid)), new Date(), new Date());
  // VS Code's storage of a folder since deleted, with Hearth's index in it.
  const opened = join(m.workspaceStorage, "0123abcd");
  file(join(opened, "hearth.hearth", "index", "index-cccccccccccccccc.bin"), MiB);
  writeFileSync(join(opened, "workspace.json"), JSON.stringify({ folder: pathToFileURL(join(tempDir("hearth-storage-"), "deleted project")).href }));
  return { gone, goneLately, there, heldGone };
}

it("hearth storage names every place Hearth keeps files, its size and what --clean would remove", async () => {
  const m = machine();
  const { gone, goneLately, there, heldGone } = await monthsOfUse(m);
  const run = hearth(m);
  assert.equal(run.status, 0, run.stderr);
  const out = run.stdout;
  assert.match(out, new RegExp(`Models \\(hearth models\\): 5\\.0 MiB in ${m.models}`));
  assert.match(out, /  \* .*Q8_0\.gguf\.part: 2\.0 MiB, interrupted download/);
  assert.match(out, /    .*Q4_K_M\.gguf: 3\.0 MiB, downloaded model/);
  assert.match(out, /Index caches .*: 2\.0 MiB in .*cache\/hearth\/index — 2 folder\(s\)/);
  assert.ok(out.includes(`  * ${gone.root}: `) && /last used 15 day\(s\) ago, its folder is not there \(deleted, or on a disk not mounted now\)/.test(out), out);
  assert.ok(out.includes(`    ${goneLately.root}: `), out);
  assert.ok(out.includes(`    ${there.root}: `), out);
  assert.ok(out.includes(`    ${heldGone.root}: `) && /in use now/.test(out), out);
  assert.match(out, /Trajectories .*1 fix-\*\.trajectory\.jsonl file\(s\)/);
  assert.match(out, /Hearth in VS Code: per folder .*1 folder\(s\) opened, 1 of them gone \(1\.0 MiB\)/);
  const json = JSON.parse(hearth(m, "--json").stdout) as { places: { what: string; bytes: number }[] };
  assert.equal(json.places.find((p) => p.what.startsWith("Models"))?.bytes, 5 * MiB + 2);
});

it("hearth storage says a checkpoint store used while the clock was ahead by its date, not as used -365 days ago", async () => {
  const m = machine();
  const ahead = await fixStore(m);
  const soon = await fixStore(m);
  ageAll(ahead.gitDir, -365); // made on this machine while its clock was a year ahead, set right since
  ageAll(soon.gitDir, -1 / 24); // an hour ahead: another machine's clock on a shared disk
  const run = hearth(m);
  assert.equal(run.status, 0, run.stderr);
  const date = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  const line = (root: string) => run.stdout.split("\n").find((text) => text.startsWith(`    ${root}: `)) ?? "";
  assert.match(line(ahead.root), new RegExp(`last used ${date}, a date ahead of this machine's clock$`), run.stdout);
  assert.match(line(soon.root), /, used today$/, run.stdout);
  assert.doesNotMatch(run.stdout, /-\d+ day\(s\)/);
});

it("hearth storage --clean removes gone folders' checkpoints, index caches and interrupted downloads, never a model, a trajectory or what a running Hearth holds", async () => {
  const m = machine();
  const { gone, goneLately, there, heldGone } = await monthsOfUse(m);
  const run = hearth(m, "--clean");
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Removed 4 item\(s\), 4\.\d MiB:/);
  assert.equal(existsSync(gone.gitDir), false);
  assert.equal(existsSync(there.gitDir), true, "a folder that is there keeps its checkpoints");
  assert.equal(existsSync(goneLately.gitDir), true, "a folder not there for 3 days may be on a disk not mounted now");
  assert.equal(existsSync(heldGone.gitDir), true, "a store a running process has open is kept");
  assert.deepEqual(readdirSync(m.models), ["Qwen3.6-35B-A3B-Q4_K_M.gguf"]);
  assert.deepEqual(readdirSync(m.index), []);
  assert.ok(existsSync(join(m.state, "fix-1764000000000.trajectory.jsonl")));
  assert.ok(existsSync(join(m.workspaceStorage, "0123abcd", "hearth.hearth")), "VS Code's storage is VS Code's to manage");
});

// HEARTH_HOME set to a folder that holds more than Hearth's (the home folder itself, a disk
// of models of other tools): everything in it but models/ was listed as "CUDA packages",
// hearth's own crash logs included.
it("hearth storage counts as CUDA packages only the native folder hearth models --cuda installs into", () => {
  const m = machine();
  file(join(m.env.HEARTH_HOME!, "my-notes", "thesis.pdf"), 3 * MiB);
  file(join(m.env.HEARTH_HOME!, "logs", "crash-1.log"), 1000);
  let run = hearth(m);
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /CUDA packages/, "nothing installed by --cuda");
  file(join(m.env.HEARTH_HOME!, "native", "node_modules", "@node-llama-cpp", "linux-x64-cuda", "llama.node"), 2 * MiB);
  run = hearth(m);
  assert.match(run.stdout, new RegExp(`CUDA packages \\(hearth models --cuda\\): 2\\.0 MiB in ${join(m.env.HEARTH_HOME!, "native")}\\n`));
});

// A download that takes no part lock — an older Hearth's, or a browser saving model.gguf into
// the models folder (it writes model.gguf.part) — was deleted by --clean as it was written.
it("hearth storage --clean keeps an interrupted download written to in the last minutes: something may be downloading it without Hearth's lock", () => {
  const m = machine();
  file(join(m.models, "Qwen3.6-35B-A3B-Q4_K_M.gguf.part"), MiB);
  const run = hearth(m, "--clean");
  assert.equal(run.status, 0, run.stderr);
  assert.ok(existsSync(join(m.models, "Qwen3.6-35B-A3B-Q4_K_M.gguf.part")), run.stdout);
  assert.match(run.stdout, /Kept .*Q4_K_M\.gguf\.part: written to in the last 5 minutes/);
});

// Said as '(process <hearth storage's own pid> on <this machine>)': the pid the lock gave for a holder it could not read.
it("hearth storage --clean keeps an interrupted download whose lock another version of Hearth holds, saying so", () => {
  const m = machine();
  const part = join(m.models, "Qwen3.6-35B-A3B-Q4_K_M.gguf.part");
  file(part, MiB);
  const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
  utimesSync(part, dayAgo, dayAgo);
  writeFileSync(`${part}.lock`, JSON.stringify({ format: 2, owner: { pid: 4242, host: "other-machine.example" } }));
  const run = hearth(m, "--clean");
  assert.equal(run.status, 0, run.stderr);
  assert.ok(existsSync(part), run.stdout);
  assert.match(run.stdout, /Kept .*Q4_K_M\.gguf\.part: being downloaded now \(another version of Hearth, whose lock this version does not read\)/);
});

// A user a few updates in: each Hearth update that moved node-llama-cpp to another version had
// hearth models --cuda download its CUDA package again (hundreds of MB; node-llama-cpp loads
// its own version's alone), and the one before stayed in HEARTH_HOME/native for good: listed as
// one size, never named, never removed by --clean.
it("hearth storage names the CUDA packages of other node-llama-cpp versions and --clean removes them, never this Hearth's", () => {
  const m = machine();
  const current = (JSON.parse(readFileSync(join(ROOT, "node_modules", "node-llama-cpp", "package.json"), "utf8")) as { version: string }).version;
  const scope = join(m.env.HEARTH_HOME!, "native", "@node-llama-cpp");
  const downloads = join(m.env.HEARTH_HOME!, "native", ".downloads");
  file(join(scope, "linux-x64-cuda@3.0.0-beta.44", "bins", "libggml-cuda.so"), 3 * MiB);
  file(join(scope, "linux-x64-cuda-ext@3.0.0-beta.44", "bins", "libcublas.so"), 2 * MiB);
  file(join(scope, `linux-x64-cuda@${current}`, "bins", "libggml-cuda.so"), MiB);
  file(join(downloads, "@node-llama-cpp+linux-x64-cuda-ext-3.1.0.tgz.part"), MiB); // cancelled, for an older Hearth
  file(join(downloads, `@node-llama-cpp+linux-x64-cuda-ext-${current}.tgz.part`), MiB); // this Hearth's: the next --cuda goes on from it
  const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
  for (const name of readdirSync(downloads)) utimesSync(join(downloads, name), dayAgo, dayAgo);
  const listed = hearth(m);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`  \\* .*linux-x64-cuda@3\\.0\\.0-beta\\.44: 3\\.0 MiB, for node-llama-cpp 3\\.0\\.0-beta\\.44, which this Hearth does not load \\(it loads ${current.replaceAll(".", "\\.")}'s\\): left by another version of Hearth, which downloads it again if it needs it`));
  assert.match(listed.stdout, /  \* .*linux-x64-cuda-ext@3\.0\.0-beta\.44: 2\.0 MiB/);
  assert.match(listed.stdout, /  \* .*cuda-ext-3\.1\.0\.tgz\.part: 1\.0 MiB, a download of a CUDA package for another version of Hearth, left unfinished/);
  assert.match(listed.stdout, new RegExp(`    .*linux-x64-cuda@${current.replaceAll(".", "\\.")}: 1\\.0 MiB, the CUDA package this Hearth loads`));
  const run = hearth(m, "--clean");
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Removed 3 item\(s\), 6\.0 MiB:/);
  assert.deepEqual(readdirSync(scope), [`linux-x64-cuda@${current}`]);
  assert.deepEqual(readdirSync(downloads), [`@node-llama-cpp+linux-x64-cuda-ext-${current}.tgz.part`]);
  assert.match(hearth(m).stdout, /CUDA packages \(hearth models --cuda\): 2\.0 MiB/);
});

// --clean's removal of an old version's package cut short (a file held open: a DLL a running
// Hearth loaded, on Windows; here a disk mounted in it, EBUSY; or the CLI killed in the middle)
// left that folder under its own name with some of its files gone — a package its version (a
// downgrade, an older CLI on this HEARTH_HOME) took as installed or could not install over.
it("hearth storage --clean cut short leaves no half package under its own name, and names what is left for the next --clean", (t) => {
  const m = machine();
  const scope = join(m.env.HEARTH_HOME!, "native", "@node-llama-cpp");
  const old = join(scope, "linux-x64-cuda@3.0.0-beta.44");
  file(join(old, "package.json"), 2);
  file(join(old, "bins", "libggml-cuda.so"), MiB);
  file(join(scope, "linux-x64-cuda@3.0.0-beta.40.removing-0a1b2c3d", "bins", "libggml-cuda.so"), MiB); // a removal killed before
  const held = join(old, "bins", "held");
  if (!smallDisk(t, { size: "64k", at: held })) return;
  const mountedUnder = () => readFileSync("/proc/mounts", "utf8").split("\n").map((line) => line.split(" ")[1] ?? "").filter((at) => at.startsWith(scope));
  t.after(() => {
    for (const at of mountedUnder()) spawnSync("umount", [at]);
  });
  const listed = hearth(m);
  assert.match(listed.stdout, /  \* .*linux-x64-cuda@3\.0\.0-beta\.40\.removing-0a1b2c3d: 1\.0 MiB, what is left of a package whose removal was cut short \(a crash, or a file held open\): no version loads it/);
  const run = hearth(m, "--clean");
  assert.equal(run.status, 0, run.stderr);
  assert.ok(!existsSync(old), `not left under its own name: ${existsSync(old) ? readdirSync(old).join(", ") : ""}`);
  assert.match(run.stdout, /linux-x64-cuda@3\.0\.0-beta\.44: removed in part \(a file there held open\?\); what is left is .*linux-x64-cuda@3\.0\.0-beta\.44\.removing-[0-9a-f]{8}, which no version loads: run hearth storage --clean again later/);
  for (const at of mountedUnder()) spawnSync("umount", [at]);
  assert.equal(hearth(m, "--clean").status, 0);
  assert.deepEqual(readdirSync(scope), []);
});

// --clean took any folder with an @ in its name and any .tgz in HEARTH_HOME/native as a CUDA
// package or download of another version: a folder the user put there (notes@home, a backup),
// listed as 'for node-llama-cpp home, which this Hearth does not load', was removed.
it("hearth storage --clean removes in HEARTH_HOME/native only the names an install makes", () => {
  const m = machine();
  const scope = join(m.env.HEARTH_HOME!, "native", "@node-llama-cpp");
  const downloads = join(m.env.HEARTH_HOME!, "native", ".downloads");
  const mine = ["linux-x64-cuda@my-backup", "notes@home", "linux-x64-cuda@3.0.0-beta.50.tmp-0a1b2c3d"];
  for (const name of mine) file(join(scope, name, "notes.txt"), MiB);
  file(join(scope, "linux-x64-cuda@3.0.0-beta.44", "bins", "libggml-cuda.so"), MiB);
  file(join(downloads, "mine.tgz"), MiB);
  const listed = hearth(m);
  assert.equal(listed.status, 0, listed.stderr);
  assert.doesNotMatch(listed.stdout, /my-backup|notes@home|tmp-0a1b2c3d|mine\.tgz/);
  const run = hearth(m, "--clean");
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Removed 1 item\(s\), 1\.0 MiB:/);
  assert.deepEqual(readdirSync(scope).sort(), [...mine].sort());
  assert.deepEqual(readdirSync(downloads), ["mine.tgz"]);
});
