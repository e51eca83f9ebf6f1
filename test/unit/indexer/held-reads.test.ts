import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, constants, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { TSX_WORKER, tempDir } from "./helpers/setup.ts";

const CHILD = fileURLToPath(new URL("./helpers/held-read-child.ts", import.meta.url));
const FIFO_WORKER = new URL("./helpers/fifo-worker.mjs", import.meta.url);

// Node joins every thread it started as a process exits, process.exit() included: a parse
// thread held in a read that never returns (a stalled network mount) kept `hearth locate` from
// exiting after its answer, and the runtime from exiting once its parent had gone.
describe("a process whose parse thread is held in a read with no answer (a FIFO with no writer)", () => {
  const cases = {
    cli: { what: "the CLI, once its answer is written (all of it, to a pipe read late)", out: /^x × 1048576\nindexed: a\.ts\n$/, status: 3 },
    runtime: { what: "the runtime, at process.exit after closing its index", out: /^closed: 1 parse thread is held in a read with no answer \(a stalled network mount\?\): it ends when the read returns$/m, status: 0 },
  };
  for (const [mode, { what, out, status }] of Object.entries(cases)) {
    it(`${what}: ends, saying why, instead of waiting for the read for ever`, { timeout: 60_000 }, async (t) => {
      const { dir, cleanup } = tempDir();
      const root = join(dir, "repo");
      mkdirSync(join(root, "mnt"), { recursive: true });
      for (const file of ["a.ts", "mnt/remote.ts"]) writeFileSync(join(root, file), "export const A = 1;\n");
      const [fifo, notify] = [join(dir, "stalled.fifo"), join(dir, "notify.fifo")];
      execFileSync("mkfifo", [fifo, notify]);
      const script = join(dir, "entry.mjs");
      writeFileSync(
        script,
        [
          'import { workerData } from "node:worker_threads";',
          `globalThis.hearthFifo = ${JSON.stringify({ under: `${sep}mnt${sep}`, fifo, notify })};`,
          `await import(workerData.role === "index" ? ${JSON.stringify(TSX_WORKER.href)} : ${JSON.stringify(FIFO_WORKER.href)});`,
        ].join("\n"),
      );
      const child = spawn(process.execPath, ["--import", "tsx", CHILD, root, script, notify, mode], { stdio: ["ignore", "pipe", "pipe"] });
      let [stdout, stderr] = ["", ""];
      const readStdout = () => child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        // The CLI's answer is more than a pipe holds, and read only once it is all handed to
        // stdout (`hearth map | less`): node writes the rest later, and the kill must wait for it.
        if (mode === "cli" && /^written$/m.test(stderr) && child.stdout.listenerCount("data") === 0) readStdout();
      });
      if (mode !== "cli") readStdout();
      try {
        // A test past its time limit is not stopped: its signal ends the wait, so that the child is ended below.
        const [, signal] = (await once(child, "close", { signal: t.signal })) as [number | null, NodeJS.Signals | null];
        assert.match(stdout.replace(/x{1000,}/, (run) => `x × ${run.length}`), out);
        // The runtime's other exit listeners (the kill of its MCP servers) still run before the kill.
        if (mode === "runtime") assert.match(stdout, /^exit listener ran$/m);
        // The status a script would have read (hearth fix's 0 "fixed", 3 "model error") is said, since 137 replaces it.
        const said = `hearth: 1 read had no answer (a stalled network mount?); exiting without waiting for it, which node cannot do otherwise: status 137 (killed) instead of ${status}`;
        assert.ok(stderr.split("\n").includes(said), stderr);
        assert.equal(signal, "SIGKILL", stderr);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)); // a writer: the read gets its end
        } catch {
          // No reader left.
        }
        cleanup();
      }
    });
  }
});
