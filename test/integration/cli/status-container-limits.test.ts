// `hearth status` from the built CLI in a process allowed fewer CPUs and less memory than the
// machine has (a container's `docker run --cpus=1 --memory=1g`, a taskset): its Machine line
// says how many CPUs Hearth may run on, not only the host's count, and that the RAM figures are
// a container's limit. Real limits: a CPU affinity (taskset -c 0) and, as root where a group can
// be made, a real cgroup memory limit of 1 GiB.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { memoryGroup } from "../../fixtures/cgroups.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** `hearth status`'s Machine line, run under `prefix` (taskset …, or a shell that joins a group first). */
function machineLine(prefix: readonly string[]): string {
  const run = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, CLI, "status"], {
    encoding: "utf8", timeout: 120_000, cwd: tempDir("hearth-status-cwd-"), env: { ...process.env, HEARTH_HOME: tempDir("hearth-status-home-") },
  });
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const line = /^Machine: .*$/m.exec(run.stdout)?.[0];
  assert.ok(line, run.stdout);
  return line;
}

const hasTaskset = spawnSync("taskset", ["-V"]).status === 0;

describe("hearth status under a container's limits", () => {
  it("says how many of the machine's CPUs a CPU affinity of one CPU allows", { skip: !hasTaskset ? "no taskset here" : availableParallelism() < 2 ? "one CPU: nothing to limit" : false }, () => {
    const line = machineLine(["taskset", "-c", "0"]);
    assert.match(line, new RegExp(`^Machine: linux-\\w+, ${cpus().length} CPUs \\(1 allowed by a container's CPU limit or a CPU affinity: the automatic thread count is 1\\), `));
  });

  it("says nothing more where all of the machine's CPUs are allowed", { skip: availableParallelism() < cpus().length ? "this process already runs under a CPU affinity" : false }, () => {
    assert.match(machineLine(["env"]), new RegExp(`^Machine: linux-\\w+, ${cpus().length} CPUs?, [\\d.]+ of [\\d.]+ GiB RAM free$`));
  });

  const group = memoryGroup("hearth-status-test", 1024 ** 3);
  after(() => group?.remove());
  it("says the RAM is a container's memory limit in a real cgroup limited to 1 GiB", { skip: group ? false : "no cgroup memory controller this process may make a group in (root, cgroup v1 memory or v2)" }, () => {
    const line = machineLine(["sh", "-c", `echo $$ > ${group!.procs} && exec "$@"`, "sh"]);
    assert.match(line, /, [\d.]+ of 1\.0 GiB RAM free \(a container's memory limit, not the machine's\)$/);
  });
});
