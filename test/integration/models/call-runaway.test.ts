/**
 * A tool call whose arguments fall into a loop while the model writes them (a write_file whose
 * content repeats one line for ever), from a real HTTP server on 127.0.0.1 streaming it as
 * OpenAI-style tool_call deltas and, for a server that does not parse calls, as Qwen's call
 * XML in the content; and from the scripted backend with no agent loop around it (hearth chat,
 * VS Code's chat). A call is held back until it is whole, so the reply's own loop watch never
 * sees it: the backend stops reading (or generating) a few thousand characters into the loop,
 * and the call comes out as an error for the model, with nothing of it run.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { collectTurn } from "../../../src/models/backend.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { ChatStreamEvent, ToolDefinition } from "../../../src/models/types.ts";

const TOOLS: ToolDefinition[] = [
  { name: "write_file", description: "Write a file.", parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } }, required: ["path", "content"] } },
];
const LINE = "    assert add(1, 2) == 3\n";
/** Lines of the loop the server would send (about 2.6 MB of arguments): far past what the socket buffers hold. */
const LINES = 100_000;

function sse(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/** The stream's events: the opening, one per looping line, the closing (`calls`: the same whole call, each its own, for ever). */
function* deltas(form: "tool_calls" | "content" | "calls"): Generator<string> {
  if (form === "calls") {
    for (let i = 0; i < LINES; i++) yield sse({ tool_calls: [{ index: i, id: `call_${i}`, type: "function", function: { name: "write_file", arguments: '{"path": "a.py", "content": "x = 1\\n"}' } }] });
    yield sse({}, "tool_calls");
  } else if (form === "tool_calls") {
    yield sse({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "write_file", arguments: '{"path": "test_loop.py", "content": "def test_add():\\n' } }] });
    const piece = JSON.stringify(LINE).slice(1, -1);
    for (let i = 0; i < LINES; i++) yield sse({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
    yield sse({ tool_calls: [{ index: 0, function: { arguments: '"}' } }] }, "tool_calls");
  } else {
    yield sse({ content: "I will write the tests.\n\n<tool_call>\n<function=write_file>\n<parameter=path>\ntest_loop.py\n</parameter>\n<parameter=content>\ndef test_add():\n" });
    for (let i = 0; i < LINES; i++) yield sse({ content: LINE });
    yield sse({ content: "</parameter>\n</function>\n</tool_call>" }, "stop");
  }
  yield "data: [DONE]\n\n";
}

describe("a tool call whose arguments loop while they are written", () => {
  let server: Server;
  let base: string;
  let form: "tool_calls" | "content" | "calls" = "tool_calls";
  /** Events the server wrote of the last stream, and whether it wrote them all. */
  let sent = 0;
  let whole = false;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "qwen" }] }));
      if (req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        sent = 0;
        whole = false;
        const events = deltas(form);
        // Written as the client reads (each write waits for the socket to drain), until it closes the connection.
        const more = (): void => {
          for (let next = events.next(); ; next = events.next()) {
            if (res.destroyed) return;
            if (next.done) return void res.end(() => (whole = true));
            sent++;
            if (!res.write(next.value)) return void res.once("drain", more);
          }
        };
        more();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  for (const which of ["tool_calls", "content"] as const) {
    it(`from a server, as ${which === "tool_calls" ? "tool_call deltas" : "call XML in the content (a server that does not parse calls)"}: the stream is closed early, the call is an error for the model, none runs`, { timeout: 60_000 }, async () => {
      form = which;
      const events: ChatStreamEvent[] = [];
      const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
      await collectTurn(backend.chat({ messages: [{ role: "user", content: "write tests for calc.py" }], tools: TOOLS }), (e) => events.push(e));
      await backend.dispose();
      assert.equal(events.filter((e) => e.type === "toolCall").length, 0, "no call to run");
      const errors = events.flatMap((e) => (e.type === "toolCallError" ? [e] : []));
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.name, "write_file");
      // The unit as the server sent it: the line itself in the content, its JSON text (the line end escaped) in the arguments.
      const unit = which === "content" ? LINE : JSON.stringify(LINE).slice(1, -1);
      assert.ok(errors[0]!.loop && (unit + unit).includes(errors[0]!.loop.unit) && errors[0]!.loop.unit.length === unit.length, `the unit: ${JSON.stringify(errors[0]!.loop?.unit)}`);
      assert.match(errors[0]!.message, /^Hearth stopped your call to write_file while you were writing it: its arguments fell into a loop — the same 2[67] characters \(".*assert add\(1, 2\) == 3.*"\) written \d+ times in a row — so nothing of it ran/);
      assert.match(errors[0]!.raw, /def test_add\(\):\\?n?[\s\S]*: Hearth stopped the call here\]$/);
      assert.ok(errors[0]!.raw.length < 1_000, `the call kept as ${errors[0]!.raw.length} characters`);
      assert.equal(whole, false, `the server wrote its whole stream (${sent} events): the client read on to the end`);
      assert.ok(sent < LINES / 2, `the server wrote ${sent} of ${LINES + 3} events`);
    });
  }

  it("from a server, the same whole call as tool_call deltas again and again: the stream is closed early, none runs", { timeout: 60_000 }, async () => {
    form = "calls";
    const events: ChatStreamEvent[] = [];
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    await collectTurn(backend.chat({ messages: [{ role: "user", content: "write a.py" }], tools: TOOLS }), (e) => events.push(e));
    await backend.dispose();
    assert.equal(events.filter((e) => e.type === "toolCall").length, 0, "no call to run");
    const errors = events.flatMap((e) => (e.type === "toolCallError" ? [e] : []));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.loop?.calls, true);
    assert.match(errors[0]!.message, /^Hearth stopped your reply: it wrote the same call to write_file again and again — the same 38 characters \(.*\) written \d+ times in a row — so none of its calls ran\./);
    assert.equal(whole, false, `the server wrote its whole stream (${sent} events)`);
  });

  it("from the scripted backend with no agent loop around it: generation stops a few thousand characters in", { timeout: 60_000 }, async () => {
    const content = "def test_add():\n" + LINE.repeat(20_000);
    const backend = new ScriptedBackend({ turns: [{ text: "I will write the tests.", toolCalls: [{ name: "write_file", arguments: { path: "test_loop.py", content } }] }], chunkSize: 8 });
    const events: ChatStreamEvent[] = [];
    const turn = await collectTurn(backend.chat({ messages: [{ role: "user", content: "write tests" }], tools: TOOLS, thinking: false }), (e) => events.push(e));
    const generated = events.flatMap((e) => (e.type === "done" ? [e.usage?.generatedTokens ?? 0] : []))[0]!;
    assert.ok(generated < 600, `${generated} chunks generated of about ${Math.ceil(content.length / 8)}`);
    assert.equal(turn.stopReason, "endOfTurn");
    assert.deepEqual(events.flatMap((e) => (e.type === "toolCallError" ? [e.name] : e.type === "toolCall" ? ["ran"] : [])), ["write_file"]);
  });
});
