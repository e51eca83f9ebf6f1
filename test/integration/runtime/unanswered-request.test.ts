// A chat turn (or any request) under way when the runtime is killed (the OOM killer during a
// generation) is rejected by vscode-jsonrpc as the language client disposes the dead connection,
// with "Pending response rejected since connection got disposed": the chat showed that as why its
// run stopped. The extension tells that rejection from the runtime's own answers and says the
// runtime stopped instead (RuntimeClient.request; the wording needs a workbench).
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { it } from "node:test";
import { ErrorCodes, ResponseError } from "vscode-languageserver-protocol/node";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { unansweredByEnd } from "../../../src/extension/runtime-start.ts";

// Answers initialize and hearth/test/ping; never answers anything else.
const RUNTIME = resolve(import.meta.dirname, "../../fixtures/runtime/stdout-runtime.mjs");

it("tells a request the killed runtime never answered from one it answered", async () => {
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} } });
  const closed = new Promise<void>((done) => runtime.connection.onClose(() => done()));
  assert.equal(await runtime.connection.sendRequest("hearth/test/ping"), "pong");
  const pending = runtime.connection.sendRequest("hearth/agent/run", { text: "refactor it" }).then(() => undefined, (error: unknown) => error);
  // Written and read before the kill (writes go in order): a kill before it was written fails the write instead.
  assert.equal(await runtime.connection.sendRequest("hearth/test/ping"), "pong");
  runtime.child.kill("SIGKILL");
  await closed;
  runtime.connection.dispose(); // as vscode-languageclient does with a connection that closed
  const error = await pending;
  assert.equal(unansweredByEnd(error), true, String(error));
  assert.equal(unansweredByEnd(new Error("the runtime's own answer")), false);
  assert.equal(unansweredByEnd(undefined), false);
});

it("tells a request that could not be written to the runtime's closed pipe from one it answered", async () => {
  // A request sent as the runtime dies (before its end is noticed) fails writing: 'write EPIPE',
  // 'Cannot call write after a stream was destroyed', which the chat showed as why its run stopped.
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} } });
  try {
    runtime.child.stdin!.destroy();
    const error = await runtime.connection.sendRequest("hearth/agent/run", { text: "refactor it" }).then(() => undefined, (failure: unknown) => failure);
    assert.equal(unansweredByEnd(error), true, String(error));
  } finally {
    runtime.child.kill("SIGKILL");
    await runtime.exited;
  }
});

it("tells a request sent once the runtime's end was noticed from one it answered", async () => {
  // The connection (or vscode-languageclient, 'Client is not running') saw the close before
  // RuntimeClient heard of the exit: a chat message sent then was refused in the library's words.
  const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} } });
  const closed = new Promise<void>((done) => runtime.connection.onClose(() => done()));
  runtime.child.kill("SIGKILL");
  await closed;
  // vscode-jsonrpc throws at once here; vscode-languageclient's sendRequest (async) rejects with it.
  const send = () =>
    Promise.resolve()
      .then(() => runtime.connection.sendRequest("hearth/agent/run", { text: "refactor it" }))
      .then(() => undefined, (failure: unknown) => failure);
  const afterClose = await send();
  assert.equal(unansweredByEnd(afterClose), true, String(afterClose));
  runtime.connection.dispose();
  const afterDispose = await send();
  assert.equal(unansweredByEnd(afterDispose), true, String(afterDispose));
  // vscode-languageclient's own refusal once it is stopped (client.js sendRequest): built as it builds it.
  const notRunning = new ResponseError(ErrorCodes.ConnectionInactive, "Client is not running");
  assert.equal(unansweredByEnd(notRunning), true);
  assert.equal(unansweredByEnd(new ResponseError(ErrorCodes.InternalError, "the runtime's own answer")), false);
  await runtime.exited;
});
