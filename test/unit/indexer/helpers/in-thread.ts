import { Worker } from "node:worker_threads";

const ENTRY = new URL("./thread-call.mjs", import.meta.url);

/**
 * Runs `module`'s export `name` with `args` on a thread of its own and resolves with what it
 * returns (plain data), once the thread has exited after the answer. It is ended when `signal`
 * aborts: a test's timeout then stops a read that would otherwise hold its thread for minutes.
 */
export function inThread<T>(module: URL, name: string, args: readonly unknown[], signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: { module: module.href, name, args } });
    const stop = (): void => void worker.terminate();
    signal.addEventListener("abort", stop, { once: true });
    let answer: { value: T } | undefined;
    worker.once("message", (value: T) => {
      answer = { value };
      worker.postMessage("exit");
    });
    worker.once("error", reject);
    // Resolved once the thread is gone: a test file that ends (and is forced to exit) while a
    // thread that loaded tree-sitter is still being torn down can abort the process (SIGABRT).
    worker.once("exit", (code) => {
      signal.removeEventListener("abort", stop);
      if (answer) resolve(answer.value);
      else reject(new Error(`the thread ended (exit code ${code}) without an answer`));
    });
  });
}
