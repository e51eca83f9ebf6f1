/**
 * The remote backend against broken and hostile OpenAI-compatible servers on 127.0.0.1:
 * error pages, answers that are not event streams, connections cut mid-answer, garbage
 * "gzip", events of the wrong shape, odd tool-call deltas, redirects, credentials in the
 * URL, streams that never stop. Each must end in a clear error in words (or a usable turn),
 * never a hang, a TypeError or a secret in a message.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { BackendError, collectTurn } from "../../../src/models/backend.ts";
import { ModelSlot } from "../../../src/models/index.ts";
import { systemClock } from "../../../src/models/http-limits.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import type { ToolDefinition } from "../../../src/models/types.ts";
import { DEFAULT_SETTINGS } from "../../../src/protocol/settings.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

const TOOLS: ToolDefinition[] = [
  { name: "read_file", description: "Read a file.", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } },
];

// Without the limits under test some calls here would never return: the runner's limit on a test
// file fails them. A 20 s limit of their own was reached on a loaded machine while the code was
// right: Stop on a stream pumped flat out took 5 s in CI, 109 s at load 18.

function sse(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ choices: [{ delta, finish_reason: finish }] })}\n\n`;
}

function call(index: number | undefined, id: string, path: string): Record<string, unknown> {
  return { ...(index === undefined ? {} : { index }), id, type: "function", function: { name: "read_file", arguments: JSON.stringify({ path }) } };
}

/** Whether `error` is a BackendError whose message matches every pattern. */
function says(...patterns: RegExp[]): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof BackendError, `not a BackendError: ${String(error)}`);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

describe("remote backend against broken and hostile servers", () => {
  let server: Server;
  let base: string;
  /** What the server does for the current test; /v1/models and /props answer on their own. */
  let scenario: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(500).end();
  /** The bodies of /v1/models and /props (undefined: 404). */
  let models = JSON.stringify({ data: [{ id: "m" }] });
  /** When set, /v1/models does not answer (a server still starting, a proxy holding the request) until the test ends it. */
  let modelsHang = false;
  const held: ServerResponse[] = [];
  let props: string | undefined;
  /** Requests the server saw, path and Authorization header. */
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  /** Resolves when the client closed the connection of the latest scenario request. */
  let closed: Promise<void> = Promise.resolve();

  before(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? "", auth: req.headers.authorization });
      if (req.url === "/v1/models") return void (modelsHang ? held.push(res) : res.end(models));
      if (req.url === "/props") return void (props === undefined ? res.writeHead(404).end() : res.end(props));
      closed = new Promise((resolve) => res.on("close", () => resolve()));
      scenario(req, res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  function chat(options: { apiKey?: string; maxTokens?: number; signal?: AbortSignal } = {}) {
    const backend = new RemoteBackend({ baseUrl: `${base}/v1`, ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
    return collectTurn(backend.chat({
      messages: [{ role: "user", content: "hi" }], tools: TOOLS,
      ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}), ...(options.signal ? { signal: options.signal } : {}),
    }));
  }

  /** Writes `next()` whenever the socket takes more, until the client goes away. */
  function pump(res: ServerResponse, next: () => string): void {
    const go = (): void => {
      while (!res.destroyed) if (!res.write(next())) return void res.once("drain", go);
    };
    go();
  }

  it("an HTTP error says the status, the page's words (not its HTML) and what to check; the API key is never echoed", async () => {
    const key = "sk-hearth-very-secret";
    const cases: Array<[number, string, RegExp[]]> = [
      [401, "<html><head><title>401 Authorization Required</title></head><body><center><h1>401 Authorization Required</h1></center><hr><center>nginx</center></body></html>",
        [/refused the API key \(401\): 401 Authorization Required/, /Set Server API Key/]],
      [403, JSON.stringify({ error: { message: `key ${key} is not allowed` } }), [/refused the API key \(403\): key \[the API key\] is not allowed/, /Set Server API Key/]],
      [404, "Not Found", [/answered 404 for \/v1\/chat\/completions: Not Found/, /check that hearth\.serverUrl/]],
      [429, JSON.stringify({ error: { message: "Rate limit reached" } }), [/answered 429 .*: Rate limit reached/, /wait/]],
      [500, "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n</body></html>",
        [/answered 500 .*: 500 Internal Server Error/, /its log/]],
      [503, JSON.stringify({ error: { code: 503, message: "Loading model", type: "unavailable_error" } }), [/answered 503 .*: Loading model/, /its log/]],
      // A captive portal (RFC 6585) answers for the network, not the server: no "check its log".
      [511, "<html><head><title>Network Authentication Required</title></head><body>Sign in to Hotel WiFi</body></html>",
        [/answered 511 .*: Network Authentication Required\. This network wants you to sign in first \(a captive portal.*then try again$/]],
      // A prompt past the context is no HTTP error but DoesNotFitError (remote-does-not-fit.test.ts).
      [400, JSON.stringify({ object: "error", message: "tools[0].function.parameters: schema must have a 'type' key" }), [/answered 400 .*: tools\[0\]\.function\.parameters: schema must have a 'type' key$/]],
    ];
    for (const [status, body, patterns] of cases) {
      scenario = (_req, res) => void res.writeHead(status, { "Content-Type": body.startsWith("<") ? "text/html" : "application/json" }).end(body);
      await assert.rejects(chat({ apiKey: key }), (error: unknown) => {
        says(...patterns)(error);
        const message = (error as Error).message;
        assert.doesNotMatch(message, /<|sk-hearth/, message);
        return true;
      }, `status ${status}`);
    }
  });

  it("a 429 or 503 says how long the server's Retry-After asks to wait (seconds or a date); a Retry-After that says nothing usable (negative, past, garbage) is left out", async () => {
    const now = Date.UTC(2026, 0, 15, 12, 0, 0);
    const clock = { ...systemClock, now: () => now };
    const cases: Array<[number, string, RegExp]> = [
      [429, "120", /: Rate limit; the server is limiting requests: it asks to wait 2 min before trying again$/],
      [503, "7", /: Loading model; the server failed or is not ready \(still loading its model\?\): check its log and try again; it asks to wait 7 s first$/],
      [429, new Date(now + 90_000).toUTCString(), /it asks to wait 90 s before trying again$/],
      [429, "99999999999999999999", /it asks to wait more than a day before trying again$/],
      [429, "0", /: Rate limit; the server is limiting requests: it asks to try again at once$/],
      [503, "0", /check its log and try again$/],
      [429, "43200", /it asks to wait 12 h before trying again$/],
      [429, "3599", /it asks to wait 60 min before trying again$/],
      [503, "5405", /; it asks to wait 90 min first$/],
      [429, "-5", /: Rate limit; the server is limiting requests: wait a moment and try again$/],
      [429, new Date(now - 90_000).toUTCString(), /wait a moment and try again$/],
      [503, "soon", /check its log and try again$/],
    ];
    for (const [status, retryAfter, pattern] of cases) {
      scenario = (_req, res) => void res.writeHead(status, { "Content-Type": "application/json", "Retry-After": retryAfter }).end(JSON.stringify({ error: { message: status === 429 ? "Rate limit" : "Loading model" } }));
      const backend = new RemoteBackend({ baseUrl: `${base}/v1`, clock });
      await assert.rejects(collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }] })), says(pattern), retryAfter);
    }
  });

  it("a 200 answer that is not an event stream (an HTML page, a whole JSON answer) is an error that says so, not an empty reply", async () => {
    for (const [type, body] of [["text/html", "<html><body>Welcome to nginx!</body></html>"], ["application/json", JSON.stringify({ choices: [{ message: { content: "hello" } }] })]]) {
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": type }).end(body);
      await assert.rejects(chat(), says(new RegExp(`answered /v1/chat/completions with ${type.replace("/", "\\/")}, not an event stream`), /check that hearth\.serverUrl/));
    }
  });

  it("an error event in the middle of a stream ends the turn with the server's own message", async () => {
    scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" })
      .end(`${sse({ content: "part" })}data: ${JSON.stringify({ error: { code: 400, message: "the request exceeds the available context size" } })}\n\ndata: [DONE]\n\n`);
    await assert.rejects(chat(), says(/reported an error in its answer: the request exceeds the available context size/));
  });

  it("a connection cut in the middle of an answer is an error in words, whether the socket is cut or the body just stops", async () => {
    scenario = (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(sse({ content: "partial" }), () => res.socket?.destroy());
    };
    await assert.rejects(chat(), says(/closed the connection before its answer was complete/, /check that it is still running/));
    scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" }).end(sse({ content: "partial" }));
    await assert.rejects(chat(), says(/closed the connection before its answer was complete/));
  });

  it("a stream that ends with a finish reason but no [DONE] (older llama-server), its last line without a newline, is a whole answer", async () => {
    scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" })
      .end(`${sse({ content: "all " })}${sse({ content: "there" }, "stop").trimEnd()}`);
    const turn = await chat();
    assert.deepEqual([turn.message.content, turn.stopReason], ["all there", "endOfTurn"]);
  });

  it("a connection that breaks after the finish reason (a server that crashed, a proxy's timeout, before [DONE]) keeps the whole answer; one that breaks before it is an error", async () => {
    scenario = (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(`${sse({ content: "all " })}${sse({ content: "there" }, "stop")}`, () => res.socket?.destroy());
    };
    const turn = await chat();
    assert.deepEqual([turn.message.content, turn.stopReason], ["all there", "endOfTurn"]);
    scenario = (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write(`${sse({ content: "all " })}${sse({ content: "there" })}`, () => res.socket?.destroy());
    };
    await assert.rejects(chat(), says(/closed the connection before its answer was complete \(other side closed\)/));
  });

  it("a body declared gzip that is not is an error in words, for a stream and for a JSON answer", async () => {
    scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream", "Content-Encoding": "gzip" }).end("this is not gzip at all");
    await assert.rejects(chat(), says(/sent an answer that cannot be decoded \(gzip: incorrect header check\)/));
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    await backend.load();
    scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" }).end("garbage");
    await assert.rejects(backend.complete({ prefix: "a", suffix: "b" }), says(/sent an answer that cannot be decoded \(gzip: incorrect header check\)/));
  });

  it("a stream in the encoding its Content-Type names (Latin-1, windows-1252, Shift_JIS) reads as that text; one Hearth cannot split into lines (UTF-16) is an error naming it", async () => {
    const body = (text: string): string => `${sse({ content: text })}${sse({}, "stop")}data: [DONE]\n\n`;
    const cases: Array<[string, Buffer, string]> = [
      ["iso-8859-1", Buffer.from(body("café"), "latin1"), "café"],
      ["Windows-1252", Buffer.from(body("naïve"), "latin1"), "naïve"],
      // 日本 in Shift_JIS: two bytes a character, none of them a newline.
      ["Shift_JIS", Buffer.from(body("\x93\xfa\x96\x7b"), "latin1"), "日本"],
      ["utf-8", Buffer.from(body("café €5")), "café €5"],
    ];
    for (const [charset, bytes, text] of cases) {
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": `text/event-stream; charset=${charset}` }).end(bytes);
      assert.equal((await chat()).message.content, text, charset);
    }
    for (const charset of ["utf-16le", "\"x-no-such-encoding\""]) {
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": `text/event-stream; charset=${charset}` }).end(Buffer.from(body("café"), "utf16le"));
      await assert.rejects(chat(), says(new RegExp(`sent its answer in ${charset.replace(/"/g, "")}, which Hearth cannot read as an event stream`), /check the server, or a proxy in front of it/), charset);
    }
  });

  it("a JSON answer or an error page in the charset its Content-Type names (Latin-1, UTF-16) reads as that text", async () => {
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    await backend.load();
    const json = JSON.stringify({ content: "café naïve" });
    for (const [charset, bytes] of [["iso-8859-1", Buffer.from(json, "latin1")], ["utf-16le", Buffer.from(json, "utf16le")], ["\"x-no-such-encoding\"", Buffer.from(json)]] as const) {
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": `application/json; charset=${charset}` }).end(bytes);
      assert.equal((await backend.complete({ prefix: "a", suffix: "b" })).text, "café naïve", charset);
    }
    scenario = (_req, res) => void res.writeHead(500, { "Content-Type": "application/json; charset=ISO-8859-1" }).end(Buffer.from(JSON.stringify({ error: { message: "modèle indisponible" } }), "latin1"));
    await assert.rejects(backend.complete({ prefix: "a", suffix: "b" }), says(/answered 500 for \/infill: modèle indisponible;/));
  });

  it("events of the wrong shape (null, tool_calls not a list, a call that is not an object) are a clear error, not a TypeError", async () => {
    for (const event of ["null", "5", JSON.stringify({ choices: [{ delta: { tool_calls: { index: 0 } } }] }), JSON.stringify({ choices: [{ delta: { tool_calls: [null] } }] })]) {
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" }).end(`data: ${event}\n\ndata: [DONE]\n\n`);
      await assert.rejects(chat(), says(/sent an event that is not an OpenAI chat chunk/, /check that hearth\.serverUrl/), event);
    }
  });

  it("an event that is not JSON or not a chat chunk is shown without the API key a server echoed in it", async () => {
    const key = "sk-hearth-very-secret";
    for (const event of [`Authorization: Bearer ${key}`, JSON.stringify({ key, choices: [{ delta: { tool_calls: "x" } }] })]) {
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" }).end(`data: ${event}\n\ndata: [DONE]\n\n`);
      await assert.rejects(chat({ apiKey: key }), (error: unknown) => {
        says(/sent an event that is not (JSON|an OpenAI chat chunk) \(.*\[the API key\]/)(error);
        assert.doesNotMatch((error as Error).message, /sk-hearth/);
        return true;
      }, event);
    }
  });

  it("tool calls with a reused id, or without an index, become separate calls with distinct ids", async () => {
    scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" })
      .end(`${sse({ tool_calls: [call(0, "same", "a.ts"), call(1, "same", "b.ts")] })}${sse({ tool_calls: [call(undefined, "x", "c.ts")] })}${sse({ tool_calls: [call(undefined, "y", "d.ts")] }, "tool_calls")}data: [DONE]\n\n`);
    const turn = await chat();
    assert.deepEqual(turn.toolCallErrors, []);
    const calls = turn.message.toolCalls ?? [];
    assert.deepEqual(calls.map((c) => c.arguments.path), ["a.ts", "b.ts", "c.ts", "d.ts"]);
    assert.equal(new Set(calls.map((c) => c.id)).size, 4, JSON.stringify(calls));
  });

  it("tool calls that all say index 0 (Ollama), each with an id and a name of its own, are separate calls; an id that changes in a call's later pieces does not split it", async () => {
    const piece = (id: string | undefined, name: string | undefined, args: string) => ({ index: 0, ...(id ? { id } : {}), type: "function", function: { ...(name ? { name } : {}), arguments: args } });
    scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" }).end([
      sse({ tool_calls: [piece("a", "read_file", JSON.stringify({ path: "a.ts" }))] }),
      sse({ tool_calls: [piece("b", "read_file", "{\"path\":")] }),
      sse({ tool_calls: [piece(undefined, undefined, "\"b.ts\"}")] }),
      sse({ tool_calls: [piece("c", "read_file", "{\"path\":")] }),
      // A server that gives every piece an id of its own, a name only on the first.
      sse({ tool_calls: [piece("c-2", undefined, "\"c.ts\"}")] }, "tool_calls"),
      "data: [DONE]\n\n",
    ].join(""));
    const turn = await chat();
    assert.deepEqual(turn.toolCallErrors, []);
    assert.deepEqual((turn.message.toolCalls ?? []).map((c) => [c.id, c.name, c.arguments.path]), [["a", "read_file", "a.ts"], ["b", "read_file", "b.ts"], ["c", "read_file", "c.ts"]]);
  });

  it("token counts that are not counts (text, negative, fractions) are left out, never added up as text or let cut the reply short", async () => {
    const usage = (counts: Record<string, unknown>) => `data: ${JSON.stringify({ choices: [], usage: counts })}\n\n`;
    const cases: Array<[Record<string, unknown>, { promptTokens: number; generatedTokens: number }]> = [
      [{ prompt_tokens: 12, completion_tokens: 3 }, { promptTokens: 12, generatedTokens: 3 }],
      [{ prompt_tokens: "1000", completion_tokens: "99999999" }, { promptTokens: 0, generatedTokens: 0 }],
      [{ prompt_tokens: -1e9, completion_tokens: 2.5 }, { promptTokens: 0, generatedTokens: 0 }],
    ];
    for (const [counts, expected] of cases) {
      // The counts arrive before the text: a count taken for one would end the reply at max tokens.
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" }).end(`${usage(counts)}${sse({ content: "all of it" }, "stop")}data: [DONE]\n\n`);
      const turn = await chat({ maxTokens: 100 });
      assert.deepEqual([turn.message.content, turn.stopReason, turn.usage], ["all of it", "endOfTurn", { ...expected, evaluatedTokens: expected.promptTokens }], JSON.stringify(counts));
    }
  });

  it("a server that repeats a call's id and name in every piece (with or without an index) gets one call named once, not 'read_fileread_file'", async () => {
    const piece = (index: number | undefined, id: string, args: string) => ({ ...(index === undefined ? {} : { index }), id, type: "function", function: { name: "read_file", arguments: args } });
    for (const index of [0, undefined]) {
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" }).end([
        sse({ tool_calls: [piece(index, "a", "{\"path\":")] }),
        sse({ tool_calls: [piece(index, "a", "\"a.ts\"}")] }),
        sse({ tool_calls: [piece(index, "b", "{\"path\":")] }),
        sse({ tool_calls: [piece(index, "b", "\"b.ts\"}")] }, "tool_calls"),
        "data: [DONE]\n\n",
      ].join(""));
      const turn = await chat();
      assert.deepEqual(turn.toolCallErrors, [], String(index));
      assert.deepEqual((turn.message.toolCalls ?? []).map((c) => [c.id, c.name, c.arguments.path]), [["a", "read_file", "a.ts"], ["b", "read_file", "b.ts"]], String(index));
    }
  });

  it("a server that gives every piece a new id and repeats the name gets one call per call, not one per piece", async () => {
    const piece = (index: number | undefined, id: string, args: string) => ({ ...(index === undefined ? {} : { index }), id, type: "function", function: { name: "read_file", arguments: args } });
    for (const index of [0, undefined]) {
      scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" }).end([
        sse({ tool_calls: [piece(index, "p1", "")] }),
        sse({ tool_calls: [piece(index, "p2", "{\"path\":")] }),
        sse({ tool_calls: [piece(index, "p3", "\"a.ts\"}")] }),
        sse({ tool_calls: [piece(index, "p4", "{\"path\":\"b")] }),
        sse({ tool_calls: [piece(index, "p5", ".ts\"}")] }, "tool_calls"),
        "data: [DONE]\n\n",
      ].join(""));
      const turn = await chat();
      assert.deepEqual(turn.toolCallErrors, [], String(index));
      assert.deepEqual((turn.message.toolCalls ?? []).map((c) => [c.id, c.name, c.arguments.path]), [["p1", "read_file", "a.ts"], ["p4", "read_file", "b.ts"]], String(index));
    }
  });

  it("tool call arguments sent as an object (not as JSON text) are that object, not a retry", async () => {
    const asObject = (index: number, path: string) => ({ index, id: `o${index}`, type: "function", function: { name: "read_file", arguments: { path } } });
    scenario = (_req, res) => void res.writeHead(200, { "Content-Type": "text/event-stream" })
      .end(`${sse({ tool_calls: [asObject(0, "a.ts")] })}${sse({ tool_calls: [asObject(1, "b.ts")] }, "tool_calls")}data: [DONE]\n\n`);
    const turn = await chat();
    assert.deepEqual(turn.toolCallErrors, []);
    assert.deepEqual((turn.message.toolCalls ?? []).map((c) => [c.name, c.arguments.path]), [["read_file", "a.ts"], ["read_file", "b.ts"]]);
  });

  it("a redirect is not followed: the other address gets nothing, and the error names it", async () => {
    const other = createServer((_req, res) => res.end("took it"));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    let reached = 0;
    other.on("request", () => reached++);
    try {
      const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/chat/completions`;
      for (const location of [elsewhere, "file:///etc/passwd"]) {
        scenario = (_req, res) => void res.writeHead(307, { Location: location }).end();
        await assert.rejects(chat({ apiKey: "k" }), says(new RegExp(`redirected /v1/chat/completions to ${location.replace(/[/.]/g, "\\$&")}`), /does not follow redirects/, /hearth\.serverUrl/));
      }
      assert.equal(reached, 0);
    } finally {
      other.close();
    }
  });

  it("a redirect whose address carries the API key (in its query, percent-encoded, or its path) is named without it", async () => {
    const key = "sk-s3cr3t/k+y";
    const cases: Array<[string, RegExp]> = [
      [`http://127.0.0.1:1/v1/chat/completions?api_key=${key}&x=1#${key}`, /redirected \/v1\/chat\/completions to http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions\?…;/],
      [`http://127.0.0.1:1/v1?key=${encodeURIComponent(key)}`, /to http:\/\/127\.0\.0\.1:1\/v1\?…;/],
      [`http://127.0.0.1:1/${key}/v1`, /to http:\/\/127\.0\.0\.1:1\/\[the API key\]\/v1;/],
    ];
    for (const [location, shown] of cases) {
      scenario = (_req, res) => void res.writeHead(302, { Location: location }).end();
      await assert.rejects(chat({ apiKey: key }), (error: unknown) => {
        says(shown, /does not follow redirects/)(error);
        const message = (error as Error).message;
        for (const secret of [key, encodeURIComponent(key), "s3cr3t"]) assert.ok(!message.includes(secret), message);
        return true;
      }, location);
    }
  });

  it("a server URL with a user name and password is refused before any request, and neither is shown anywhere", async () => {
    const messages: string[] = [];
    const slot = new ModelSlot({ log: (_level, message) => messages.push(message), onState: (state) => messages.push(JSON.stringify(state)) });
    const before = seen.length;
    slot.configure({ ...DEFAULT_SETTINGS, serverUrl: `http://alice:s3cr3t-pw@${base.slice("http://".length)}/v1` });
    await assert.rejects(slot.ready(), says(/user name or password/, /Set Server API Key/));
    const state = slot.state();
    assert.ok(state.kind === "error" && state.fix === "openSettings", JSON.stringify(state));
    messages.push(JSON.stringify(state));
    for (const message of messages) assert.doesNotMatch(message, /s3cr3t|alice/, message);
    assert.equal(seen.length, before, "no request was made");
    await slot.dispose();
    const backend = new RemoteBackend({ baseUrl: `http://alice:s3cr3t-pw@${base.slice("http://".length)}/v1` });
    await assert.rejects(backend.load(), (error: unknown) => error instanceof BackendError && !/s3cr3t|alice/.test(error.message));
  });

  it("without max tokens an endless stream stops at the context size; empty deltas count too", async () => {
    props = JSON.stringify({ default_generation_settings: { n_ctx: 200 } });
    try {
      scenario = (_req, res) => {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        pump(res, () => sse({ content: "tok " }));
      };
      const turn = await chat();
      assert.equal(turn.stopReason, "maxTokens");
      await closed;
      scenario = (_req, res) => {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        pump(res, () => sse({ tool_calls: [{ index: 0 }] }));
      };
      assert.equal((await chat({ maxTokens: 40 })).stopReason, "maxTokens");
      await closed;
    } finally {
      props = undefined;
    }
  });

  it("Stop ends a turn at once while the first connection to the server still waits for its answer", async () => {
    modelsHang = true;
    try {
      const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
      const controller = new AbortController();
      const listed = seen.length;
      const turn = collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }], signal: controller.signal }));
      const fim = new AbortController();
      const completion = backend.complete({ prefix: "a", suffix: "b", signal: fim.signal });
      while (!seen.slice(listed).some((r) => r.url === "/v1/models")) await new Promise((r) => setImmediate(r));
      controller.abort();
      fim.abort();
      assert.equal((await turn).stopReason, "aborted");
      assert.deepEqual(await completion, { text: "", stopReason: "aborted" });
    } finally {
      modelsHang = false;
      for (const res of held.splice(0)) res.end(models);
    }
  });

  it("Stop ends an endless stream at once: the turn ends as aborted and the connection is closed", async () => {
    scenario = (req, res) => {
      // Only the reply streams for ever: the probes for Ollama's and LM Studio's own paths
      // (/api/version, /api/v0/models) get llama-server's 404. Pumped at too, each was read up to
      // 16 MB before the chat began (5 s of this test in CI, 100 s at load 18); the probes' own
      // limits are the next test's.
      if (req.url !== "/v1/chat/completions") return void res.writeHead(404).end();
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      pump(res, () => sse({ content: "tok " }));
    };
    const controller = new AbortController();
    const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
    const turn = await collectTurn(backend.chat({ messages: [{ role: "user", content: "hi" }], signal: controller.signal }), () => controller.abort());
    assert.equal(turn.stopReason, "aborted");
    await closed;
  });

  it("a server that streams at paths it does not know: the server-kind probes read a little of it, not the 16 MB a body may have", async () => {
    // Ollama's /api/version and LM Studio's /api/v0/models are asked of every server that does
    // not say its context: each was read up to the body limit, seconds on every connection
    // (4.4 s a probe here at load 12). The bytes the backend reads of each answer are counted
    // by passing its fetch through a stream that reads from the real one only when asked.
    const read = new Map<string, number>();
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const response = await realFetch(input, init);
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      const reader = response.body?.getReader();
      if (!reader) return response;
      const counted = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await reader.read();
          if (next.done) return controller.close();
          read.set(path, (read.get(path) ?? 0) + next.value.length);
          controller.enqueue(next.value);
        },
        cancel: (reason) => reader.cancel(reason),
      }, { highWaterMark: 0 });
      return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    scenario = (req, res) => {
      if (req.url === "/v1/chat/completions") return void res.writeHead(200, { "Content-Type": "text/event-stream" }).end(`${sse({ content: "hello" }, "stop")}data: [DONE]\n\n`);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"padding": "');
      pump(res, () => "x".repeat(16 << 10));
    };
    try {
      const turn = await chat();
      assert.equal(turn.message.content, "hello");
      // Each probe was asked, and read some of its answer: at most its limit and one piece more.
      for (const probe of ["/api/version", "/api/v0/models"]) assert.ok(read.has(probe) && read.get(probe)! < 2 << 20, `${probe}: ${read.get(probe)} bytes read`);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it("a server that never answers the server-kind probes' paths (a gateway holding them open) is taken as neither Ollama nor LM Studio after a few seconds each, not the 60 s an answer may take to start", async () => {
    // Each probe waited the 60 s answer-start limit: two minutes added to connecting. The clock
    // is moved by hand; the signal each probe's fetch got shows whether its limit fired.
    const clock = new FakeClock();
    const signals = new Map<string, AbortSignal>();
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      if (init?.signal) signals.set(new URL(input instanceof Request ? input.url : String(input)).pathname, init.signal);
      return realFetch(input, init);
    };
    const holding: ServerResponse[] = [];
    const from = seen.length;
    const asked = (path: string) => seen.slice(from).some((r) => r.url === path);
    scenario = (req, res) => void (req.url === "/api/version" || req.url === "/api/v0/models" ? holding.push(res) : res.writeHead(404).end());
    const backend = new RemoteBackend({ baseUrl: `${base}/v1`, clock });
    const loaded = backend.load();
    try {
      for (const probe of ["/api/version", "/api/v0/models"]) {
        while (!asked(probe) || !signals.has(probe)) await new Promise((r) => setImmediate(r));
        clock.advance(1_000);
        assert.equal(signals.get(probe)!.aborted, false, `${probe} given up after 1 s`);
        clock.advance(9_000);
        assert.equal(signals.get(probe)!.aborted, true, `${probe} still waiting after 10 s`);
      }
      const info = await loaded;
      assert.equal(info.contextSize, 0);
    } finally {
      globalThis.fetch = realFetch;
      scenario = (_req, res) => void res.writeHead(404).end();
      for (const res of holding.splice(0)) res.writeHead(404).end();
      await loaded.catch(() => undefined);
    }
  });

  it("a model list, /props or FIM answer of the wrong shape is an error in words or left out, never a TypeError or a name that is not text", async () => {
    try {
      for (const list of ["null", JSON.stringify({ data: "m" }), JSON.stringify([{ id: "m" }])]) {
        models = list;
        await assert.rejects(new RemoteBackend({ baseUrl: `${base}/v1` }).load(), says(/answered \/v1\/models with JSON that is not a model list/, /check that hearth\.serverUrl/), list);
      }
      models = JSON.stringify({ data: [null, { id: 5 }, { id: "good", meta: { n_ctx_train: "262144" } }] });
      for (const answer of ["null", JSON.stringify({ default_generation_settings: { n_ctx: "4096" } }), JSON.stringify({ default_generation_settings: { n_ctx: -1 } })]) {
        props = answer;
        const backend = new RemoteBackend({ baseUrl: `${base}/v1` });
        const info = await backend.load();
        assert.deepEqual([info.name, info.contextSize, info.trainContextSize], ["good", 0, undefined], answer);
        for (const fim of ["null", JSON.stringify({ content: 5 })]) {
          scenario = (_req, res) => void res.end(fim);
          assert.deepEqual(await backend.complete({ prefix: "a", suffix: "b" }), { text: "", stopReason: "endOfTurn" }, fim);
        }
      }
    } finally {
      models = JSON.stringify({ data: [{ id: "m" }] });
      props = undefined;
    }
  });
});
