import { Worker } from "node:worker_threads";
import { holdRead } from "./held-reads.ts";
import { LanguageRegistry } from "./languages.ts";
import { parseFile, type ParseJob, type ParseSettings } from "./parse-file.ts";
import { READ_STATE, type ParseWorkerInit } from "./parse-worker.ts";
import { CALL_DEADLINE_MS } from "./scan-fs.ts";
import type { ParseOutcome } from "./types.ts";

/** Something that turns files into records: a worker pool or the calling thread. */
export interface FileParser {
  parse(job: ParseJob): Promise<ParseOutcome>;
  /** Resolves once the parsers are started (worker threads listening). */
  ready(): Promise<void>;
  /**
   * Stops workers; pending parses resolve as skipped. Resolves with a line for the log when
   * threads are left held in reads with no answer (they end when the reads return).
   */
  close(): Promise<string | undefined>;
}

/** How to run parses off the calling thread. */
export interface WorkerOptions {
  /**
   * Path or URL of the worker entry: `worker-entry.ts` bundled (`out/indexer-worker.mjs`),
   * or test/unit/indexer/helpers/tsx-worker.mjs from sources. Passed in, never guessed.
   */
  readonly script: string | URL;
  /** Number of worker threads (default: available parallelism, at most 4). */
  readonly count?: number;
}

interface Pending {
  readonly job: ParseJob;
  readonly resolve: (outcome: ParseOutcome) => void;
  /** Sent again alone, to an idle worker, after a worker died with it in flight. */
  readonly alone?: boolean;
  /** Was in flight beside a read given up: held by it, not by a read of its own. */
  readonly mate?: boolean;
  /** Sent once more after MAX_STALLED_READS, as a mate: beside another such read it is not tried again. */
  readonly lastTry?: boolean;
}

interface Slot {
  worker: Worker;
  /** Batches sent and not answered yet, by message id. */
  readonly inFlight: Map<number, Pending[]>;
  /** Jobs in those batches. */
  jobs: number;
  ready: Promise<void>;
  /** Parsing one retried file and nothing else: if it dies now, that file is why. */
  solo: boolean;
  /** Where the worker says which read it is in (READ_STATE). */
  readState: Int32Array;
  /** The read the last check found going on (its `seq`), or -1. */
  seenRead: number;
  /** The worker said it listens: a death before that is the entry's, not a file's. */
  started: boolean;
  /** Not replaced after it died: the entry cannot start. */
  dead: boolean;
}

// Jobs go out in batches (one message per batch each way: per-message costs dominate with
// small files), and two batches per worker keep it busy while the other is answered.
const BATCH = 8;
const PER_WORKER = 2 * BATCH;
const CLOSE_GRACE_MS = 5000;
/**
 * Threads left in a read with no answer after which no more files are sent: each such
 * thread stays until the mount answers, and on a mount that stopped answering every read would
 * hold one more (as the scan's file calls: scan-fs.ts).
 */
const MAX_STALLED_READS = 2;
/**
 * Workers in a row that die before they listen after which none is started again: the entry
 * itself fails (a grammar's native binding built for another Node.js), and every file would
 * cost a thread started for nothing, for as long as the process lives.
 */
const MAX_START_FAILURES = 3;

/**
 * A pool of parse workers. Jobs queue in the caller and go to the least busy worker.
 * A worker that dies (a grammar crash, out of memory) is replaced, and the files it had in
 * flight (up to two batches) are sent again one at a time to an idle worker: the file that
 * kills a worker on its own fails, as "parse-error"; the others are parsed. A worker whose
 * read of a file has had no answer for 10 s (a network mount that stopped answering) is given
 * up and replaced the same way, that file "unreadable: timed out"; once two are left so, the
 * files still to come are "unreadable: not tried" instead of holding a thread each — but for
 * those that were in flight beside a read given up, which get one more try in a fresh thread.
 */
export class WorkerPool implements FileParser {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  /** Files a dead worker had in flight, each to be sent alone. */
  private readonly retries: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private pumpScheduled = false;
  /** Checks the reads of busy workers every CALL_DEADLINE_MS while any has work (a read's deadline, as the scan's file calls'). */
  private watchdog: ReturnType<typeof setInterval> | undefined;
  /** Workers given up in a read with no answer and not gone yet. */
  private stalledReads = 0;
  /** Workers in a row that died before they listened. */
  private startFailures = 0;
  /** Why no worker can start, once MAX_START_FAILURES did not. */
  private broken: string | undefined;

  constructor(
    private readonly options: WorkerOptions,
    private readonly queriesDir: string,
    private readonly settings: ParseSettings,
  ) {
    const count = Math.max(1, options.count ?? 2);
    for (let i = 0; i < count; i++) {
      const readState = new Int32Array(new SharedArrayBuffer(READ_STATE.length * 4));
      const worker = this.spawn(i, readState);
      this.slots.push({ worker, inFlight: new Map(), jobs: 0, ready: readySignal(worker), solo: false, readState, seenRead: -1, started: false, dead: false });
    }
  }

  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  parse(job: ParseJob): Promise<ParseOutcome> {
    if (this.closed) return Promise.resolve(crashed(job, "pool closed"));
    if (this.broken) return Promise.resolve(crashed(job, this.broken));
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      // Pump once the caller's synchronous burst of parse() calls is queued, so they batch.
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        queueMicrotask(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  async close(): Promise<string | undefined> {
    this.closed = true;
    this.stopWatchdog();
    for (const p of [...this.queue.splice(0), ...this.retries.splice(0)]) p.resolve(crashed(p.job, "pool closed"));
    const left = await Promise.all(this.slots.filter((s) => !s.dead).map((s) => this.drop(s, "pool closed")));
    const held = this.stalledReads + left.filter(Boolean).length;
    if (held === 0) return undefined;
    return `${held} parse thread${held === 1 ? " is" : "s are"} held in a read with no answer (a stalled network mount?): ${held === 1 ? "it ends" : "they end"} when the read returns`;
  }

  private spawn(index: number, readState: Int32Array): Worker {
    const worker = new Worker(this.options.script, {
      workerData: { role: "parse", queriesDir: this.queriesDir, settings: this.settings, readState: readState.buffer as SharedArrayBuffer } satisfies ParseWorkerInit,
    });
    // An idle pool must not keep a CLI process alive.
    worker.unref();
    worker.on("message", (msg: { id: number; outcomes: ParseOutcome[] } | { ready: true }) => this.onResult(index, msg));
    worker.on("error", (err) => this.onDeath(index, String(err)));
    worker.on("exit", (code) => this.onDeath(index, `worker exited with code ${code}`));
    return worker;
  }

  private pump(): void {
    if (this.broken) {
      for (const p of [...this.retries.splice(0), ...this.queue.splice(0)]) p.resolve(crashed(p.job, this.broken));
      return;
    }
    if (this.stalledReads >= MAX_STALLED_READS) {
      // No more files are risked on threads that may stay held, except the mates of a read
      // given up: a local file batched beside one on the mount gets one try in a fresh thread.
      const why = `not tried: ${this.stalledReads} earlier reads had no answer in ${CALL_DEADLINE_MS / 1000} s (a stalled network mount?)`;
      for (const list of [this.retries, this.queue]) {
        const kept = new Set(list.filter((p) => p.mate && !p.lastTry));
        for (const p of list) if (!kept.has(p)) p.resolve(unreadable(p.job, why));
        list.splice(0, list.length, ...[...kept].map((p) => ({ ...p, lastTry: true })));
      }
    }
    // Retries first, each alone on an idle worker; new batches wait until they are out, so
    // that busy workers drain.
    while (this.retries.length > 0) {
      const idle = this.slots.find((s) => s.jobs === 0 && !s.dead);
      if (!idle) return;
      idle.solo = true;
      this.send(idle, this.retries.splice(0, 1));
    }
    while (this.queue.length > 0) {
      const slot = this.leastBusy();
      if (!slot) return;
      const size = Math.min(BATCH, PER_WORKER - slot.jobs, Math.ceil(this.queue.length / this.slots.length));
      this.send(slot, this.queue.splice(0, size));
    }
  }

  private send(slot: Slot, batch: Pending[]): void {
    const id = this.nextId++;
    slot.inFlight.set(id, batch);
    slot.jobs += batch.length;
    slot.worker.ref();
    slot.worker.postMessage({ id, jobs: batch.map((p) => p.job) });
    // Unref'd: a worker with work holds the process, an idle pool must not.
    this.watchdog ??= setInterval(() => this.checkReads(), CALL_DEADLINE_MS).unref();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /**
   * A worker found in the same read at two checks in a row has waited at least
   * CALL_DEADLINE_MS for it: a file on a mount that stopped answering. The read is synchronous
   * and nothing inside the thread can end it, so it is given up from here.
   */
  private checkReads(): void {
    for (const slot of this.slots) {
      const reading = slot.jobs > 0 && Atomics.load(slot.readState, READ_STATE.reading) === 1;
      const seq = Atomics.load(slot.readState, READ_STATE.seq);
      if (reading && slot.seenRead === seq) this.giveUpRead(slot);
      else slot.seenRead = reading ? seq : -1;
    }
    if (this.slots.every((s) => s.jobs === 0)) this.stopWatchdog();
  }

  /**
   * Records the file being read as unreadable, sends the worker's other files again (the
   * answer to their batch would only have come after the read) to a new worker, and lets the
   * old one go: it is terminated, which takes effect if the read ever returns, and unref'd so
   * that it keeps no process alive meanwhile.
   */
  private giveUpRead(slot: Slot): void {
    const batch = slot.inFlight.get(Atomics.load(slot.readState, READ_STATE.batch));
    const stuck = batch?.[Atomics.load(slot.readState, READ_STATE.job)];
    const again = [...slot.inFlight.values()].flat().filter((p) => p !== stuck).map((p) => ({ ...p, mate: true }));
    const index = this.slots.indexOf(slot);
    const old = slot.worker;
    old.removeAllListeners();
    old.on("error", () => {});
    this.stalledReads++;
    holdRead(1);
    old.once("exit", () => {
      this.stalledReads--;
      holdRead(-1);
      if (!this.closed) this.pump();
    });
    old.unref();
    void old.terminate();
    this.replace(slot, index);
    stuck?.resolve(unreadable(stuck.job, `timed out: no answer in ${CALL_DEADLINE_MS / 1000} s (a stalled network mount?)`));
    this.retries.unshift(...again.filter((p) => p.alone));
    this.queue.unshift(...again.filter((p) => !p.alone));
    this.pump();
  }

  /** A new worker in `slot`, with nothing in flight. */
  private replace(slot: Slot, index: number): void {
    slot.inFlight.clear();
    slot.jobs = 0;
    slot.solo = false;
    slot.seenRead = -1;
    slot.started = false;
    slot.readState = new Int32Array(new SharedArrayBuffer(READ_STATE.length * 4));
    slot.worker = this.spawn(index, slot.readState);
    slot.ready = readySignal(slot.worker);
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (!s.solo && !s.dead && s.jobs < PER_WORKER && (!best || s.jobs < best.jobs)) best = s;
    return best;
  }

  private onResult(index: number, msg: { id: number; outcomes: ParseOutcome[] } | { ready: true }): void {
    const slot = this.slots[index];
    if ("ready" in msg) {
      if (slot) slot.started = true;
      this.startFailures = 0;
      return;
    }
    const outcomes = msg.outcomes;
    const batch = slot?.inFlight.get(msg.id);
    if (!slot || !batch) return;
    slot.inFlight.delete(msg.id);
    slot.jobs -= batch.length;
    if (slot.jobs === 0) {
      slot.solo = false;
      slot.worker.unref();
      if (this.slots.every((s) => s.jobs === 0)) this.stopWatchdog();
    }
    batch.forEach((p, k) => p.resolve(outcomes[k] ?? crashed(p.job, "no result")));
    this.pump();
  }

  private onDeath(index: number, why: string): void {
    const slot = this.slots[index];
    if (!slot) return;
    if (this.closed) {
      this.failInFlight(slot, why);
      return;
    }
    slot.worker.removeAllListeners();
    if (!slot.started && (this.broken !== undefined || ++this.startFailures >= MAX_START_FAILURES)) {
      this.broken ??= `parse threads could not start: ${why}`;
      slot.dead = true;
      this.failInFlight(slot, this.broken);
      this.pump();
      return;
    }
    // A file sent alone died on its own: it is the one. The others may be innocent, and all
    // are when the worker died before it listened.
    for (const batch of slot.inFlight.values()) {
      for (const p of batch) {
        if (p.alone && slot.started) p.resolve(crashed(p.job, why));
        else this.retries.push({ ...p, alone: true });
      }
    }
    this.replace(slot, index);
    this.pump();
  }

  private failInFlight(slot: Slot, why: string): void {
    for (const batch of slot.inFlight.values()) for (const p of batch) p.resolve(crashed(p.job, why));
    slot.inFlight.clear();
    slot.jobs = 0;
  }

  // Asks the worker to exit between messages; `terminate()` only if it does not within
  // CLOSE_GRACE_MS (a parse stuck despite its time limit). A worker still in a read then is
  // not waited for: the read is synchronous, and on a stalled mount it may never return, so
  // the worker is left (unref'd) to end when it does. Resolves true when it was left so.
  private async drop(slot: Slot, why: string): Promise<boolean> {
    this.failInFlight(slot, why);
    const { worker, readState } = slot;
    worker.removeAllListeners();
    worker.on("error", () => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = new Promise<boolean>((resolve) => worker.once("exit", () => resolve(false)));
    const left = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        void worker.terminate();
        if (Atomics.load(readState, READ_STATE.reading) !== 1) return;
        worker.unref();
        holdRead(1);
        worker.once("exit", () => holdRead(-1));
        resolve(true);
      }, CLOSE_GRACE_MS);
    });
    worker.postMessage({ close: true });
    const wasLeft = await Promise.race([exited, left]);
    clearTimeout(timer);
    return wasLeft;
  }
}

/**
 * Parses on the calling thread, yielding to the event loop between files: for tests and
 * for running from sources without a built worker. Each file blocks the thread while it
 * is read and parsed, so the runtime uses the WorkerPool.
 */
export class InlineParser implements FileParser {
  private readonly registry: LanguageRegistry;

  constructor(queriesDir: string, private readonly settings: ParseSettings) {
    this.registry = new LanguageRegistry(queriesDir);
  }

  async parse(job: ParseJob): Promise<ParseOutcome> {
    await new Promise<void>((r) => setImmediate(r));
    return parseFile(job, this.registry, this.settings);
  }

  async ready(): Promise<void> {}

  async close(): Promise<undefined> {}
}

/** Resolves when the worker reports its grammars loaded, or when it goes away. */
function readySignal(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (msg: unknown): void => {
      if (typeof msg === "object" && msg !== null && "ready" in msg) done();
    };
    const done = (): void => {
      worker.off("message", onMessage);
      resolve();
    };
    worker.on("message", onMessage);
    worker.once("exit", done);
  });
}

function crashed(job: ParseJob, why: string): ParseOutcome {
  return { ok: false, skip: { path: job.path, reason: "parse-error", detail: why } };
}

function unreadable(job: ParseJob, why: string): ParseOutcome {
  return { ok: false, skip: { path: job.path, reason: "unreadable", detail: why } };
}
