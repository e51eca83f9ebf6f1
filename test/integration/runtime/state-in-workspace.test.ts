// A client that gives the runtime no storage folder (an LSP client other than VS Code) gets its
// checkpoint store in the workspace's .hearth/state — inside .hearth/, the folder a team commits
// (rules, memory). Its git objects (copies of every file, an .env included) showed in git status
// as new files, for a `git add -A` or `git add .hearth` to commit and push. It is git-ignored
// from its first use. Built runtime over LSP, real git.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { AgentRunRequest } from "../../../src/protocol/agent.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();

describe("the checkpoint store in the workspace, without a storage folder", () => {
  it("is not among the files git would commit", { timeout: 60_000 }, async () => {
    const root = tempDir("hearth-state-in-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    writeFileSync(join(root, ".env"), "TOKEN=s3cret\n");
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: root, encoding: "utf8" });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "start");
    const modelPath = join(tempDir("hearth-state-in-ws-model-"), "model.json");
    writeFileSync(modelPath, JSON.stringify({ turns: [{ text: "Hello." }] }));
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: { modelPath, approvalPolicy: "ask" } } });
    running.push(runtime);
    const result = await runtime.connection.sendRequest(AgentRunRequest, { runId: "r1", conversationId: "c1", text: "hi", mode: "chat" });
    assert.equal(result.message, "Hello.");
    assert.ok(existsSync(join(root, ".hearth", "state", "checkpoints")), "the store is in the workspace");
    assert.equal(git("status", "--porcelain", "--untracked-files=all"), "");
  });
});
