// A call whose arguments break the tool's schema is answered with the exact violation and
// never reaches the user's approval prompt (nothing to approve: it cannot run). Scripted
// backend through the real parser, real tools, a real fixture in a temp folder.
import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";
import { scriptedAgent } from "./helpers/scripted-agent.ts";

it("a schema violation is answered before approval is asked, and nothing is written", async () => {
  const dir = tempDir("hearth-agent-validation-");
  cpSync(resolve(import.meta.dirname, "../../fixtures/agent/python-calc"), dir, { recursive: true });
  const before = readFileSync(join(dir, "calc.py"), "utf8");
  const asked: string[] = [];
  const { agent } = await scriptedAgent(dir, [
    { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", edits: [{ old_text: "    return a - b" }] } }] },
    { toolCalls: [{ name: "finish", arguments: { summary: "gave up" } }] },
  ], { policy: "ask", approve: async (req) => (asked.push(req.call.name), true) });
  const result = await agent.run("fix");
  assert.equal(result.stopReason, "finished");
  assert.deepEqual(asked, [], "the user is not asked to approve a call that cannot run");
  const [answer] = agent.messages.filter((m) => m.role === "tool").map((m) => m.content);
  assert.equal(answer, `Error (invalid-input): The arguments of "edit_file" do not match its parameters: /edits/0 must have required property 'new_text'. Call "edit_file" again with arguments that match them.`);
  assert.equal(readFileSync(join(dir, "calc.py"), "utf8"), before);
});
