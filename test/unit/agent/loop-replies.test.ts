// What the loop does with replies a model should not write, or writes over and over: many
// calls in one reply, the same failure coming back, an empty reply. The scripted backend
// (the real Qwen output parser) drives the real loop with the real tools on a fixture
// repository in a temp folder.
import assert from "node:assert/strict";
import { cpSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import type { ScriptedTurn } from "../../../src/models/scripted.ts";
import { AGENT_TOOLS, type Tool } from "../../../src/tools/index.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { scriptedAgent as agentFor } from "./helpers/scripted-agent.ts";

function fixture(): string {
  const dir = tempDir("hearth-agent-replies-");
  cpSync(resolve(import.meta.dirname, "../../fixtures/agent/python-calc"), dir, { recursive: true });
  return dir;
}


describe("one reply with many calls", () => {
  it("a call repeated in one reply stops where the guard stops it: the calls after it do not run, and each still gets its answer", async () => {
    const dir = fixture();
    let runs = 0;
    const deploy: Tool = {
      effect: "command",
      definition: { name: "deploy", description: "deploys", parameters: { type: "object", properties: { target: { type: "string" } }, required: ["target"] } },
      execute: async () => (runs++, { text: "deployed" }),
    };
    const calls = Array.from({ length: 10 }, () => ({ name: "deploy", arguments: { target: "production" } }));
    const { agent } = await agentFor(dir, [{ toolCalls: calls }], { tools: [...AGENT_TOOLS, deploy] });
    const result = await agent.run("deploy");
    assert.equal(result.stopReason, "repetition");
    assert.match(result.message, /the same deploy call with the same result 3 times/);
    assert.equal(runs, 3, "the calls after the stop ran");
    // Every call of the reply is answered, right after it: no message of Hearth's between them.
    const after = agent.messages.slice(agent.messages.findIndex((m) => m.role === "assistant") + 1);
    assert.deepEqual(after.slice(0, 10).map((m) => m.role), Array(10).fill("tool"));
    assert.match(after[9]!.content, /^Error \(not run\): Hearth stopped the run before this call: the model repeated the same deploy call/);
  });
});

describe("calls a reply should not have made", () => {
  /** A tool that counts its runs, each call with its own argument (no repetition to stop). */
  function counter(): { tool: Tool; runs: string[] } {
    const runs: string[] = [];
    const tool: Tool = {
      effect: "read",
      definition: { name: "look", description: "looks", parameters: { type: "object", properties: { at: { type: "string" } }, required: ["at"] } },
      execute: async (input) => (runs.push(String(input.at)), { text: `looked at ${String(input.at)}` }),
    };
    return { tool, runs };
  }

  it("the calls after finish in the same reply do not run: the run is over, and each is answered so", async () => {
    const { tool, runs } = counter();
    const { agent } = await agentFor(fixture(), [{ toolCalls: [
      { name: "look", arguments: { at: "a" } },
      { name: "finish", arguments: { summary: "done" } },
      { name: "look", arguments: { at: "b" } },
    ] }], { tools: [...AGENT_TOOLS, tool] });
    const result = await agent.run("look");
    assert.equal(result.stopReason, "finished");
    assert.deepEqual(runs, ["a"]);
    assert.match(agent.messages.at(-1)!.content, /^Error \(not run\): the run finished with an earlier call of this reply/);
  });

  it("a reply of hundreds of calls runs the first 32 (under 'ask', 500 calls were 500 questions); the rest are answered 'not run'", async () => {
    const { tool, runs } = counter();
    const calls = Array.from({ length: 500 }, (_, i) => ({ name: "look", arguments: { at: `f${i}` } }));
    const { agent, events } = await agentFor(fixture(), [{ toolCalls: calls }, { text: "Done." }], { tools: [...AGENT_TOOLS, tool] });
    const result = await agent.run("look everywhere");
    assert.equal(result.stopReason, "answered");
    assert.equal(runs.length, 32);
    // Each call's card ends, the ones not run saying why, though the run goes on.
    const ends = events.filter((e) => e.type === "toolEnd");
    assert.equal(ends.length, 500);
    assert.equal(ends.filter((e) => e.type === "toolEnd" && !e.result.ok).length, 468);
    const answers = agent.messages.filter((m) => m.role === "tool");
    assert.equal(answers.length, 500, "every call is answered");
    assert.match(answers[32]!.content, /^Error \(not run\): a reply may make at most 32 tool calls; make the others in your next reply/);
  });
});

describe("the same failure coming back", () => {
  it("different commands failing with the same output steer the model, then stop it, though each run takes its own time", async () => {
    const dir = fixture();
    // A test run that fails the same way every time, as runners say it: with how long it took.
    writeFileSync(join(dir, "check.sh"), 'n=$(cat runs 2>/dev/null || echo 0); echo $((n + 1)) > runs\necho "FAIL: test_add: expected 5, got -1"\necho "Ran 3 tests in 0.0${n}4s"\nexit 1\n');
    const run = (command: string): ScriptedTurn => ({ toolCalls: [{ name: "run_command", arguments: { command } }] });
    const { agent, events } = await agentFor(dir, [
      run("sh check.sh"), run("sh ./check.sh"), run("bash check.sh"), run("sh check.sh -v"),
      { toolCalls: [{ name: "finish", arguments: { summary: "never reached" } }] },
    ]);
    const result = await agent.run("make the tests pass");
    assert.equal(result.stopReason, "repetition");
    assert.match(result.message, /the same command failure came back 4 times/);
    assert.equal(events.filter((e) => e.type === "steer").length, 1);
    assert.equal(result.steps, 4);
  });
});

describe("a reply with nothing in it", () => {
  it("an empty reply is not taken for the answer: the model is told and answers", async () => {
    const dir = fixture();
    const { agent, events } = await agentFor(dir, [{ thinking: "The user wants to know where add is." }, { text: "add() is in calc.py." }]);
    const result = await agent.run("where is add?");
    assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", "add() is in calc.py.", 2]);
    const told = events.find((e) => e.type === "steer");
    assert.ok(told?.type === "steer" && /no answer and no tool call/.test(told.message), "the model was told its reply was empty");
  });

  it("a model that keeps ending its reply with nothing (thinking that never closes) stops with the reason, not a blank answer", async () => {
    const dir = fixture();
    const { agent } = await agentFor(dir, [{ raw: "Let me think about this" }, { raw: "Still thinking" }, { text: "never reached" }]);
    const result = await agent.run("where is add?");
    assert.equal(result.stopReason, "model-error");
    assert.match(result.message, /^the model ended its reply 2 times in a row without an answer or a tool call \(it wrote only its thinking\)/);
  });
});

// Qwen3.5 now and then writes its call inside <think>…</think> and ends its turn: the call was
// lost, and the model heard only that its reply "had no answer", so it thought the call again.
describe("a call written inside the thinking", () => {
  const READ = "<tool_call>\n<function=read_file>\n<parameter=path>\ncalc.py\n</parameter>\n</function>\n</tool_call>";
  for (const [what, raw] of [
    ["thinking that never closes", `I should read calc.py.\n${READ}`],
    ["thinking that closes with nothing after it", `I should read calc.py.\n${READ}\n</think>\n\n`],
    ["a bare <function=…> call in the thinking", "Reading it.\n<function=read_file>\n<parameter=path>\ncalc.py\n</parameter>\n</function>\n</think>\n\n"],
  ]) {
    it(`is not run, and the model is told it was in its thinking (${what}); written again outside, it runs`, async () => {
      const { agent, events } = await agentFor(fixture(), [{ raw }, { toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] }, { text: "add() is in calc.py." }]);
      const result = await agent.run("where is add?");
      assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", "add() is in calc.py.", 3]);
      const steers = events.filter((e) => e.type === "steer").map((e) => e.type === "steer" ? e.message : "");
      assert.equal(steers.length, 1);
      assert.match(steers[0]!, /tool call \(read_file\) was inside your thinking.*not run/s);
      assert.match(steers[0]!, /write the call again after <\/think>/);
      assert.equal(agent.messages.filter((m) => m.role === "tool").length, 1, "only the call written outside the thinking ran");
    });
  }

  it("two calls in the thinking are both named", async () => {
    const write = "<tool_call>\n<function=write_file>\n<parameter=path>\nnotes.txt\n</parameter>\n<parameter=content>\nx\n</parameter>\n</function>\n</tool_call>";
    const { agent, events } = await agentFor(fixture(), [{ raw: `${READ}\n${write}\n${READ}\n</think>\n\n` }, { text: "ok" }]);
    await agent.run("where is add?");
    const steer = events.find((e) => e.type === "steer");
    assert.ok(steer?.type === "steer");
    assert.match(steer.message, /Your tool calls \(read_file, write_file\) were inside your thinking, so they were not run.*write the calls again after <\/think>/s);
  });

  it("a model that keeps calling only in its thinking stops, saying so", async () => {
    const raw = `Read it.\n${READ}\n</think>\n\n`;
    const { agent } = await agentFor(fixture(), [{ raw }, { raw }, { text: "never reached" }]);
    const result = await agent.run("where is add?");
    assert.equal(result.stopReason, "model-error");
    assert.match(result.message, /^the model ended its reply 2 times in a row without an answer or a tool call \(its tool call was inside its thinking, where a call does not run\)/);
    assert.equal(agent.messages.filter((m) => m.role === "tool").length, 0);
  });

  // The model thought "read it <tool_call>…" and then wrote "Let me read calc.py." as its answer:
  // the run ended "answered" with a promise, having read nothing.
  it("followed by an answer that does not call it, is named to the model, which writes it again outside", async () => {
    const raw = `I should read calc.py.\n${READ}\n</think>\n\nLet me read calc.py.`;
    const { agent, events } = await agentFor(fixture(), [{ raw }, { toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] }, { text: "add() is in calc.py." }]);
    const result = await agent.run("where is add?");
    assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", "add() is in calc.py.", 3]);
    const steers = events.filter((e) => e.type === "steer").map((e) => e.type === "steer" ? e.message : "");
    assert.equal(steers.length, 1);
    assert.match(steers[0]!, /tool call \(read_file\) was inside your thinking, so it was not run.*write the call again after <\/think>/s);
    assert.equal(agent.messages.filter((m) => m.role === "tool").length, 1);
  });

  it("followed by an answer, twice in a row, ends with the second answer rather than asking again", async () => {
    const raw = (answer: string) => `Read it.\n${READ}\n</think>\n\n${answer}`;
    const { agent } = await agentFor(fixture(), [{ raw: raw("Reading it.") }, { raw: raw("add() is in calc.py.") }, { text: "never reached" }]);
    const result = await agent.run("where is add?");
    assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", "add() is in calc.py.", 2]);
    assert.equal(agent.messages.filter((m) => m.role === "tool").length, 0);
  });

  // A model alternating a reply with only a thought call and one with a thought call and a
  // promise was told each time (each nudge counted its own kind in a row), until the run's steps ran out.
  it("an answer right after the reminder to an empty reply that thought its call ends the run, rather than a reminder each reply", async () => {
    const empty = { raw: `Read it.\n${READ}\n</think>\n\n` };
    const promise = { raw: `Read it.\n${READ}\n</think>\n\nLet me read calc.py.` };
    const { agent, events } = await agentFor(fixture(), [empty, promise, empty, promise, empty, promise, { text: "never reached" }]);
    const result = await agent.run("where is add?");
    assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", "Let me read calc.py.", 2]);
    assert.equal(events.filter((e) => e.type === "steer").length, 1);
  });

  // 30a33e3 let any answer after an empty reply end the run unreminded while the empty-reply
  // count stood, though a reply with a malformed call had come between: 'right after' it was not.
  it("an answer that thought its call is reminded when a reply with a malformed call came after the empty reply's reminder", async () => {
    const empty = { raw: `Read it.\n${READ}\n</think>\n\n` };
    const malformed = { raw: "Reading.\n</think>\n\n<tool_call>\n<function=read_file>\n<parameter=path>\ncalc.py\n</function>\n</tool_call>" };
    const promise = { raw: `Read it.\n${READ}\n</think>\n\nLet me read calc.py.` };
    const { agent, events } = await agentFor(fixture(), [empty, malformed, promise, { text: "add is in calc.py." }]);
    const result = await agent.run("where is add?");
    assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", "add is in calc.py.", 4]);
    assert.equal(events.filter((e) => e.type === "steer").length, 2);
  });

  it("a plain answer that quotes a call in a code block, as the thinking drafted it, is an answer", async () => {
    const bare = "<function=read_file>\n<parameter=path>\ncalc.py\n</parameter>\n</function>";
    const answer = `A call looks like this:\n\n\`\`\`xml\n${bare}\n\`\`\``;
    for (const thinking of [`Show them:\n\`\`\`xml\n${READ}\n\`\`\`\n`, `Show them:\n~~~~\n${READ}\n~~~~\n`, `Show them a call like\n${bare}\n`]) {
      const { agent, events } = await agentFor(fixture(), [{ raw: `${thinking}</think>\n\n${answer}` }, { text: "never reached" }]);
      const result = await agent.run("what does a tool call look like?");
      assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", answer, 1], thinking);
      assert.equal(events.filter((e) => e.type === "steer").length, 0, thinking);
    }
  });

  // A call written with full-width or other look-alike angle brackets is text to the parser:
  // the run ended "answered" with the call's XML as the answer.
  it("an answer that writes a call with look-alike angle brackets is told what was wrong, and the call written again runs", async () => {
    for (const [open, close] of [["\uFF1C", "\uFF1E"], ["\u2039", "\u203A"], ["\u3008", "\u3009"]]) {
      const raw = `Reading.\n</think>\n\n${READ.replaceAll("<", open!).replaceAll(">", close!)}`;
      const { agent, events } = await agentFor(fixture(), [{ raw }, { toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] }, { text: "add() is in calc.py." }]);
      const result = await agent.run("where is add?");
      assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", "add() is in calc.py.", 3], open);
      const steers = events.filter((e) => e.type === "steer").map((e) => e.type === "steer" ? e.message : "");
      assert.equal(steers.length, 1, open);
      assert.match(steers[0]!, new RegExp(`tool call \\(read_file\\) was written with ${open} and ${close} in place of < and >, so it was not run`), open);
    }
  });

  // Only one of the two brackets swapped ('<function=read_file›'): the parser reads it as text
  // too, and the run ended "answered"; a swapped '<' alone was named as both brackets.
  it("an answer that writes a call with one look-alike bracket is told which one", async () => {
    for (const [from, to, named] of [[">", "\u203A", "\u203A in place of >"], ["<", "\uFF1C", "\uFF1C in place of <"]] as const) {
      const raw = `Reading.\n</think>\n\n${READ.replaceAll(from, to)}`;
      const { agent, events } = await agentFor(fixture(), [{ raw }, { toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] }, { text: "add() is in calc.py." }]);
      const result = await agent.run("where is add?");
      assert.deepEqual([result.stopReason, result.message, result.steps], ["answered", "add() is in calc.py.", 3], to);
      const steers = events.filter((e) => e.type === "steer").map((e) => e.type === "steer" ? e.message : "");
      assert.equal(steers.length, 1, to);
      assert.ok(steers[0]!.includes(`tool call (read_file) was written with ${named}, so it was not run`), steers[0]);
    }
  });

  it("thinking that only mentions a tool, or names one not offered, gets the plain nudge", async () => {
    for (const raw of ["I could use read_file here.", "Maybe <function=delete_everything>\n</function> would do."]) {
      const { agent, events } = await agentFor(fixture(), [{ raw }, { text: "ok" }]);
      assert.equal((await agent.run("where is add?")).stopReason, "answered");
      const steer = events.find((e) => e.type === "steer");
      assert.ok(steer?.type === "steer" && /no answer and no tool call/.test(steer.message), raw);
    }
  });
});

describe("approvals", () => {
  it("an approval prompt that fails (a closed window, a broken terminal) counts as a no: the run goes on and the call does not run", async () => {
    const dir = fixture();
    const { agent } = await agentFor(dir, [
      { toolCalls: [{ name: "write_file", arguments: { path: "notes.txt", content: "x" } }] },
      { toolCalls: [{ name: "finish", arguments: { summary: "could not write" } }] },
    ], { policy: "ask", approve: async () => { throw new Error("the connection was closed"); } });
    const result = await agent.run("write notes");
    assert.equal(result.stopReason, "finished");
    assert.match(agent.messages.find((m) => m.role === "tool")!.content, /^Error \(denied\)/);
  });
});
