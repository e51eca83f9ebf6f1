// `hearth status --load` when its runtime dies while loading (issue 13.10): the model's
// server (a real HTTP server on 127.0.0.1) never answers, and the test kills the runtime
// once the load has reached it. The CLI must say the runtime stopped and exit non-zero; it
// used to print nothing and exit 0, as if all was well.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

it("hearth status --load: a runtime killed during the load is reported and the exit code is 1", { timeout: 180_000 }, async (t) => {
  let runtimePid = 0;
  let reached!: () => void;
  const loadReachedServer = new Promise<void>((r) => (reached = r));
  const server = createServer(() => reached()); // never answers
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const cli = spawn(process.execPath, [CLI, "status", "--server", url, "--load", "--verbose", "--no-gpu-probe"], {
    env: { ...process.env, HEARTH_HOME: join(tempDir("hearth-status-death-"), "home") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => void cli.kill("SIGKILL"));
  let stderr = "";
  let stdout = "";
  cli.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const started = new Promise<void>((r) =>
    cli.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const pid = stderr.match(/initialized \(pid (\d+)/)?.[1];
      if (pid && !runtimePid) {
        runtimePid = Number(pid);
        r();
      }
    }),
  );
  const exited = once(cli, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  await started;
  await loadReachedServer;
  process.kill(runtimePid, "SIGKILL");

  const [code, signal] = await exited;
  assert.equal(signal, null, stderr);
  assert.equal(code, 1, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.match(stderr, /The Hearth runtime stopped unexpectedly \(signal SIGKILL: killed from outside, most often by the system's out-of-memory killer .*\) while loading the model/);
});
