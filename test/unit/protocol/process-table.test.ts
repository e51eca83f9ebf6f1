// killProcessTree (the extension's Restart Runtime and the CLI's close, on a runtime that did
// not stop in time): the runtime, every process below it, and the process groups they lead.
// A runtime stuck in native code reaps no child, so an agent's command whose shell has exited
// is a zombie still leading its group; a process it left in that group, with an environment of
// its own (no HEARTH_RUNTIME_OWNER) and orphaned (no parent chain to the runtime), is found
// only through that group. Real processes: a blocked Node as the runtime, sh as the command.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { it } from "node:test";
import { killProcessTree } from "../../../src/protocol/process-table.ts";
import { NODE_CALLS } from "../../../src/tools/process-tree.ts";
import { alive } from "../../fixtures/processes.ts";

it("kills the group of a command whose shell exited (a zombie the stuck runtime never reaped), and the process it left in that group", { skip: process.platform !== "linux" }, async (t) => {
  // The "runtime": starts the command in a group of its own, says its pid, then blocks (reaps nothing).
  const runtimeCode = [
    'const { spawn } = require("node:child_process");',
    'const command = spawn("sh", ["-c", \'env -i "$(command -v sleep)" 300 & echo left $!\'], { detached: true, stdio: ["ignore", "inherit", "ignore"] });',
    'process.stdout.write("shell " + command.pid + "\\n");',
    "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);",
  ].join("\n");
  const runtime = spawn(process.execPath, ["-e", runtimeCode], { stdio: ["ignore", "pipe", "ignore"] });
  t.after(() => void (alive(runtime.pid!) && runtime.kill("SIGKILL")));
  // Both say their pid, in either order: "shell <pid>" (the runtime), "left <pid>" (the command).
  const pids = new Map<string, number>();
  for await (const line of createInterface({ input: runtime.stdout! })) if (pids.set(line.split(" ")[0]!, Number(line.split(" ")[1])).size === 2) break;
  const shell = pids.get("shell")!;
  const left = pids.get("left")!;
  t.after(() => void (alive(left) && process.kill(left, "SIGKILL")));
  // The shell has exited once it is a zombie (alive: false) — the runtime does not reap it.
  while (alive(shell)) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(alive(left), "the command's process runs on in the shell's group");

  await killProcessTree(runtime.pid!, NODE_CALLS, "the-runtime's-owner");
  assert.equal(alive(runtime.pid!), false, "the runtime is killed");
  assert.equal(alive(left), false, `the process (pid ${left}) the command left in its group outlived the runtime`);
});
