/**
 * A server that does not parse tool calls (llama-server on a template it does not know the
 * call format of, vLLM without --tool-call-parser, an Ollama model whose template lacks
 * tools) returns Qwen's call XML as the reply's content, with no tool_calls. The agent showed
 * the XML as its answer and the run ended "answered". Real HTTP servers on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { collectTurn } from "../../../src/models/backend.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import type { ChatStreamEvent, ToolDefinition } from "../../../src/models/types.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";
import { startApp } from "../../unit/webview/dom-env.ts";
import { conversation, event, transcript } from "../../unit/webview/fixtures.ts";

const TOOLS: ToolDefinition[] = [
  { name: "read_file", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" }, limit: { type: "integer" } }, required: ["path"] } },
];

const PREAMBLE = "I'll read the file first.";
const CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/ü🚀.ts\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>";
const CONTENT = `${PREAMBLE}\n\n${CALL}`;
const READ = { name: "read_file", arguments: { path: "src/ü🚀.ts", limit: 20 } };

function sse(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/** The content in deltas cut at awkward points: inside tags, inside `</parameter>`, between the halves of a surrogate pair's character. */
function awkwardDeltas(text: string): string[] {
  const cuts = [5, 28, 31, 40, 52, 63, 70, 71, 90, 100, 111, 125];
  const pieces: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    if (cut >= text.length) break;
    pieces.push(text.slice(from, cut));
    from = cut;
  }
  pieces.push(text.slice(from));
  return pieces;
}

describe("remote backend: tool calls a server leaves in the text", () => {
  let server: Server;
  let base: string;
  let props: string | undefined;
  let models = JSON.stringify({ data: [{ id: "qwen" }] });
  /** The event-stream body the chat endpoint answers with (`bodyAfterTool` once the request holds a tool result). */
  let body = "";
  let bodyAfterTool = "";
  /** Bytes per write of the body (small: SSE lines and UTF-8 characters split across packets). */
  let writeBytes = 1 << 20;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === "/v1/models") return void res.end(models);
      if (req.url === "/props") return void (props === undefined ? res.writeHead(404).end() : res.end(props));
      if (req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
      let request = "";
      req.on("data", (chunk: Buffer) => (request += chunk.toString()));
      req.on("end", () => {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        const bytes = Buffer.from(request.includes('"role":"tool"') ? bodyAfterTool : body);
        for (let i = 0; i < bytes.length; i += writeBytes) res.write(bytes.subarray(i, i + writeBytes));
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function turn(backend: RemoteBackend, tools: ToolDefinition[] = TOOLS) {
    const events: ChatStreamEvent[] = [];
    const result = await collectTurn(backend.chat({ messages: [{ role: "user", content: "read src/ü🚀.ts" }], tools }), (e) => events.push(e));
    return { ...result, events };
  }

  it("streamed content cut anywhere: the text before the call is the answer's text, the call a call, and the user is told once how to make llama-server parse calls", async () => {
    props = JSON.stringify({ default_generation_settings: { n_ctx: 8192 } });
    body = awkwardDeltas(CONTENT).map((text) => sse({ content: text })).join("") + sse({}, "stop") + "data: [DONE]\n\n";
    writeBytes = 7;
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    const first = await turn(backend);
    assert.equal(first.stopReason, "toolCalls");
    assert.deepEqual(first.toolCallErrors, []);
    assert.equal(first.message.content, PREAMBLE);
    assert.deepEqual(first.message.toolCalls?.map(({ name, arguments: args }) => ({ name, arguments: args })), [READ]);
    assert.ok(first.events.every((e) => e.type !== "text" || !e.text.includes("<")), "no call XML streamed as text");
    const notices = first.events.filter((e) => e.type === "notice");
    assert.equal(notices.length, 1);
    assert.match(notices[0]!.type === "notice" ? notices[0]!.text : "", /passed the model's tool call on as text.*--jinja/s);
    // Told once: the next turn reads the call the same way without saying it again.
    const second = await turn(backend);
    assert.equal(second.message.toolCalls?.length, 1);
    assert.equal(second.events.filter((e) => e.type === "notice").length, 0);
  });

  it("the whole reply in one piece (a server that does not stream): the same call, and the vLLM flags", async () => {
    props = undefined;
    models = JSON.stringify({ data: [{ id: "qwen", max_model_len: 32768 }] });
    body = sse({ role: "assistant", content: CONTENT }, "stop") + "data: [DONE]\n\n";
    writeBytes = 1 << 20;
    const result = await turn(new RemoteBackend({ baseUrl: `${base}/v1` }));
    assert.equal(result.stopReason, "toolCalls");
    assert.equal(result.message.content, PREAMBLE);
    assert.deepEqual(result.message.toolCalls?.map(({ name, arguments: args }) => ({ name, arguments: args })), [READ]);
    const notice = result.events.find((e) => e.type === "notice");
    assert.match(notice?.type === "notice" ? notice.text : "", /--enable-auto-tool-choice --tool-call-parser qwen3_coder/);
  });

  // A server writing CRLF line ends (or a model closing the parameter and the function on one
  // line) had the call refused: "Parameter has no closing </parameter>".
  it("content with CRLF line ends, and a call that closes </parameter></function> on one line: the same call", async () => {
    const crlf = CONTENT.replace(/\n/g, "\r\n");
    const oneLine = CONTENT.replace("20\n</parameter>\n</function>", "20\n</parameter></function>");
    for (const content of [crlf, oneLine]) {
      body = awkwardDeltas(content).map((text) => sse({ content: text })).join("") + sse({}, "stop") + "data: [DONE]\n\n";
      const result = await turn(new RemoteBackend({ baseUrl: `${base}/v1` }));
      assert.deepEqual(result.toolCallErrors, [], JSON.stringify(content));
      assert.equal(result.message.content, PREAMBLE);
      assert.deepEqual(result.message.toolCalls?.map(({ name, arguments: args }) => ({ name, arguments: args })), [READ], JSON.stringify(content));
    }
  });

  it("a <tool_call> the model copied from escaped content (a file it quotes) is text; control strings in a call's value come back as written", async () => {
    const quoted = "The file says <\u200Dtool_call> and <\u200D|im_end|>.";
    const call = CALL.replace("src/ü🚀.ts", "a<\u200D|im_end|>b");
    body = awkwardDeltas(`${quoted}\n\n${call}`).map((text) => sse({ content: text })).join("") + sse({}, "stop") + "data: [DONE]\n\n";
    const result = await turn(new RemoteBackend({ baseUrl: `${base}/v1` }));
    assert.deepEqual(result.toolCallErrors, []);
    assert.equal(result.message.content, "The file says <tool_call> and <|im_end|>.");
    assert.deepEqual(result.message.toolCalls?.map((c) => c.arguments), [{ path: "a<|im_end|>b", limit: 20 }]);
  });

  it("without tools offered, the same text is the answer as written", async () => {
    body = sse({ content: CONTENT }, "stop") + "data: [DONE]\n\n";
    const result = await turn(new RemoteBackend({ baseUrl: `${base}/v1` }), []);
    assert.equal(result.stopReason, "endOfTurn");
    assert.equal(result.message.content, CONTENT);
    assert.equal(result.message.toolCalls, undefined);
  });

  it("a server that parses calls itself: its calls as before, and nothing to tell", async () => {
    const call = { index: 0, id: "c1", type: "function", function: { name: "read_file", arguments: JSON.stringify(READ.arguments) } };
    body = sse({ content: PREAMBLE }) + sse({ tool_calls: [call] }) + sse({}, "tool_calls") + "data: [DONE]\n\n";
    const result = await turn(new RemoteBackend({ baseUrl: `${base}/v1` }));
    assert.equal(result.stopReason, "toolCalls");
    assert.equal(result.message.content, PREAMBLE);
    assert.deepEqual(result.message.toolCalls, [{ id: "c1", ...READ }]);
    assert.equal(result.events.filter((e) => e.type === "notice").length, 0);
  });

  it("a server that parses calls and also leaves the call's XML in the content (vLLM's and MLX servers' streaming parsers have leaked it): the call is run once, the leak is text, nothing to tell", async () => {
    props = JSON.stringify({ default_generation_settings: { n_ctx: 8192 } });
    const call = { index: 0, id: "c1", type: "function", function: { name: "read_file", arguments: JSON.stringify(READ.arguments) } };
    // The whole call leaked, cut anywhere, with the server's own call in the middle of it.
    const pieces = awkwardDeltas(CONTENT);
    body = pieces.slice(0, 4).map((text) => sse({ content: text })).join("") + sse({ tool_calls: [call] })
      + pieces.slice(4).map((text) => sse({ content: text })).join("") + sse({}, "tool_calls") + "data: [DONE]\n\n";
    writeBytes = 7;
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    const result = await turn(backend);
    assert.equal(result.stopReason, "toolCalls");
    assert.deepEqual(result.message.toolCalls, [{ id: "c1", ...READ }]);
    assert.deepEqual(result.toolCallErrors, []);
    assert.equal(result.message.content, PREAMBLE);
    assert.equal(result.events.filter((e) => e.type === "notice").length, 0);
    // Only the opening tag leaked (a parser that did not strip its trigger): no malformed call to tell the model of.
    body = sse({ content: `${PREAMBLE}\n\n<tool_call>` }) + sse({ tool_calls: [call] }) + sse({}, "tool_calls") + "data: [DONE]\n\n";
    const opening = await turn(backend);
    assert.deepEqual(opening.message.toolCalls, [{ id: "c1", ...READ }]);
    assert.deepEqual(opening.toolCallErrors, []);
    assert.match(opening.message.content, /^I'll read the file first\.\s*<tool_call>$/, "the leaked tag stays in the text, as the server sent it");
    // A server that parses calls has shown it does: a later reply's content call is still read (it may be one its parser refused).
    body = sse({ content: CONTENT }, "stop") + "data: [DONE]\n\n";
    const later = await turn(backend);
    assert.deepEqual(later.message.toolCalls?.map(({ name, arguments: args }) => ({ name, arguments: args })), [READ]);
    assert.equal(later.events.filter((e) => e.type === "notice").length, 0, "its calls are parsed: no flag to name");
  });

  function folder(t: TestContext, prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it("in the chat: the agent runs the call instead of answering with its XML, and the page says once how to make the server parse calls", async (t) => {
    props = JSON.stringify({ default_generation_settings: { n_ctx: 32768 } });
    models = JSON.stringify({ data: [{ id: "qwen" }] });
    writeBytes = 5;
    body = awkwardDeltas(`Let me look at the code.\n\n<tool_call>\n<function=read_file>\n<parameter=path>\ncalc.py\n</parameter>\n</function>\n</tool_call>`)
      .map((text) => sse({ content: text })).join("") + sse({}, "stop") + "data: [DONE]\n\n";
    bodyAfterTool = sse({ content: "calc.py defines add." }, "stop") + "data: [DONE]\n\n";
    const root = folder(t, "hearth-content-calls-ws-");
    cpSync(resolve(import.meta.dirname, "../../fixtures/agent/python-calc"), root, { recursive: true });
    const events: AgentWireEvent[] = [];
    const { root: page, app } = startApp();
    app.receive(conversation(transcript([], { runId: "r1" })));
    const outcome = await runConversationTurn({
      mode: "chat", text: "What does calc.py define?", messages: [],
      workspace: new DiskWorkspace(root),
      checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-content-calls-state-") }),
      backend: async () => new RemoteBackend({ baseUrl: `${base}/v1` }),
      policy: "ask", approve: async () => false,
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
    });
    for (const e of events) app.receive(event(e));
    assert.equal(outcome.result.stopReason, "answered");
    assert.equal(outcome.result.message, "calc.py defines add.");
    assert.ok(events.some((e) => e.type === "toolEnd" && e.ok), "read_file ran");
    const notices = events.filter((e) => e.type === "notice" && /--jinja/.test(e.text));
    assert.equal(notices.length, 1, JSON.stringify(events.filter((e) => e.type === "notice")));
    assert.match(page.textContent ?? "", /passed the model's tool call on as text/);
    assert.doesNotMatch(page.textContent ?? "", /<function=read_file>/);
  });
});
