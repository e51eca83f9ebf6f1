// ShutdownGate (rpc.ts): the replies the runtime's shutdown cuts off are answered before the
// model is let go, saying why — also one still waiting on a model load, which may take minutes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CancellationTokenSource, ResponseError } from "vscode-languageserver/node";
import { HearthErrorCode } from "../../../src/protocol/lsp-ext.ts";
import { ShutdownGate } from "../../../src/runtime/rpc.ts";

const stopped = (error: unknown) => error instanceof ResponseError && error.code === HearthErrorCode.NotAvailable && /runtime stopped .* send the request again/.test(error.message);

describe("ShutdownGate", () => {
  it("answers a request that never settles (a model load under way) at once when the shutdown begins, and aborts its signal", async () => {
    const gate = new ShutdownGate();
    let seen: AbortSignal | undefined;
    const reply = gate.request(new CancellationTokenSource().token, (signal) => ((seen = signal), new Promise<string>(() => undefined)));
    gate.close();
    await assert.rejects(reply, stopped);
    assert.equal(seen?.aborted, true);
  });

  it("a reply the work ends on its own after the abort (a partial answer) is not taken for an answer", async () => {
    const gate = new ShutdownGate();
    const reply = gate.request(new CancellationTokenSource().token, (signal) => new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve("half a reply"))));
    gate.close();
    await assert.rejects(reply, stopped);
  });

  it("a request the client cancelled first keeps the work's own answer; one finished before keeps its result; one after the shutdown is refused without running", async () => {
    const gate = new ShutdownGate();
    const source = new CancellationTokenSource();
    const cancelled = gate.request(source.token, (signal) => new Promise<string>((_, reject) => signal.addEventListener("abort", () => reject(new Error("cancelled by the client")))));
    const done = await gate.request(new CancellationTokenSource().token, async () => "answer");
    source.cancel();
    gate.close();
    await assert.rejects(cancelled, /cancelled by the client/);
    assert.equal(done, "answer");
    let ran = false;
    await assert.rejects(gate.request(new CancellationTokenSource().token, async () => void (ran = true)), stopped);
    assert.equal(ran, false);
  });
});
