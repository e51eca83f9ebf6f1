/**
 * UnansweredCount (unanswered.ts): which of a server's messages answer a request of Hearth's,
 * for the requests Hearth gave up on (timed out, cancelled) too. Messages as the SDK sends them.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { FloodLimitedTransport, UnansweredCount } from "../../../../src/tools/mcp/unanswered.ts";

const request = (id: number): JSONRPCMessage => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "slow" } });
/** What the SDK sends when a request times out or its signal aborts. */
const cancelled = (id: number): JSONRPCMessage => ({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id, reason: "Request timed out" } });
const answer = (id: number): JSONRPCMessage => ({ jsonrpc: "2.0", id, result: { content: [] } });

describe("UnansweredCount", () => {
  it("counts a late answer to a request Hearth cancelled as an answer, once", () => {
    const count = new UnansweredCount(() => 0);
    count.sent(request(1));
    count.sent(cancelled(1));
    assert.equal(count.received(answer(1)), "answer");
    assert.equal(count.received(answer(1)), "other");
  });

  it("keeps no id of a request given up on for the connection's life: only the last 100 cancelled", () => {
    // Without the fix every timed-out or cancelled call's id stayed recorded until the connection closed.
    const count = new UnansweredCount(() => 0);
    for (let id = 1; id <= 1000; id++) {
      count.sent(request(id));
      count.sent(cancelled(id));
    }
    assert.equal(count.received(answer(1)), "other");
    assert.equal(count.received(answer(900)), "other");
    assert.equal(count.received(answer(901)), "answer");
    assert.equal(count.received(answer(1000)), "answer");
  });

  it("forgets a request whose answer came some other way, keeping it for a late answer like a cancelled one", () => {
    const count = new UnansweredCount(() => 0);
    for (let id = 1; id <= 200; id++) {
      count.sent(request(id));
      count.forget(id);
    }
    assert.equal(count.received(answer(1)), "other");
    assert.equal(count.received(answer(200)), "answer");
  });

  it("lets a long call stream notifications below 20,000 a minute for as long as it runs, and stops one at 20,000 within a minute", () => {
    // Hearth sends no progressToken (callTool has no onprogress), so each such notification counts.
    const progress: JSONRPCMessage = { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "never-given", progress: 1 } };
    let clock = 0;
    const steady = new UnansweredCount(() => (clock += 4)); // 250 a second, 15,000 a minute
    steady.sent(request(1));
    for (let i = 0; i < 100_000; i++) assert.equal(steady.received(progress), "other");
    assert.equal(steady.received(answer(1)), "answer");
    const flood = new UnansweredCount(() => 0);
    for (let i = 1; i < 20_000; i++) assert.equal(flood.received(progress), "other");
    assert.equal(flood.received(progress), "flood");
  });

  it("leaves the count alone for a cancellation of an id it never sent", () => {
    const count = new UnansweredCount(() => 0);
    count.sent(cancelled(7));
    assert.equal(count.received(answer(7)), "other");
  });
});

describe("FloodLimitedTransport", () => {
  it("forgets a request it could not send (the SDK fails it without a cancellation)", { timeout: 30_000 }, async () => {
    // A port nothing listens on: every POST is refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const transport = new FloodLimitedTransport(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)), () => 0);
    transport.onerror = () => undefined;
    await transport.start();
    try {
      for (let id = 1; id <= 101; id++) await assert.rejects(transport.send(request(id)));
      // Without the fix the ids of the requests never sent stayed awaited for the connection's life.
      assert.equal(transport.unanswered.received(answer(1)), "other");
      assert.equal(transport.unanswered.received(answer(101)), "answer");
    } finally {
      await transport.close();
    }
  });
});
