// Parse-worker entry whose read of a file under `under` reads the FIFO `fifo` instead, through
// `cat`: its open(2) waits in the kernel until something opens the FIFO for writing, as a read
// on a network mount that stopped answering waits for the server, and terminating the thread
// cannot end the wait. Configured through globalThis.hearthFifo = { under, fifo, notify } by
// the script that imports it: the path is written as a line to the FIFO `notify` (which the
// test holds open for reading) once the thread waits.
import { register } from "tsx/esm/api";
import { execFileSync } from "node:child_process";
import { workerData } from "node:worker_threads";

register();
const { runParseWorker } = await import(new URL("../../../../src/indexer/parse-worker.ts", import.meta.url).href);
const { readRegularFile } = await import(new URL("../../../../src/indexer/indexed-file.ts", import.meta.url).href);
const { under, fifo, notify } = globalThis.hearthFifo;

runParseWorker(workerData, (absPath, maxBytes) => {
  if (!absPath.includes(under)) return readRegularFile(absPath, maxBytes);
  // The FIFO is read by a shell the thread waits on: the line reaches the test once the thread
  // already waits (a line written from the thread itself could come before it does).
  execFileSync("sh", ["-c", 'printf "%s\\n" "$1" > "$2"; exec cat "$3" > /dev/null', "sh", absPath, notify, fifo]);
  return { ok: false, reason: "gone", detail: "the FIFO got a writer" };
});
