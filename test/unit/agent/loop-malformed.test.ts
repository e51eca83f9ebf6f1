// Calls that cannot be run (malformed, a parameter the tool does not have): the model is told
// what was wrong and tries again; an honest retry goes on, the same broken call written again
// and again is steered and then stopped like any other repetition, not left to use up every
// step of the run. Scripted backend through the real parser, real tools, a temp folder.
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";
import { scriptedAgent } from "./helpers/scripted-agent.ts";

const BROKEN = { raw: "Reading it.\n</think>\n\n<tool_call>\n<function=read_file>\n<parameter=file>\ncalc.py\n</parameter>\n</function>\n</tool_call>" };

function fixture(): string {
  const dir = tempDir("hearth-agent-malformed-");
  cpSync(resolve(import.meta.dirname, "../../fixtures/agent/python-calc"), dir, { recursive: true });
  return dir;
}

it("the same call that cannot be run, written again and again, is steered and then stops the run", async () => {
  const { agent, events } = await scriptedAgent(fixture(), Array.from({ length: 12 }, () => BROKEN));
  const result = await agent.run("read calc.py");
  assert.equal(result.stopReason, "repetition");
  assert.equal(result.steps, 3);
  assert.match(result.message, /the same tool call that could not be run 3 times \(Tool "read_file" has no parameter "file"/);
  const steers = events.filter((e) => e.type === "steer");
  assert.equal(steers.length, 1);
  // The model hears it too, after what was wrong with the call the second time.
  const told = agent.messages.filter((m) => m.role === "user" && m.content.startsWith("[Hearth]"))[1]!.content;
  assert.match(told, /could not be run:\n- Tool "read_file" has no parameter "file"[^]*\[Hearth\] You wrote that same call 2 times/);
});

it("an honest retry is not repetition: a different broken call, then the right one", async () => {
  const other = { raw: "Again.\n</think>\n\n<tool_call>\n<function=read_file>\n<parameter=filename>\ncalc.py\n</parameter>\n</function>\n</tool_call>" };
  const { agent, events } = await scriptedAgent(fixture(), [
    BROKEN, other, { toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] }, { toolCalls: [{ name: "finish", arguments: { summary: "read" } }] },
  ]);
  const result = await agent.run("read calc.py");
  assert.equal(result.stopReason, "finished");
  assert.equal(events.filter((e) => e.type === "steer").length, 0);
});
