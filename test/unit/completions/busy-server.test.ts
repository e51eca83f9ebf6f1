// Inline completions from a llama-server-like server on 127.0.0.1 that cannot answer now:
// busy (503 "Loading model", 429), queueing the request behind another client's (no answer
// within the time limit), or broken (an empty or HTML body, a body that never ends). The
// completion status says why nothing shows, a busy server is tried again on a backoff (time
// from a fake clock, so a bounded number of tries), and completions come back by themselves
// once it answers.
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { CompletionEngine, type CompletionDocument } from "../../../src/completions/engine.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { CompletionStatus } from "../../../src/protocol/completions.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";
import { engineAt, startInfillServer, type InfillServer } from "../../fixtures/infill-server.ts";
import { tempDir } from "../../fixtures/temp.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const BUSY_BODY = JSON.stringify({ error: { code: 503, message: "Loading model", type: "unavailable_error" } });
const answer = (content: string): Handler => (_req, res) => void res.end(JSON.stringify({ content, stop_type: "eos" }));
const busy: Handler = (_req, res) => void res.writeHead(503, { "Content-Type": "application/json" }).end(BUSY_BODY);

describe("completions behind a server that cannot answer now", () => {
  let server: InfillServer;
  /** How /infill answers now. */
  let infill: Handler = answer("");
  const received = (): number => server.received["/infill"] ?? 0;
  const requests = (count: number): Promise<void> => server.requests("/infill", count);
  const setUp = () => engineAt(server.base);

  before(async () => {
    server = await startInfillServer((path, req, res) => {
      if (path !== "/infill") return false;
      infill(req, res);
      return true;
    });
  });
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    infill = answer("");
  });

  /**
   * Once the engine waits to try again (its status says waiting, its one timer is the
   * backoff's), moves the clock past it and waits for the try to reach the server.
   */
  async function nextTry(clock: FakeClock, statuses: readonly CompletionStatus[], count: number): Promise<void> {
    while (statuses.at(-1)?.state !== "waiting" || clock.pending() !== 1) await new Promise((r) => setImmediate(r));
    const reached = requests(count);
    clock.advance(60_000);
    await reached;
  }

  it("a server that answers 503 (its slot busy, its model loading): the status says so, and the same request shows the completion once it frees", async () => {
    const { clock, statuses, engine, complete, dispose } = setUp();
    infill = busy;
    const pending = complete();
    await requests(1);
    while (statuses.length === 0) await new Promise((r) => setImmediate(r));
    assert.equal(statuses[0]!.state, "waiting");
    assert.match((statuses[0] as { reason: string }).reason, /busy/);
    assert.match((statuses[0] as { reason: string }).reason, /Loading model/);
    assert.equal(received(), 1, "no second try before the backoff has passed");
    infill = answer("items.length");
    await nextTry(clock, statuses, 2);
    const result = await pending;
    assert.equal(result.text, "items.length");
    assert.deepEqual(statuses.at(-1), { state: "ready" });
    assert.equal(engine.stats().recent.at(-1)!.outcome, "model");
    await dispose();
  });

  it("a server that stays busy is tried a bounded number of times, then the request answers nothing and the status still says why", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    infill = busy;
    const pending = complete();
    let done = false;
    void pending.then(() => (done = true));
    for (let i = 0; i < 1000 && !done; i++) {
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
      if (!done) await new Promise((r) => setTimeout(r, 5));
    }
    const result = await pending;
    assert.equal(result.text, "");
    assert.equal(result.record.outcome, "busy");
    assert.ok(received() > 1 && received() <= 8, `tried ${received()} times`);
    // Nothing tries again before the next keystroke: "waiting", whose words say completions
    // come back on their own, would stay up for good once the server frees.
    assert.equal(statuses.at(-1)!.state, "busy");
    // The loop above may move the clock past a try's time limit too: either reason is busy.
    assert.match((statuses.at(-1) as { reason: string }).reason, /503 for \/infill: Loading model|gave no answer within 3 s/);
    assert.equal(clock.pending(), 0, "no timer left behind");
    await dispose();
  });

  it("a request cancelled by the next keystroke while it waits to try again ends at once, without another try", async () => {
    const { clock, complete, dispose } = setUp();
    infill = busy;
    const keystroke = new AbortController();
    const pending = complete(keystroke.signal);
    await requests(1);
    keystroke.abort();
    const result = await pending;
    assert.equal(result.record.outcome, "cancelled");
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(received(), 1);
    assert.equal(clock.pending(), 0);
    await dispose();
  });

  it("a system clock set back while a busy server's backoff runs delays the next try by at most the longest backoff, not by the jump", async () => {
    // The backoff's deadline is on the wall clock (Date.now()): an NTP step or a resumed laptop
    // can move it back an hour, which would have held every completion for that hour.
    const { clock, statuses, complete, dispose } = setUp();
    infill = busy;
    const first = new AbortController();
    const pending = complete(first.signal);
    await requests(1);
    while (statuses.length === 0) await new Promise((r) => setImmediate(r));
    first.abort();
    assert.equal((await pending).record.outcome, "cancelled");
    clock.set(clock.now() - 3_600_000);
    infill = answer("count");
    const keystroke = new AbortController();
    const next = complete(keystroke.signal);
    try {
      while (clock.pending() !== 1) await new Promise((r) => setImmediate(r));
      clock.advance(8000);
      assert.equal(clock.pending(), 0, "the backoff has passed 8 s later");
      assert.equal((await next).text, "count");
    } finally {
      keystroke.abort();
      await next;
      await dispose();
    }
  });

  it("a server that queues the request behind another client's (no answer within the time limit): waiting, then the completion when it answers", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    infill = () => undefined; // held: llama-server queues a request while its only slot is taken
    const pending = complete();
    await requests(1);
    clock.advance(3000);
    while (statuses.length === 0) await new Promise((r) => setImmediate(r));
    assert.equal(statuses[0]!.state, "waiting");
    assert.match((statuses[0] as { reason: string }).reason, /gave no answer within 3 s/);
    infill = answer("count");
    await nextTry(clock, statuses, 2);
    assert.equal((await pending).text, "count");
    assert.deepEqual(statuses.at(-1), { state: "ready" });
    await dispose();
  });

  it("a body that never ends is a request without an answer, cut at the time limit", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    infill = (_req, res) => void res.writeHead(200, { "Content-Type": "application/json" }).write('{"content": "a');
    const pending = complete();
    await requests(1);
    clock.advance(3000);
    while (statuses.length === 0) await new Promise((r) => setImmediate(r));
    assert.equal(statuses[0]!.state, "waiting");
    infill = answer("count");
    await nextTry(clock, statuses, 2);
    assert.equal((await pending).text, "count");
    await dispose();
  });

  for (const [what, handler, words] of [
    ["200 with an empty body", (_req: IncomingMessage, res: ServerResponse) => void res.end(), /not JSON/],
    ["200 with an HTML page", (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(200, { "Content-Type": "text/html" }).end("<html><body>Welcome</body></html>"), /not JSON/],
    ["a proxy's 502 error page", (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(502, { "Content-Type": "text/html" }).end("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"), /502.*Bad Gateway/],
  ] as const) {
    it(`a server that answers ${what}: the status says what it answered, and the next answer clears it`, async () => {
      const { statuses, engine, complete, dispose } = setUp();
      infill = handler;
      const result = await complete();
      assert.equal(result.text, "");
      assert.equal(result.record.outcome, "error");
      assert.equal(received(), 1, "not tried again: waiting would not change what it answers");
      assert.equal(statuses.at(-1)!.state, "failing");
      assert.match((statuses.at(-1) as { reason: string }).reason, words);
      infill = answer("count");
      assert.equal((await complete()).text, "count");
      assert.deepEqual(statuses.at(-1), { state: "ready" });
      assert.equal(engine.stats().recent.length, 2);
      await dispose();
    });
  }
});

describe("a model on this machine that gives no answer within the time limit", () => {
  it("is slow, not busy: the request answers nothing at once, with no second try, and the status says the model is too slow", async () => {
    // A time limit of 0 on a clock that runs such a timer at once: the limit has passed
    // before the scripted model (a real backend) is asked, and it throws as aborted.
    const clock = new (class extends FakeClock {
      override setTimeout(run: () => void, ms: number): unknown {
        if (ms > 0) return super.setTimeout(run, ms);
        run();
        return 0;
      }
    })();
    const path = join(tempDir("hearth-slow-model-"), "model.json");
    writeFileSync(path, JSON.stringify({ turns: [], completions: ["count", "count"] }));
    const backend = new ScriptedBackend(path);
    let asked = 0;
    const statuses: CompletionStatus[] = [];
    const model = async () => ((asked += 1), { backend, which: "main" as const });
    const engine = new CompletionEngine({ model, debounce: { initialMs: 0, minMs: 0 }, clock, timeLimitMs: 0, onStatus: (s) => statuses.push(s) });
    const doc: CompletionDocument = { uri: "file:///w/a.ts", path: "a.ts", text: "const n = ;\n", version: 1, inFolder: false };
    const result = await engine.complete(doc, { line: 0, character: 10 }, new AbortController().signal);
    assert.equal(result.text, "");
    assert.equal(result.record.outcome, "empty");
    assert.equal(asked, 1, "not tried again");
    assert.deepEqual(statuses, [{ state: "slow", reason: "the model on this machine gave no answer within 0 s", limitMs: 0 }], "nothing to wait for, but the user learns why nothing shows");
    assert.equal(clock.pending(), 0);
    await backend.dispose();
  });
});
