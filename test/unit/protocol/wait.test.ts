// The one cancellable wait of src/protocol/wait.ts, which inline completions (debounce, a busy
// server's backoff, the context lookup's limit) and the model download's pause between tries use.
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, it } from "node:test";
import { answerAfterStop, unlessAborted, wait } from "../../../src/protocol/wait.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

describe("wait", () => {
  it("resolves false as soon as the request is cancelled, true once the time has passed", async () => {
    const controller = new AbortController();
    const pending = wait(10_000, controller.signal);
    controller.abort();
    assert.equal(await pending, false);
    assert.equal(await wait(1, undefined), true);
  });

  it("runs on the clock it is given: done when that clock has moved on, its timer cleared by a cancel", async () => {
    const clock = new FakeClock();
    let done: boolean | undefined;
    void wait(5000, undefined, clock).then((d) => (done = d));
    clock.advance(4999);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, undefined);
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, true);
    const controller = new AbortController();
    const cancelled = wait(5000, controller.signal, clock);
    assert.equal(clock.pending(), 1);
    controller.abort();
    assert.equal(await cancelled, false);
    assert.equal(clock.pending(), 0, "no timer left behind");
  });

  it("leaves no abort listener on the request's signal, whether its time passed or the signal fired", async () => {
    // A long-lived signal (one request's, waited on many times) would otherwise gather one per wait.
    const clock = new FakeClock();
    const request = new AbortController();
    const passed = wait(100, request.signal, clock);
    assert.equal(getEventListeners(request.signal, "abort").length, 1);
    clock.advance(100);
    assert.equal(await passed, true);
    assert.equal(getEventListeners(request.signal, "abort").length, 0, "removed when the time passed");
    const cut = wait(100, request.signal, clock);
    request.abort();
    assert.equal(await cut, false);
    assert.equal(getEventListeners(request.signal, "abort").length, 0, "removed when the signal fired");
    assert.equal(clock.pending(), 0);
  });

  it("does not wait when the signal has fired already, nor for no time", async () => {
    const clock = new FakeClock();
    assert.equal(await wait(5000, AbortSignal.abort(), clock), false);
    assert.equal(await wait(0, undefined, clock), true);
    assert.equal(clock.pending(), 0);
  });
});

describe("unlessAborted", () => {
  it("gives the promise's value, or undefined as soon as the signal fires, and leaves no listener behind", async () => {
    const controller = new AbortController();
    assert.equal(await unlessAborted(Promise.resolve(7), controller.signal), 7);
    await assert.rejects(unlessAborted(Promise.reject(new Error("no")), controller.signal), /no/);
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
    const never = new Promise<number>(() => undefined);
    const pending = unlessAborted(never, controller.signal);
    assert.equal(getEventListeners(controller.signal, "abort").length, 1);
    controller.abort();
    assert.equal(await pending, undefined);
    assert.equal(await unlessAborted(Promise.resolve(7), controller.signal), undefined, "already aborted");
  });
});

describe("answerAfterStop", () => {
  const late = () => new Error("not answered since the stop");
  it("waits for the answer as long as it takes until the stop, then for graceMs more, then fails with late()", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const answer = answerAfterStop(new Promise<string>(() => undefined), controller.signal, 5_000, late, clock);
    let failed: unknown;
    answer.catch((error: unknown) => (failed = error));
    assert.equal(clock.pending(), 0); // no timer before the stop: a run may take hours
    controller.abort();
    clock.advance(4_999);
    await Promise.resolve();
    assert.equal(failed, undefined);
    clock.advance(1);
    await assert.rejects(answer, /not answered since the stop/);
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
  });

  it("gives the answer that comes in time, before or after the stop, and leaves no timer or listener behind", async () => {
    const clock = new FakeClock();
    const before = new AbortController();
    assert.equal(await answerAfterStop(Promise.resolve("done"), before.signal, 5_000, late, clock), "done");
    assert.equal(getEventListeners(before.signal, "abort").length, 0);
    const after = new AbortController();
    let answered!: (value: string) => void;
    const answer = answerAfterStop(new Promise<string>((resolve) => (answered = resolve)), after.signal, 5_000, late, clock);
    after.abort();
    clock.advance(1_000);
    answered("stopped");
    assert.equal(await answer, "stopped");
    assert.equal(clock.pending(), 0);
    const failing = new AbortController();
    await assert.rejects(answerAfterStop(Promise.reject(new Error("its own error")), failing.signal, 5_000, late, clock), /its own error/);
  });
});
