// Parse-worker entry whose reads of some files never answer, as on a network mount that
// stopped answering mid-build. Configured by the script that imports it, through
// globalThis.hearthStall = { under, notify }: a read of a path containing `under` runs a
// shell that writes its process id and the path as a line to the FIFO `notify`, then
// sleeps until the test ends it by that id. The thread waits on a child process, which
// terminating the thread cannot end (as a read held in the kernel), and it is known to be
// there once its line arrives: a signal posted from the thread itself would come before it waits.
import { register } from "tsx/esm/api";
import { execFileSync } from "node:child_process";
import { workerData } from "node:worker_threads";

register();
const { runParseWorker } = await import(new URL("../../../../src/indexer/parse-worker.ts", import.meta.url).href);
const { readRegularFile } = await import(new URL("../../../../src/indexer/indexed-file.ts", import.meta.url).href);
const { under, notify } = globalThis.hearthStall;

runParseWorker(workerData, (absPath, maxBytes) => {
  if (!absPath.includes(under)) return readRegularFile(absPath, maxBytes);
  try {
    execFileSync("sh", ["-c", 'printf "%s %s\\n" "$$" "$1" > "$2"; exec sleep 600', "sh", absPath, notify]);
  } catch {
    // Ended by the test.
  }
  return { ok: false, reason: "gone", detail: "the stalled read was let go" };
});
