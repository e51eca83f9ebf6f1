// `hearth fix` cancelled before its agent starts (Ctrl-C while the model loads or the
// checkout is indexed), in-process with a scripted model: it says so, the trajectory ends,
// the checkout's lock is gone.
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

it("Ctrl-C before the agent starts: 'cancelled' on stderr, the trajectory's end written, exit 130, no lock left", async () => {
  const work = tempDir("hearth-fix-cancel-");
  const repo = join(work, "repo");
  cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
  writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted", turns: [{ toolCalls: [{ name: "finish", arguments: { summary: "done" } }] }] }));
  process.env.XDG_STATE_HOME = join(work, "xdg"); // Hearth's state folder, where the checkout's lock goes
  const controller = new AbortController();
  controller.abort();
  // captureIo's writers fill the object it returns: give that one the aborted signal.
  const io = Object.assign(captureIo(work), { signal: controller.signal });
  const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", join(work, "model.json"), "--yes", "--no-index", "--state-dir", join(work, "state"), "--trajectory", join(work, "t.jsonl")], io);
  assert.equal(code, 130, io.stderr);
  assert.match(io.stderr, /^hearth fix: cancelled before the agent started$/m);
  const records = readFileSync(join(work, "t.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; stopReason?: string });
  assert.deepEqual([records.at(-1)?.type, records.at(-1)?.stopReason], ["end", "cancelled"]);
  assert.deepEqual(readdirSync(join(work, "xdg", "hearth", "locks")), []);
  assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/);
});
