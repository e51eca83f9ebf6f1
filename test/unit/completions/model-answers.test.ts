// What the engine makes of answers a real server gives: a llama-server-like /infill on
// 127.0.0.1 answers with the given text and stop type (`limit`: the remote backend reports
// maxTokens, as when the model ran out of tokens mid-way), and refuses a body with an unpaired
// surrogate as llama-server's JSON parser (nlohmann::json) does.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CompletionEngine, type CompletionDocument } from "../../../src/completions/engine.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";

/** A JSON `\\uXXXX` escape of half a surrogate pair without its other half (what JSON.stringify writes for one). */
const UNPAIRED_ESCAPE = /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i;

describe("what a server's answer becomes", () => {
  let server: Server;
  let base: string;
  /** The next /infill answer. */
  let answer = { content: "", stop_type: "eos" };
  /** Bodies of the /infill requests, as sent. */
  const infills: string[] = [];

  before(async () => {
    server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "qwen3.5-test" }] }));
      if (req.url === "/infill") {
        infills.push(body);
        if (UNPAIRED_ESCAPE.test(body)) return void res.writeHead(500).end(JSON.stringify({ error: { message: "[json.exception.parse_error.101] invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF" } }));
        return void res.end(JSON.stringify(answer));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  /** The completion for the cursor at "‸" in `text` when the server answers `content`. */
  async function complete(text: string, content: string, stopType: string): Promise<string> {
    answer = { content, stop_type: stopType };
    const backend = new RemoteBackend({ baseUrl: base });
    const engine = new CompletionEngine({ model: async () => ({ backend, which: "main" }), debounce: { initialMs: 0, minMs: 0 } });
    const offset = text.indexOf("‸");
    const source = text.replace("‸", "");
    const lines = source.slice(0, offset).split("\n");
    const doc: CompletionDocument = { uri: "file:///w/a.ts", path: "a.ts", text: source, version: 1, inFolder: false };
    const result = await engine.complete(doc, { line: lines.length - 1, character: lines.at(-1)!.length }, new AbortController().signal);
    await backend.dispose();
    return result.text;
  }

  it("a block the limit cut mid-line keeps only its whole lines", async () => {
    const body = "\n  const total = items.reduce((sum, item) => sum + item.price, 0);\n  const tax = total * rate;\n  return Math.round(total + tax * 1";
    const text = await complete("function price(items, rate) {‸\n}\n", body, "limit");
    assert.equal(text, "\n  const total = items.reduce((sum, item) => sum + item.price, 0);\n  const tax = total * rate;", "not `return Math.round(total + tax * 1`");
    const ended = await complete("function price(items, rate) {‸\n}\n", `${body});`, "eos");
    assert.ok(ended.endsWith("return Math.round(total + tax * 1);"), "a block the model ended itself is whole");
  });

  it("a block the limit cut mid-line from a server with lone CR line ends keeps only its whole lines, as with LF", async () => {
    const body = "\r  const total = items.reduce((sum, item) => sum + item.price, 0);\r  const tax = total * rate;\r  return Math.round(total + tax * 1";
    const text = await complete("function price(items, rate) {‸\n}\n", body, "limit");
    assert.equal(text, "\n  const total = items.reduce((sum, item) => sum + item.price, 0);\n  const tax = total * rate;", "not `return Math.round(total + tax * 1`");
    assert.equal(await complete("function f(a) {‸\n}\n", "\r  return a.map((x) => x * 2).filter(", "limit"), "", "after a lone CR, the one line there is the block's last, maybe cut: nothing whole");
    // CRLF: the cut is at the LF, and the CR before it is no line of its own.
    assert.equal(await complete("function f(a) {‸\r\n}\r\n", "\r\n  const b = a + 1;\r\n  return b.map(", "limit"), "\r\n  const b = a + 1;");
  });

  it("a one-line answer where a block may start, cut by the limit, is kept as a line (it has no later line to wait for)", async () => {
    // The cursor on the empty line under an opener: the model wrote its first line, no line
    // break, and ran out of tokens. Only the lines before the last of a block are sure to be whole,
    // but a line cut by a limit is what a line completion shows too (without a cut character).
    const text = await complete("function total(items) {\n  ‸\n}\n", "return items.reduce((sum, item) => sum + item.price * item.quantity \uFFFD", "limit");
    assert.equal(text, "return items.reduce((sum, item) => sum + item.price * item.quantity");
    assert.equal(await complete("const colors = {‸\n", " red: '#f00', green: '#0f0', blue: '#00f', yellow: '#ff0', cyan", "limit"), " red: '#f00', green: '#0f0', blue: '#00f', yellow: '#ff0', cyan");
    assert.equal(await complete("function f(a) {‸\n}\n", "\n  return a.map((x) => x * 2).filter(", "limit"), "", "after a line break, the one line there is the block's last, maybe cut: nothing whole");
  });

  it("a line the limit cut inside a character ends before it, not with U+FFFD", async () => {
    // 🎉 is four UTF-8 bytes, several byte tokens: cut after the first, the server (or the
    // embedded backend's detokenizer) writes U+FFFD for the bytes it has.
    assert.equal(await complete("const greeting = ‸;\n", "'Congratulations \uFFFD", "limit"), "'Congratulations");
    assert.equal(await complete("const greeting = ‸;\n", "'Congratulations \uD83C", "limit"), "'Congratulations", "nor half of a surrogate pair");
    assert.equal(await complete("const greeting = ‸;\n", "'Congratulations \uD83C\uDF89'", "eos"), "'Congratulations \uD83C\uDF89'", "a whole character stays");
  });

  it("bytes that made no character inside an answer (U+FFFD, what llama-server writes for a model's invalid UTF-8) end it there; a file that holds U+FFFD itself keeps it", async () => {
    assert.equal(await complete("const label = ‸;\n", "'caf\uFFFD au lait'", "eos"), "'caf", "no U+FFFD put in the code");
    assert.equal(await complete("function f() {‸\n}\n", "\n  log(1);\n  log('\uFFFD');\n  log(3);\n}", "eos"), "\n  log(1);", "a block keeps its whole lines before it");
    assert.equal(await complete("const bad = '\uFFFD';\nconst label = ‸;\n", "'caf\uFFFD'", "eos"), "'caf\uFFFD'", "the file shows one: the model may copy it");
  });

  it("a control token a server writes out as text ends the completion; one the file itself holds is kept", async () => {
    // A server that renders special tokens (or a model that writes them as text) ends its answer with them.
    assert.equal(await complete("const n = ‸;\n", "items.length<|fim_pad|><|fim_pad|>", "eos"), "items.length");
    assert.equal(await complete("function f(a) {‸\n", "\n  return a;\n}<|endoftext|><|file_sep|>src/b.ts\nexport const b = 1;", "eos"), "\n  return a;\n}");
    assert.equal(await complete("const n = ‸;\n", "count<|im_end|>\n<|im_start|>user", "eos"), "count");
    // Writing the next file, the model runs into the token limit: what came before the token is whole.
    assert.equal(await complete("function f(a) {‸\n", "\n  return a;\n}<|endoftext|><|file_sep|>src/b.ts\nexport const b = 1;\nexport function g(", "limit"), "\n  return a;\n}", "the block's } stays");
    // A prompt builder: the file shows the string, so the model may write it.
    const builder = 'out.tpl("<|im_start|>user\\n");\nout.tpl(‸);\n';
    assert.equal(await complete(builder, '"<|im_end|>\\n"', "eos"), '"<|im_end|>\\n"');
  });

  it("a document with half a surrogate pair near the cursor is still completed (the server is sent U+FFFD there)", async () => {
    // A UTF-16 file with a broken pair opens with a lone surrogate; JSON.stringify writes it as
    // an escape that llama-server refuses, so every keystroke near it failed.
    const from = infills.length;
    assert.equal(await complete("// broken: \uD83D, \uDE00 end\nconst n = ‸;\n", "count", "eos"), "count");
    assert.equal(infills.length, from + 1);
    const sent = JSON.parse(infills[from]!) as { input_prefix: string };
    assert.equal(sent.input_prefix, "// broken: \uFFFD, \uFFFD end\nconst n = ");
    assert.equal(await complete("const s = '\uD83D\uDE00';\nconst n = ‸;\n", "count", "eos"), "count", "whole pairs are left alone");
    assert.ok((JSON.parse(infills.at(-1)!) as { input_prefix: string }).input_prefix.includes("\uD83D\uDE00"));
  });

  it("a broken pair in another file's recent edit, sent as context, does not fail every completion", async () => {
    // The user edited such a file, then went on in another one: its lines are context there.
    answer = { content: "count", stop_type: "eos" };
    const backend = new RemoteBackend({ baseUrl: base });
    const recentEdits = () => [{ path: "broken.ts", line: 0, text: "const s = '\uD83D';\n" }];
    const engine = new CompletionEngine({ model: async () => ({ backend, which: "main" }), recentEdits, debounce: { initialMs: 0, minMs: 0 } });
    const doc: CompletionDocument = { uri: "file:///w/a.ts", path: "a.ts", text: "const n = ;\n", version: 1, inFolder: true };
    const from = infills.length;
    const result = await engine.complete(doc, { line: 0, character: 10 }, new AbortController().signal);
    await backend.dispose();
    assert.equal(infills.length, from + 1);
    const sent = JSON.parse(infills[from]!) as { input_extra?: { text: string }[] };
    assert.deepEqual(sent.input_extra?.map((f) => f.text), ["const s = '\uFFFD';\n"]);
    assert.equal(result.text, "count");
  });
});
