// `hearth fix` with a model whose vocabulary lacks Qwen's control tokens (a model of another
// family under a qwen3* architecture, a conversion that wrote <|im_start|> and <tool_call> as
// plain tokens): the terminal says so before the run, as the chat does when a conversation
// starts (control-tokens.test.ts), since its answers will be poor and its tool calls broken.
import assert from "node:assert/strict";
import { cpSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { runUntilStderr } from "../../fixtures/processes.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const WARNING = "hearth fix: warning: this model's vocabulary has no <|im_start|> or <tool_call> token, which Hearth's Qwen prompt format writes: it is not a Qwen3.5 or Qwen3.6 chat model, or was converted wrongly, so its answers will be poor and its tool calls broken. Choose a Qwen3.5 or Qwen3.6 GGUF";

function hearthFix(model: string) {
  const repo = tempDir("hearth-fix-tokens-repo-");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  const work = tempDir("hearth-fix-tokens-out-");
  const env = { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") };
  const args = [CLI, "fix", "--state-dir", join(work, "state"), "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--max-steps", "1", "--threads", "1"];
  // Stopped once its first step starts: the tiny model's step generates past 120 s (a spawnSync
  // limit of 120 s used to end it, and each run took all of it).
  return runUntilStderr(process.execPath, args, { cwd: work, env }, (stderr) => stderr.includes("[step 1]\n"));
}

describe("hearth fix with a model whose vocabulary lacks Qwen's control tokens", () => {
  // A Qwen vocabulary's load has no warning (control-tokens.test.ts): nothing is printed for it.
  it("warns on the terminal before the run's first step", async () => {
    const run = await hearthFix(await ensureTinyModel({ arch: "qwen35", plainTokens: ["<|im_start|>", "<tool_call>", "</tool_call>"] }));
    const lines = run.stderr.split("\n");
    assert.ok(lines.includes(WARNING), run.stderr);
    assert.ok(lines.indexOf(WARNING) < lines.indexOf("[step 1]"), run.stderr);
  });
});
