// A model Hearth's VS Code extension downloaded, then hearth chat or hearth fix. The extension
// keeps its downloads in VS Code's storage for it, the CLI in its own folder (HEARTH_HOME): the
// CLI's "No model" must name the file already on disk for --model, not only the 20 GiB download.
// Real built CLI and runtime; the download is a stand-in with the default preset's file name.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** A home whose VS Code (Linux: $XDG_CONFIG_HOME/Code) holds Hearth's download of `file`, and an empty HEARTH_HOME. */
function homeWithEditorDownload(file: string, app = "Code", data = join(".config", app)): { env: NodeJS.ProcessEnv; home: string; model: string } {
  const home = tempDir("hearth-editor-download-");
  const { publisher, name } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { publisher: string; name: string };
  const models = join(home, data, "User", "globalStorage", `${publisher}.${name}`, "models");
  mkdirSync(models, { recursive: true });
  writeFileSync(join(models, file), "GGUF stand-in, not a model");
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), HEARTH_HOME: join(home, "hearth") };
  return { env, home, model: join(models, file) };
}

it("hearth chat with no model of its own names the model Hearth in VS Code downloaded, for --model", { skip: process.platform !== "linux" && "VS Code's storage is elsewhere there" }, () => {
  const { env, home, model } = homeWithEditorDownload("Qwen3.6-35B-A3B-Q4_K_M.gguf");
  const run = spawnSync(process.execPath, [CLI, "chat", "--no-rules", "hello"], { cwd: home, encoding: "utf8", timeout: 120_000, env });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /^No model to chat with\./m);
  assert.ok(run.stderr.includes(`  --model ${model}\n`), run.stderr);
  assert.match(run.stderr, /qwen3\.6-35b-a3b, which Hearth in VS Code downloaded: no second download/);
});

it("hearth fix says the same; hearth models --help says where each keeps its models", { skip: process.platform !== "linux" && "VS Code's storage is elsewhere there" }, () => {
  const { env, home, model } = homeWithEditorDownload("Qwen3.5-35B-A3B-Q6_K.gguf");
  const repo = tempDir("hearth-editor-download-repo-");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  const fix = spawnSync(process.execPath, [CLI, "fix", "--state-dir", join(home, "state"), "--repo", repo, "--issue", "add(2, 3) returns -1", "--yes", "--no-index", "--out", join(home, "fix.diff")], { cwd: home, encoding: "utf8", timeout: 120_000, env });
  assert.match(fix.stderr, /^No model to fix the issue with\./m);
  assert.ok(fix.stderr.includes(`  --model ${model}\n`), fix.stderr);
  const help = spawnSync(process.execPath, [CLI, "models", "--help"], { cwd: home, encoding: "utf8", timeout: 60_000, env });
  assert.match(help.stdout + help.stderr, /Hearth in VS Code keeps its own downloads/);
});

// VS Code Insiders keeps its storage in "Code - Insiders" (macOS: "Application Support", and a
// Windows user name may hold a space): the line is one to copy into the shell, so one word.
it("a download whose path holds a space is named quoted for the shell", { skip: process.platform !== "linux" && "VS Code's storage is elsewhere there" }, () => {
  const { env, home, model } = homeWithEditorDownload("Qwen3.6-35B-A3B-Q4_K_M.gguf", "Code - Insiders");
  const run = spawnSync(process.execPath, [CLI, "chat", "--no-rules", "hello"], { cwd: home, encoding: "utf8", timeout: 120_000, env });
  assert.equal(run.status, 1, run.stderr);
  assert.ok(run.stderr.includes(`  --model '${model}'\n`), run.stderr);
  // What the shell makes of the line is the file.
  const line = run.stderr.split("\n").find((l) => l.startsWith("  --model '"))!;
  const words = spawnSync("sh", ["-c", `printf '%s\\n' ${line}`], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  assert.deepEqual(words, ["--model", model]);
});

// Remote - SSH, WSL and dev containers: Hearth runs in VS Code's server on that machine, whose
// storage is ~/.vscode-server/data (Insiders: ~/.vscode-server-insiders/data), where the user's
// terminal runs hearth too.
it("names the model Hearth downloaded through VS Code's server (Remote - SSH, WSL)", { skip: process.platform === "win32" && "VS Code's server runs on Linux and macOS" }, () => {
  const { env, home, model } = homeWithEditorDownload("Qwen3.6-35B-A3B-Q4_K_M.gguf", "Code", join(".vscode-server", "data"));
  const run = spawnSync(process.execPath, [CLI, "chat", "--no-rules", "hello"], { cwd: home, encoding: "utf8", timeout: 120_000, env });
  assert.equal(run.status, 1, run.stderr);
  assert.ok(run.stderr.includes(`  --model ${model}\n`), run.stderr);
});

it("hearth status with no model of its own names the one Hearth in VS Code downloaded, for --model", { skip: process.platform !== "linux" && "VS Code's storage is elsewhere there" }, () => {
  const { env, home, model } = homeWithEditorDownload("Qwen3.6-35B-A3B-Q4_K_M.gguf");
  const run = spawnSync(process.execPath, [CLI, "status", "--no-gpu-probe"], { cwd: home, encoding: "utf8", timeout: 120_000, env });
  assert.match(run.stdout, /^Model: {2}No model/m);
  assert.ok(run.stdout.includes(`        (Hearth in VS Code downloaded qwen3.6-35b-a3b: chat and fix run it with --model ${model}, no second download)\n`), run.stdout);
});
