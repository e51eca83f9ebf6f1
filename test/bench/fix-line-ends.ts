/**
 * What hearth fix's patch in the repository's line endings (faba19a) costs when a run changed
 * many files of a core.autocrlf=true checkout (a formatter over the project): the diff with
 * the stored form against the plain diff of the same checkpoints, and, as the reference for
 * how the converted blobs are written to the shadow repository, one `git hash-object -w` a
 * blob (what faba19a did) against the one git for them all it does now — in one run.
 *   node --import tsx test/bench/fix-line-ends.ts [--files N]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repositoryLineEnds } from "../../src/agent/fix-line-ends.ts";
import { CheckpointStore } from "../../src/tools/index.ts";

const at = process.argv.indexOf("--files");
const files = at < 0 ? 500 : Number(process.argv[at + 1]);
if (!Number.isInteger(files) || files < 1) throw new Error("Use --files N (a whole number above 0).");

const ms = async (run: () => Promise<unknown> | unknown): Promise<number> => {
  const start = performance.now();
  await run();
  return Math.round(performance.now() - start);
};

const dir = mkdtempSync(join(tmpdir(), "hearth-bench-eol-"));
try {
  const repo = join(dir, "repo");
  mkdirSync(repo);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("config", "core.autocrlf", "true");
  for (let i = 0; i < files; i++) writeFileSync(join(repo, `f${i}.py`), `x = ${i}\n`);
  git("add", "-A");
  git("commit", "-qm", "base");
  // Checked out the way Git for Windows does, then every file changed by the run.
  for (let i = 0; i < files; i++) writeFileSync(join(repo, `f${i}.py`), `x = ${i}\r\n`);
  const store = await CheckpointStore.open({ workspaceRoot: repo, storageDir: join(dir, "state") });
  const start = await store.create("start");
  for (let i = 0; i < files; i++) writeFileSync(join(repo, `f${i}.py`), `x = ${i + 1}\r\n`);

  const plain = await ms(() => store.diff(start.id, undefined, [], { patch: true }));
  const stored = await ms(() => store.diff(start.id, undefined, [], { patch: true, storedForm: repositoryLineEnds(repo) }));
  const scratch = join(dir, "scratch");
  execFileSync("git", ["init", "-q", scratch]);
  const blobs = Array.from({ length: 2 * files }, (_, i) => `x = ${i}\n`);
  const oneEach = await ms(() => blobs.forEach((blob) => execFileSync("git", ["hash-object", "-w", "--no-filters", "--stdin"], { cwd: scratch, input: blob })));
  const paths = blobs.map((blob, i) => (writeFileSync(join(dir, `b${i}`), blob), join(dir, `b${i}`)));
  const together = await ms(() => execFileSync("git", ["hash-object", "-w", "--no-filters", "--stdin-paths"], { cwd: scratch, input: paths.join("\n") + "\n" }));
  console.log(`${files} changed files of an autocrlf checkout (${2 * files} blobs to convert):`);
  console.log(`  patch as the work tree holds it   ${plain} ms`);
  console.log(`  patch in the stored form          ${stored} ms`);
  console.log(`  writing the converted blobs: one git a blob ${oneEach} ms, one git for all ${together} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
