// hearth fix whose agent started a process that outlives its command (a dev server started
// with `&` to try the fix, a setsid daemon): when the fix ends, the built CLI (out/cli.mjs)
// stops what is still running and names it, rather than exiting with it left orphaned,
// holding its port for the next run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { alive } from "../../fixtures/processes.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const call = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] });

describe("hearth fix: processes the agent's commands left running", { skip: process.platform !== "linux" }, () => {
  it("are stopped when the fix ends (one that ignores SIGTERM too) and named, exit 0", (t) => {
    const work = tempDir("hearth-fix-left-");
    const repo = join(work, "repo");
    cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
    const marks = tempDir("hearth-fix-left-marks-");
    // A server in the background, and a daemon that left the command's process group and ignores SIGTERM.
    const command = `sleep 600 & echo $! > ${marks}/server; setsid sh -c 'trap "" TERM; echo $$ > ${marks}/daemon; exec sleep 601' > /dev/null 2>&1 & while [ ! -s ${marks}/daemon ]; do sleep 0.05; done; echo started`;
    writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted", turns: [
      call("run_command", { command }),
      call("edit_file", { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" }),
      call("finish", { summary: "done" }),
    ] }));
    const pids = () => ["server", "daemon"].filter((name) => existsSync(join(marks, name))).map((name) => Number(readFileSync(join(marks, name), "utf8")));
    t.after(() => {
      for (const pid of pids()) if (alive(pid)) process.kill(pid, "SIGKILL");
    });
    const run = spawnSync(process.execPath, [CLI, "fix", "--repo", repo, "--issue", "add is wrong", "--model", join(work, "model.json"), "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")], {
      cwd: work, encoding: "utf8", timeout: 120_000, env: { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg") },
    });
    assert.equal(run.status, 0, run.stderr);
    const [server, daemon] = pids();
    assert.ok(server && daemon, run.stderr);
    assert.deepEqual([alive(server), alive(daemon)], [false, false], "nothing the agent started outlives hearth fix");
    assert.match(run.stderr, new RegExp(`^hearth fix: stopped 2 processes the agent's commands had left running: (?=.*${server} \\(sleep 600\\))(?=.*${daemon} \\(sleep 601\\)).*$`, "m"));
    assert.match(readFileSync(join(work, "fix.diff"), "utf8"), /^\+    return a \+ b$/m);
  });
});
