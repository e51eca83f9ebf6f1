// Worker entry that runs one exported function of a TypeScript module (through tsx) and
// posts back what it returns: for tests of work that could hang a thread, so the test's
// own timeout can end it (a synchronous loop on the test's thread cannot be interrupted).
import { register } from "tsx/esm/api";
import { parentPort, workerData } from "node:worker_threads";

register();
const module = await import(workerData.module);
// Exits when the answer has been read, from a message handler as the index's parse threads
// do (parse-worker.ts): a thread that loaded tree-sitter and ends by running out of work
// can abort the whole process as it is torn down.
parentPort.once("message", () => process.exit(0));
parentPort.postMessage(await module[workerData.name](...workerData.args));
