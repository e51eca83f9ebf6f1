// A process that indexes `root` while a parse thread's read of mnt/remote.ts waits on a FIFO
// with no writer (fifo-worker.mjs), prints what it indexed and ends as Hearth's processes do.
// argv: root, worker entry (a script setting globalThis.hearthFifo), notify FIFO, mode:
//   "cli"      a RepoIndex on this thread, the read given up by the pool (a fake clock), then
//              the end of the CLI's main: an answer of 1 MiB and a line on stdout (more than a
//              pipe holds: `hearth map | less`), "written" on stderr, the exit code set (3), and
//              endOnceWrittenIfReadsHeld(stdout, stderr);
//   "runtime"  endAtExitIfReadsHeld() at the start, an IndexClient (the runtime's index thread),
//              an exit listener added later (as WorkspaceMcp's kill of its MCP servers, which
//              lead their own process groups) printing "exit listener ran", the client closed
//              while the read waits, then process.exit(0), as the runtime exits.
import { constants, openSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { createInterface } from "node:readline";
import { mock } from "node:test";
import { pathToFileURL } from "node:url";
import { IndexClient, RepoIndex } from "../../../../src/indexer/index.ts";
import { endAtExitIfReadsHeld, endOnceWrittenIfReadsHeld } from "../../../../src/indexer/held-reads.ts";
import { QUERIES_DIR } from "./setup.ts";

const [root, script, notify, mode] = process.argv.slice(2) as [string, string, string, string];
// Opened for reading and writing: never blocks, and never reads an end while it is open.
const input = new Socket({ fd: openSync(notify, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
const lines = createInterface({ input });
const entered = new Promise<void>((now) => lines.once("line", () => now()));

if (mode === "cli") {
  mock.timers.enable({ apis: ["setInterval"] });
  const index = new RepoIndex({ root, queriesDir: QUERIES_DIR, history: false, workers: { script: pathToFileURL(script), count: 1 } });
  const building = index.build();
  await entered;
  mock.timers.tick(10_000);
  mock.timers.tick(10_000);
  await building;
  mock.timers.reset();
  lines.close();
  input.destroy();
  await index.close();
  process.stdout.write(`${"x".repeat(1024 * 1024)}\nindexed: ${[...index.files.keys()].join(", ")}\n`);
  writeSync(2, "written\n"); // the test reads stdout from now on
  process.exitCode = 3;
  await endOnceWrittenIfReadsHeld([process.stdout, process.stderr]);
} else {
  endAtExitIfReadsHeld();
  const client = new IndexClient({ root, queriesDir: QUERIES_DIR, history: false, workerScript: script, parseWorkers: 1 });
  process.once("exit", () => writeSync(1, "exit listener ran\n"));
  const building = client.build().catch(() => undefined);
  await entered;
  lines.close();
  input.destroy();
  process.stdout.write(`closed: ${await client.close()}\n`);
  await building;
  process.exit(0);
}
