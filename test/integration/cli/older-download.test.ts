// A model an earlier Hearth downloaded, then an upgrade. Until 967d2cc3 the CLI told a new user
// to run `hearth models --download qwen3.5-35b-a3b …` ("chat and fix then use it by default");
// the default preset is qwen3.6-35b-a3b since. hearth chat and hearth fix without --model or
// --server must run the model in the CLI's models folder, not ask for a second 21 GB download.
// Real built CLI and runtime; the downloaded file is a stand-in with the old preset's file name
// (not a loadable model), so the run gets as far as loading it, which names the file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** A HEARTH_HOME whose models folder holds the given files, as `hearth models --download` left them. */
function homeWith(files: readonly string[]): { home: string; models: string } {
  const home = join(tempDir("hearth-older-download-"), "home");
  const models = join(home, "models");
  mkdirSync(models, { recursive: true });
  for (const file of files) writeFileSync(join(models, file), "GGUF stand-in, not a model");
  return { home, models };
}

function hearth(args: readonly string[], home: string, cwd: string): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: home } });
  return { status: run.status, stderr: run.stderr };
}

// The default quantization of the default preset before 967d2cc3, as `hearth models --download qwen3.5-35b-a3b` named it.
const OLD_DEFAULT = "Qwen3.5-35B-A3B-Q4_K_M.gguf";
// Why that model runs, and how to get the default: a user who upgraded may think the new default runs.
const OLDER_NOTE = /qwen3\.5-35b-a3b: the default model, qwen3\.6-35b-a3b, is not downloaded here \(hearth models --download qwen3\.6-35b-a3b gets it\)/;

it("hearth chat runs the qwen3.5-35b-a3b an earlier Hearth downloaded as its default, not 'No model'", () => {
  const { home, models } = homeWith([OLD_DEFAULT]);
  const run = hearth(["chat", "--no-rules", "hello"], home, home);
  assert.equal(run.status, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /No model to chat with/);
  assert.ok(run.stderr.includes(join(models, OLD_DEFAULT)), run.stderr);
  assert.match(run.stderr, OLDER_NOTE, "says why it is not the default model");
});

it("hearth fix runs the qwen3.5-35b-a3b an earlier Hearth downloaded, in any quantization", () => {
  const { home, models } = homeWith(["Qwen3.5-35B-A3B-Q6_K.gguf"]);
  const repo = tempDir("hearth-older-download-repo-");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  const run = hearth(["fix", "--state-dir", join(home, "state"), "--repo", repo, "--issue", "add(2, 3) returns -1", "--yes", "--no-index", "--out", join(home, "fix.diff")], home, home);
  assert.notEqual(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /No model to fix the issue with/);
  assert.ok(run.stderr.includes(join(models, "Qwen3.5-35B-A3B-Q6_K.gguf")), run.stderr);
  assert.match(run.stderr, /^hearth fix: /m);
  assert.match(run.stderr, OLDER_NOTE, "says why it is not the default model");
});

it("the default preset goes first where both it and an older one are downloaded; a completion model or a partial download is no chat model", () => {
  const both = homeWith([OLD_DEFAULT, "Qwen3.6-35B-A3B-Q4_K_M.gguf"]);
  const chat = hearth(["chat", "--no-rules", "hello"], both.home, both.home);
  assert.ok(chat.stderr.includes(join(both.models, "Qwen3.6-35B-A3B-Q4_K_M.gguf")), chat.stderr);
  assert.doesNotMatch(chat.stderr, /is not downloaded/);
  const none = homeWith(["Qwen3.5-0.8B-Q8_0.gguf", "Qwen3.5-27B-Q4_K_M.gguf.part"]);
  const nothing = hearth(["chat", "--no-rules", "hello"], none.home, none.home);
  assert.equal(nothing.status, 1, nothing.stderr);
  assert.match(nothing.stderr, /^No model to chat with\./m);
});

it("hearth status names the model chat and fix would run: the older download, not 'No model'", () => {
  const { home } = homeWith([OLD_DEFAULT]);
  const run = spawnSync(process.execPath, [CLI, "status", "--no-gpu-probe"], { cwd: home, encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: home } });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Model: +.*qwen3\.5-35b-a3b/m);
  assert.match(run.stdout, OLDER_NOTE);
  assert.doesNotMatch(run.stdout, /No model/);
});

// A file put in the default's place by hand: `curl -o` of a download link saves the server's
// page when it is not followed. It would win over the older model that runs, and fail to load.
it("a file named as the default preset's that is no GGUF does not win over an older download that is one, and is named", () => {
  const { home, models } = homeWith([OLD_DEFAULT]);
  const page = join(models, "Qwen3.6-35B-A3B-Q4_K_M.gguf");
  writeFileSync(page, "<!DOCTYPE html><html><body>Redirecting…</body></html>");
  const chat = hearth(["chat", "--no-rules", "hello"], home, home);
  assert.ok(chat.stderr.includes(join(models, OLD_DEFAULT)), chat.stderr);
  assert.ok(chat.stderr.includes(`hearth chat: running qwen3.5-35b-a3b: the default model's file, ${page}, is a web page, not a GGUF model`), chat.stderr);
  const status = spawnSync(process.execPath, [CLI, "status", "--no-gpu-probe"], { cwd: home, encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: home } });
  assert.match(status.stdout, /^Model: +.*qwen3\.5-35b-a3b/m);
  assert.ok(status.stdout.includes(`(chat and fix run qwen3.5-35b-a3b: the default model's file, ${page}, is a web page`), status.stdout);
  // With nothing else downloaded it is still the one run: its load names what is wrong with it.
  const alone = homeWith([]);
  writeFileSync(join(alone.models, "Qwen3.6-35B-A3B-Q4_K_M.gguf"), "<!DOCTYPE html><html></html>");
  const run = hearth(["chat", "--no-rules", "hello"], alone.home, alone.home);
  assert.ok(run.stderr.includes(join(alone.models, "Qwen3.6-35B-A3B-Q4_K_M.gguf")), run.stderr);
  assert.doesNotMatch(run.stderr, /hearth chat: running/);
});
