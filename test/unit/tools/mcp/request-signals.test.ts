/**
 * What an MCP call leaves on the signals it was given (a run's, the runtime's shutdown through
 * it, the connection's own for a message too large) once it is answered: nothing. The SDK
 * adds an abort listener to a request's signal and never removes it, so a later abort (Stop
 * later in the run, the runtime's shutdown) cancelled every call long answered, and a tool
 * list read again and again (tools/list_changed) piled listeners on one signal. Against a
 * hand-written stdio server (test/fixtures/mcp/cancel-count-server.mjs) that counts the
 * cancellations it gets, in order with the calls; no clock.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, type TestContext } from "node:test";
import { parseMcpConfig } from "../../../../src/tools/mcp/config.ts";
import { McpConnection } from "../../../../src/tools/mcp/connection.ts";

async function openCounting(t: TestContext): Promise<McpConnection> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-mcp-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const entry = { command: process.execPath, args: [fileURLToPath(new URL("../../../fixtures/mcp/cancel-count-server.mjs", import.meta.url))] };
  const config = parseMcpConfig(JSON.stringify({ servers: { counting: entry } }), { workspaceFolder: dir, source: "test" });
  const connection = await McpConnection.open(config.servers[0]!);
  t.after(() => connection.close());
  return connection;
}

async function counts(connection: McpConnection): Promise<{ cancels: number; lists: number }> {
  const result = await connection.call("cancels", {}, new AbortController().signal);
  return JSON.parse((result.content[0] as { text: string }).text) as { cancels: number; lists: number };
}

describe("MCP calls and the signals they were given", () => {
  it("cancels no call already answered when the run's signal or the runtime's shutdown fires later", { timeout: 60_000 }, async (t) => {
    const connection = await openCounting(t);
    const shutdown = new AbortController();
    const stop = new AbortController();
    // As the runtime gives a run's tools: the user's Stop or the runtime's shutdown.
    const run = AbortSignal.any([stop.signal, shutdown.signal]);
    for (let i = 0; i < 12; i++) await connection.call("answer", {}, run);
    stop.abort();
    assert.equal((await counts(connection)).cancels, 0, "a Stop after the calls were answered");
    const next = AbortSignal.any([new AbortController().signal, shutdown.signal]);
    for (let i = 0; i < 12; i++) await connection.call("answer", {}, next);
    shutdown.abort();
    assert.equal((await counts(connection)).cancels, 0, "the shutdown after the calls were answered");
  });

  it("still cancels the call in flight when its run is stopped", { timeout: 60_000 }, async (t) => {
    const connection = await openCounting(t);
    const stop = new AbortController();
    const call = connection.call("answer", {}, stop.signal);
    stop.abort();
    await assert.rejects(call);
    assert.equal((await counts(connection)).cancels, 1);
  });

  it("leaves no listener per tool list read again: no MaxListenersExceededWarning after a dozen tools/list_changed", { timeout: 60_000 }, async (t) => {
    const connection = await openCounting(t);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    t.after(() => process.off("warning", onWarning));
    for (let i = 0; i < 12; i++) {
      await connection.call("changed", {}, new AbortController().signal);
      await connection.toolsSettled();
    }
    const { lists } = await counts(connection);
    assert.equal(lists, 13, "the first listing and one per tools/list_changed");
    // Node emits the warning on the next tick after the 11th listener.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.filter((w) => /abort listeners/.test(w)), []);
  });
});
