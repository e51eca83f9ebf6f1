import { Worker } from "node:worker_threads";

const ENTRY = new URL("./thread-call.mjs", import.meta.url);

/**
 * Runs `module`'s export `name` with `args` on a thread of its own and resolves with what it
 * returns (plain data); the thread exits once the answer is read. It is ended when `signal`
 * aborts: a test's timeout then stops a read that would otherwise hold its thread for minutes.
 */
export function inThread<T>(module: URL, name: string, args: readonly unknown[], signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: { module: module.href, name, args } });
    const stop = (): void => void worker.terminate();
    signal.addEventListener("abort", stop, { once: true });
    worker.once("message", (value: T) => {
      // The test's signal aborts when the test ends too: by then the thread is leaving on its own.
      signal.removeEventListener("abort", stop);
      resolve(value);
      worker.postMessage("exit");
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      signal.removeEventListener("abort", stop);
      reject(new Error(`the thread ended (exit code ${code}) without an answer`));
    });
  });
}
