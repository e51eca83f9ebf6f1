/**
 * A command that eats the machine must not take Hearth with it: its processes are the first
 * the out-of-memory killer stops (oom_score_adj 1000), and the model is told what killed it.
 * The real out-of-memory case runs inside a real 400 MiB memory group made as root, so the
 * hog can never reach the test machine's own memory; it skips, saying why, elsewhere.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { runShell } from "../../../src/tools/run-command.ts";
import { memoryGroup } from "../../fixtures/cgroups.ts";
import { tempDir } from "./helpers/setup.ts";

const SAFETY_NET = { timeout: 120_000 };
const LINUX = process.platform === "linux" ? false : "oom_score_adj is Linux's";
const RUN_COMMAND = fileURLToPath(new URL("../../../src/tools/run-command.ts", import.meta.url));

describe("a command that eats memory", () => {
  it("runs with oom_score_adj 1000, it and all it starts, so the out-of-memory killer takes it before Hearth", { ...SAFETY_NET, skip: LINUX }, async () => {
    const dir = tempDir();
    const outcome = await runShell("cat /proc/self/oom_score_adj; sh -c 'cat /proc/self/oom_score_adj' & wait", dir, 60_000, new AbortController().signal);
    assert.equal(outcome.exitCode, 0, outcome.output);
    assert.equal(outcome.output.trim(), "1000\n1000");
    assert.equal(Number(readFileSync("/proc/self/oom_score_adj", "utf8")), 0, "Hearth's own score stays");
  });

  it("in a real memory group, a hog the runtime started is the one killed, not the runtime holding more memory; the model is told it was the out-of-memory killer", { ...SAFETY_NET, skip: LINUX }, async (t) => {
    const group = memoryGroup("hearth-command-oom", 400 * 1024 * 1024);
    if (!group) return t.skip("a memory group cannot be made here (needs root on Linux with a writable /sys/fs/cgroup)");
    t.after(group.remove);
    const dir = tempDir();
    // The "runtime": 200 MiB of its own (a model's weights), then a command that wants 300 MiB more.
    const script = [
      `const { runShell } = await import(${JSON.stringify(RUN_COMMAND)});`,
      "const weights = Buffer.alloc(200 * 1024 * 1024, 1);",
      `const outcome = await runShell("python3 -c \\"x = b' ' * (300 * 2**20); print(len(x))\\"", ${JSON.stringify(dir)}, 60_000, new AbortController().signal);`,
      "console.log(JSON.stringify({ kept: weights[12345], exitCode: outcome.exitCode, signal: outcome.signal, output: outcome.output }));",
    ].join("\n");
    const child = spawn("sh", ["-c", `echo $$ > ${group.procs} && exec "$0" --import tsx --input-type=module -e "$1"`, process.execPath, script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const [code, sig] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("close", (c, s) => resolve([c, s])));
    assert.equal(sig, null, `the runtime was killed (${sig}): the out-of-memory killer took it, not the command\n${err}`);
    assert.equal(code, 0, err);
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { kept: number; exitCode: number | null; signal: string | null; output: string };
    assert.equal(result.kept, 1);
    assert.ok(result.exitCode === 137 || result.signal === "SIGKILL", JSON.stringify(result));
    assert.match(result.output, /killed by SIGKILL, which Hearth did not send: most often the system's out-of-memory killer/);
  });

  it("a command that ends with exit 137 by Hearth's own stop (a time limit) is not said to be out of memory", { ...SAFETY_NET, skip: LINUX }, async () => {
    const dir = tempDir();
    const outcome = await runShell("echo started; sleep 600", dir, 60_000, new AbortController().signal, undefined, { timeLimit: async () => undefined, killGraceMs: 100 });
    assert.equal(outcome.timedOut, true);
    assert.doesNotMatch(outcome.output, /out-of-memory/);
  });
});
