// Inline completions from a llama-server-like server on 127.0.0.1 that gives no answer within
// the time limit: busy (every slot taken, the request queued) or slow (a slot was free, so the
// request was being worked on: a big model on a slow CPU). The engine reads the server's
// `GET /slots` once (llama-server: each slot's `is_processing`; 501 when started with
// `--no-slots`), else its `/health` (503 while the model loads; older versions count
// `slots_idle`). Slow: the "model too slow" status, no second try. All taken, or nothing to
// tell by: waiting, tried again on the backoff as before. Time from a fake clock.
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { SLOT_READ_MS } from "../../../src/completions/server-wait.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import type { CompletionStatus } from "../../../src/protocol/completions.ts";
import type { FakeClock } from "../../fixtures/fake-clock.ts";
import { engineAt, startInfillServer, type InfillServer } from "../../fixtures/infill-server.ts";

type Handler = (res: ServerResponse) => void;

const json = (status: number, body: unknown): Handler => (res) => void res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
const slot = (id: number, processing: boolean) => ({ id, id_task: processing ? 135 + id : -1, n_ctx: 65536, speculative: false, is_processing: processing, params: { n_predict: -1 } });
const NO_SLOTS = json(501, { error: { code: 501, message: "This server does not support slots endpoint. Start it with `--slots`", type: "not_supported_error" } });
const LOADING = json(503, { error: { code: 503, message: "Loading model", type: "unavailable_error" } });
const held: Handler = () => undefined;

describe("completions from a server with no answer within the time limit: slow or busy", () => {
  let server: InfillServer;
  /** How /infill, /slots and /health answer now. */
  let infill: Handler = held;
  let slots: Handler = NO_SLOTS;
  let health: Handler = json(200, { status: "ok" });
  /** Unset: /props is not routed (404, not counted), as for a server that is not llama-server. */
  let props: Handler | undefined;
  const requests = (path: string, count: number): Promise<void> => server.requests(path, count);
  const setUp = () => engineAt(server.base);

  before(async () => {
    server = await startInfillServer((path, _req, res) => {
      const answer = { "/infill": infill, "/slots": slots, "/health": health, "/props": props }[path];
      answer?.(res);
      return answer !== undefined;
    });
  });
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    infill = held;
    slots = NO_SLOTS;
    health = json(200, { status: "ok" });
    props = undefined;
  });

  /** Starts a completion whose /infill gets no answer, and moves the clock past its time limit once the server has it. */
  async function timedOut<T>(clock: FakeClock, complete: () => Promise<T>): Promise<{ pending: Promise<T> }> {
    const pending = complete();
    await requests("/infill", 1);
    clock.advance(3000);
    return { pending };
  }

  async function settled(statuses: readonly CompletionStatus[]): Promise<CompletionStatus> {
    while (statuses.length === 0) await new Promise((r) => setImmediate(r));
    return statuses.at(-1)!;
  }

  it("a server with an idle slot is slow, not busy: one try, then the status says the model is too slow on the server", async () => {
    const { clock, statuses, engine, complete, dispose } = setUp();
    slots = json(200, [slot(0, true), slot(1, false)]);
    const keystroke = new AbortController();
    const { pending } = await timedOut(clock, () => complete(keystroke.signal));
    const said = await settled(statuses);
    if (said.state !== "slow") keystroke.abort(); // busy: the request would wait for the backoff
    assert.equal(said.state, "slow");
    const result = await pending;
    assert.equal(result.text, "");
    assert.equal(result.record.outcome, "empty");
    assert.deepEqual(server.received, { "/infill": 1, "/slots": 1 }, "not tried again, /slots read once, /health not needed");
    assert.equal(statuses.length, 1);
    const status = statuses[0]!;
    assert.equal(status.state, "slow");
    assert.equal((status as { limitMs: number }).limitMs, 3000);
    assert.equal((status as { server?: boolean }).server, true);
    assert.match((status as { reason: string }).reason, /server gave no answer within 3 s.*free/);
    assert.equal(clock.pending(), 0, "no backoff, no timer left behind");
    // The next keystroke asks at once (no backoff to wait for), and its answer clears it.
    infill = json(200, { content: "count", stop_type: "eos" });
    assert.equal((await complete()).text, "count");
    assert.deepEqual(statuses.at(-1), { state: "ready" });
    assert.equal(engine.stats().recent.length, 2);
    await dispose();
  });

  it("a server whose every slot is processing is busy: waiting, tried again after the backoff", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    slots = json(200, [slot(0, true), slot(1, true)]);
    const keystroke = new AbortController();
    const { pending } = await timedOut(clock, () => complete(keystroke.signal));
    const status = await settled(statuses);
    assert.equal(status.state, "waiting");
    assert.match((status as { reason: string }).reason, /gave no answer within 3 s.*slots are taken/);
    assert.equal(server.received["/slots"], 1);
    infill = json(200, { content: "count", stop_type: "eos" });
    while (clock.pending() !== 1) await new Promise((r) => setImmediate(r));
    const again = requests("/infill", 2);
    clock.advance(60_000);
    await again;
    assert.equal((await pending).text, "count");
    assert.deepEqual(statuses.at(-1), { state: "ready" });
    await dispose();
  });

  it("a server with one slot that a chat holds (llama-server -np 1): waiting for the chat, no completion sent while it runs, and the completion shows by itself when it ends", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    slots = json(200, [slot(0, true)]);
    const keystroke = new AbortController();
    const { pending } = await timedOut(clock, () => complete(keystroke.signal));
    const status = await settled(statuses);
    assert.equal(status.state, "waiting");
    assert.equal((status as { oneSlot?: boolean }).oneSlot, true);
    assert.match((status as { reason: string }).reason, /only slot/);
    // The chat goes on for minutes: far past the 8 tries' backoff (about 40 s). Only /slots is read, never a second /infill queued behind the chat.
    for (let minute = 0; minute < 5; minute++) {
      const reads = server.received["/slots"] ?? 0;
      while (clock.pending() !== 1) await new Promise((r) => setImmediate(r));
      clock.advance(60_000);
      await requests("/slots", reads + 1);
    }
    assert.equal(server.received["/infill"], 1, "nothing queued behind the chat");
    assert.ok(server.received["/slots"]! >= 6);
    assert.equal(statuses.at(-1)!.state, "waiting", "still waiting, not given up");
    // A keystroke meanwhile asks nothing of the busy server either: it reads /slots first, at
    // once (a chat that ended while no request waited costs the next keystroke no wait).
    keystroke.abort();
    assert.equal((await pending).record.outcome, "cancelled");
    const reads = server.received["/slots"]!;
    const next = complete();
    while (clock.pending() !== 1) await new Promise((r) => setImmediate(r));
    assert.equal(server.received["/slots"], reads + 1, "read before waiting");
    assert.equal(server.received["/infill"], 1, "the next keystroke did not queue a completion behind the chat");
    // The chat ends: the slot is free, the completion is asked and shows without another keystroke.
    slots = json(200, [slot(0, false)]);
    infill = json(200, { content: "count", stop_type: "eos" });
    while (clock.pending() !== 1) await new Promise((r) => setImmediate(r));
    clock.advance(60_000);
    assert.equal((await next).text, "count");
    assert.equal(server.received["/infill"], 2);
    assert.deepEqual(statuses.at(-1), { state: "ready" });
    assert.equal(clock.pending(), 0);
    await dispose();
  });

  it("a slow model on a one-slot server with no chat: a try sent right after /slots showed the slot free, which its own cancelled task still holds at the read, is slow, not 'waiting for the chat' tried 8 times", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    const waits: number[] = [];
    const setTimer = clock.setTimeout.bind(clock);
    clock.setTimeout = (run, ms) => (waits.push(ms), setTimer(run, ms));
    // llama-server drops a closed request's task from the slot only within a second: the read
    // right after the time limit still shows it processing; the next read finds the slot free.
    let ownTask = false;
    infill = () => void (ownTask = true);
    slots = (res) => {
      const taken = ownTask;
      ownTask = false;
      json(200, [slot(0, taken)])(res);
    };
    const keystroke = new AbortController();
    let done = false;
    const pending = complete(keystroke.signal).finally(() => (done = true));
    await requests("/infill", 1);
    clock.advance(3000);
    // The first try cannot tell its own task from a chat's: it waits for the slot once.
    assert.equal((await settled(statuses)).state, "waiting");
    while (clock.pending() !== 1) await new Promise((r) => setImmediate(r));
    clock.advance(1000);
    await requests("/infill", 2);
    clock.advance(3000);
    await requests("/slots", 3);
    // After its answer the request ends, or waits for the slot again (a second SLOT_READ_MS wait).
    while (!done && waits.filter((ms) => ms === SLOT_READ_MS).length < 2) await new Promise((r) => setImmediate(r));
    if (!done) keystroke.abort(); // still waiting for a chat there is none of
    const result = await pending;
    assert.equal(statuses.at(-1)!.state, "slow", JSON.stringify(statuses.at(-1)));
    assert.equal((statuses.at(-1) as { server?: boolean }).server, true);
    assert.match((statuses.at(-1) as { reason: string }).reason, /only slot was free/);
    assert.equal(result.record.outcome, "empty");
    assert.equal(server.received["/infill"], 2, "not sent again and again to a model that is only slow");
    assert.equal(clock.pending(), 0);
    await dispose();
  });

  for (const [what, set, reads] of [
    ["/slots disabled (--no-slots: 501) and a /health that only says ok", () => undefined, { "/infill": 1, "/slots": 1, "/health": 1 }],
    ["/slots disabled and /health 503 (the model loading)", () => void (health = LOADING), { "/infill": 1, "/slots": 1, "/health": 1 }],
    ["neither (another server: 404)", () => void (slots = health = json(404, { error: "not found" })), { "/infill": 1, "/slots": 1, "/health": 1 }],
    ["/slots without is_processing (unknown shape)", () => void (slots = json(200, [{ id: 0, state: 1 }])), { "/infill": 1, "/slots": 1, "/health": 1 }],
  ] as const) {
    it(`a server that cannot tell — ${what} — is busy as before: waiting, tried again`, async () => {
      const { clock, statuses, complete, dispose } = setUp();
      set();
      const keystroke = new AbortController();
      const { pending } = await timedOut(clock, () => complete(keystroke.signal));
      const status = await settled(statuses);
      assert.equal(status.state, "waiting");
      assert.match((status as { reason: string }).reason, /gave no answer within 3 s/);
      assert.deepEqual(server.received, reads);
      keystroke.abort();
      assert.equal((await pending).record.outcome, "cancelled");
      assert.equal(clock.pending(), 0);
      await dispose();
    });
  }

  it("a one-slot server that does not list its slots (--no-slots) is busy as before, and the status says its one slot (/props total_slots) and how to give completions their own", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    props = json(200, { default_generation_settings: { n_ctx: 8192 }, total_slots: 1 });
    const keystroke = new AbortController();
    const { pending } = await timedOut(clock, () => complete(keystroke.signal));
    const status = await settled(statuses);
    assert.equal(status.state, "waiting");
    assert.equal((status as { oneSlot?: boolean }).oneSlot, undefined, "whether a chat holds it or the model is slow, it cannot tell");
    assert.match((status as { reason: string }).reason, /one slot.*-np 2/);
    keystroke.abort();
    assert.equal((await pending).record.outcome, "cancelled");
    assert.equal(clock.pending(), 0);
    await dispose();
  });

  it("an older llama-server's /health counting an idle slot (slots_idle) tells slow as well", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    health = json(200, { status: "ok", slots_idle: 1, slots_processing: 1 });
    const keystroke = new AbortController();
    const { pending } = await timedOut(clock, () => complete(keystroke.signal));
    const said = await settled(statuses);
    if (said.state !== "slow") keystroke.abort();
    assert.equal(said.state, "slow");
    assert.equal((await pending).record.outcome, "empty");
    assert.equal(server.received["/infill"], 1);
    await dispose();
  });

  it("a /slots that does not answer either is cut at the time limit, and the server is busy as before", async () => {
    // llama-server answers /slots from its main loop, between batches: a loaded one may not in time.
    const { clock, statuses, complete, dispose } = setUp();
    slots = held;
    const keystroke = new AbortController();
    const { pending } = await timedOut(clock, () => complete(keystroke.signal));
    await requests("/slots", 1);
    assert.equal(statuses.length, 0, "nothing said before the server could tell");
    clock.advance(3000);
    const status = await settled(statuses);
    assert.equal(status.state, "waiting");
    assert.equal(server.received["/health"], undefined, "the time for telling is spent");
    keystroke.abort();
    await pending;
    assert.equal(clock.pending(), 0);
    await dispose();
  });

  it("a completion typed over while the server works on it is cancelled at the server: its connection closes, which frees llama-server's slot", { timeout: 20_000 }, async () => {
    const { statuses, complete, dispose } = setUp();
    let closed: () => void = () => undefined;
    const connectionClosed = new Promise<void>((r) => (closed = r));
    infill = (res) => void res.on("close", () => closed());
    const keystroke = new AbortController();
    const pending = complete(keystroke.signal);
    await requests("/infill", 1);
    keystroke.abort();
    assert.equal((await pending).record.outcome, "cancelled");
    await connectionClosed;
    assert.deepEqual(statuses, [], "a cancelled request says nothing about the server");
    assert.equal(server.received["/slots"], undefined, "nor asks it anything more");
    await dispose();
  });

  it("a keystroke while /slots is read ends the request at once, with no status and no second try", async () => {
    const { clock, statuses, complete, dispose } = setUp();
    slots = held;
    const keystroke = new AbortController();
    const { pending } = await timedOut(clock, () => complete(keystroke.signal));
    await requests("/slots", 1);
    keystroke.abort();
    assert.equal((await pending).record.outcome, "cancelled");
    assert.deepEqual(statuses, []);
    assert.equal(server.received["/infill"], 1);
    assert.equal(clock.pending(), 0);
    await dispose();
  });
});

describe("the slot probe behind a proxy's path prefix and an API key", () => {
  it("reads /slots under the prefix of hearth.serverUrl, with the key llama-server asks for there", async () => {
    // llama-server started with --api-key answers 401 to a /slots without it; a proxy serving it at /llama/ knows no /slots at its root.
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? "(no key)"}`);
      if (req.url === "/llama/health") return json(200, { status: "ok" })(res);
      if (req.url !== "/llama/slots") return json(404, { error: "not found" })(res);
      if (req.headers.authorization !== "Bearer k1") return json(401, { error: { code: 401, message: "Invalid API Key", type: "authentication_error" } })(res);
      json(200, [slot(0, true), slot(1, false)])(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const baseUrl of [`${origin}/llama/v1`, `${origin}/llama/`]) {
        assert.equal(await new RemoteBackend({ baseUrl, apiKey: "k1" }).slotFree(new AbortController().signal), true, baseUrl);
      }
      assert.deepEqual(seen, ["/llama/slots Bearer k1", "/llama/slots Bearer k1"]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
