// `hearth chat` with no model (issue 15): a new user who runs it before getting a model is
// told the CLI's three ways to get one — --model, --server, the exact hearth models --download — not
// the editor's buttons; exit code 1. Real built CLI and runtime, an empty HEARTH_HOME.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

it("hearth chat without a model names --model, --server and hearth models --download, and exits 1", async () => {
  const home = join(tempDir("hearth-chat-no-model-"), "home");
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = execFile(process.execPath, [CLI, "chat", "--no-rules", "hello"], { env: { ...process.env, HEARTH_HOME: home } }, (_error, stdout, stderr) =>
      done({ code: child.exitCode, stdout, stderr }));
  });
  assert.equal(code, 1, stderr);
  assert.equal(stdout, "");
  assert.match(stderr, /^No model to chat with\./m);
  assert.match(stderr, /--model FILE\.gguf/);
  assert.match(stderr, /--server URL/);
  // The exact command for this machine's recommended model, or why nothing Hearth downloads fits it.
  assert.match(stderr, /^ {2}(hearth models --download \S+ --quant \S+\n +the model recommended here \(\d+\.\d GiB: .*\); chat and fix then use it by default|No model Hearth offers fits this machine .*)$/m);
  assert.doesNotMatch(stderr, /\r/, "no progress frames into a pipe");
});
