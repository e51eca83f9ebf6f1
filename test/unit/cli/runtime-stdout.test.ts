// Nothing but the runtime's connection should write to its stdout, but native code can: a
// library's printf (ggml, a GPU driver) is out of reach of the runtime's console redirect. One
// such line before a frame made vscode-jsonrpc read it as a header ("Header must provide a
// Content-Length property"), and every message after it was lost: each request waited for good.
// The client now passes on whole frames only and keeps what else came on stdout in the log.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";

const RUNTIME = resolve(import.meta.dirname, "../../fixtures/runtime/stdout-runtime.mjs");

it("a stray write to the runtime's stdout loses no message, and is kept in its log", async () => {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} } });
  try {
    const after: number[] = [];
    const all = new Promise<void>((done) =>
      runtime.connection.onNotification("hearth/test/after", ({ n }: { n: number }) => {
        after.push(n);
        if (n === 4) done();
      }),
    );
    const strays = ["ggml_vulkan: Found 1 Vulkan devices:\n", "no line end ", "Content-Length: x\r\n\r\n", "Content-Length: 12"];
    for (const text of strays) await runtime.connection.sendNotification("hearth/test/stdout", { text });
    await all;
    assert.deepEqual(after, [1, 2, 3, 4]);
    assert.equal(await runtime.connection.sendRequest("hearth/test/ping"), "pong");
    assert.match(runtime.log(), /ggml_vulkan: Found 1 Vulkan devices:/);
    assert.match(runtime.log(), /no line end/);
  } finally {
    await runtime.close(1000);
  }
});
