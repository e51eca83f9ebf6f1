// hearth fix --yes runs the agent's commands without the network (tools/command-network.ts):
// the model is told so in the run's system prompt, before its first command, so it does not
// spend turns on `pip install` or `npm install` and learns it whatever language the failing
// command's words are in (the note after a failure reads English words only). Told only
// when the commands are network-off: with the network (--allow-network, a system that
// refused a namespace, or no --yes) nothing is said. The real runFix and prompt builder,
// scripted backend, real checkpoints.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { runFix } from "../../../src/agent/fix.ts";
import { unshareNetworkOff } from "../../../src/tools/command-network.ts";
import { PromptKeeper } from "../../fixtures/prompt-keeper.ts";

const FIXTURE = resolve(import.meta.dirname, "../../fixtures/agent/python-calc");

async function systemPrompt(t: TestContext, networkOff: boolean): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "hearth-fix-net-prompt-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repo = join(root, "repo");
  cpSync(FIXTURE, repo, { recursive: true });
  const backend = new PromptKeeper();
  const result = await runFix({
    repo, issue: "add is wrong", backend, storageDir: join(root, "state"), policy: "auto-all",
    ...(networkOff ? { networkOff: unshareNetworkOff() } : {}),
  });
  assert.equal(result.agent.stopReason, "finished", result.agent.message);
  assert.equal(backend.systemPrompts.length, 1);
  return backend.systemPrompts[0]!;
}

describe("hearth fix: the model is told up front when its commands have no network", () => {
  it("with the commands network-off, the system prompt says so once: only 127.0.0.1, work with what is installed, --allow-network", async (t) => {
    const prompt = await systemPrompt(t, true);
    const said = prompt.split("\n").filter((line) => /without the network/.test(line));
    assert.equal(said.length, 1, prompt);
    assert.match(said[0]!, /run_command, run_tests\) run without the network: only 127\.0\.0\.1 works.*Work with what is installed.*--allow-network/);
    // A project's tests that use the machine's database or Docker fail too: said before the model takes it for a service that is down.
    assert.match(said[0]!, /Git's config and hooks \(\.git\/config, \.git\/hooks, \.git\/info, ~\/\.gitconfig\) and the home's startup files \(~\/\.bashrc, ~\/\.profile, any file at the home's top, ~\/\.ssh\) are read-only for commands/);
    assert.match(said[0]!, /This machine's own services are out of reach too \(a PostgreSQL, MySQL or Redis server, Docker: their Unix sockets and ports refuse the connection\); only servers a command starts itself work\..*if the task needs the network or such a service, say so in finish/);
  });

  it("with the network on (--allow-network, a refused namespace, no --yes), nothing about it is said", async (t) => {
    const prompt = await systemPrompt(t, false);
    assert.doesNotMatch(prompt, /network|127\.0\.0\.1|allow-network/i);
  });
});
