/**
 * A regular expression run over files' lines on a worker thread, each file within a time
 * limit. The pattern is the model's: one like `(a+)+$` backtracks for longer than anyone
 * waits on an ordinary line, and JavaScript cannot stop a regular expression that runs on
 * its own thread — the whole runtime (Stop included) would freeze. On the worker, the
 * search is stopped by ending the thread: when the limit passes, or when the run is
 * cancelled.
 */
import { Worker } from "node:worker_threads";
import { ToolError } from "./tool.ts";

/** How long one file's lines may take (a 2 MB file takes milliseconds with a sane pattern). */
export const MATCH_LIMIT_MS = 10_000;

// Plain JavaScript run with `eval`: nothing to bundle or load from disk.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const regex = new RegExp(workerData.pattern, workerData.flags);
parentPort.on("message", (text) => {
  const lines = text.split("\\n");
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const match = regex.exec(lines[i]);
    if (match) found.push([i, match.index]);
  }
  parentPort.postMessage(found);
});
`;

export class LineMatcher {
  private readonly worker: Worker;
  private failure: Error | undefined;

  constructor(
    private readonly regex: RegExp,
    private readonly limitMs = MATCH_LIMIT_MS,
  ) {
    // No inherited flags (`--input-type=module` would make the source a module without `require`).
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { pattern: regex.source, flags: regex.flags } });
    this.worker.on("error", (error) => (this.failure = error));
  }

  /**
   * The lines that match, each as its 0-based number and where its first match starts; `text`
   * is the lines joined with LF (the caller splits them as read_file does). Rejects when the
   * limit passes or `signal` aborts.
   */
  lines(text: string, path: string, signal: AbortSignal): Promise<[line: number, at: number][]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.worker.off("message", onMessage);
        this.worker.off("error", onError);
      };
      const onMessage = (found: [number, number][]): void => (done(), resolve(found));
      const onError = (error: Error): void => (done(), reject(error));
      const onAbort = (): void => {
        done();
        void this.worker.terminate();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        done();
        void this.worker.terminate();
        reject(new ToolError("invalid-input", `the pattern /${this.regex.source}/ ran for over ${this.limitMs / 1000} s on ${path} and was stopped: it backtracks (a repeated group inside a repeat, like (a+)+ or (.*)*); search with a simpler pattern`));
      }, this.limitMs);
      this.worker.on("message", onMessage);
      this.worker.on("error", onError);
      signal.addEventListener("abort", onAbort, { once: true });
      this.worker.postMessage(text);
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
