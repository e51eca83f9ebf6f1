// `hearth chat --continue conv.md --save conv.md` from the built CLI, conv.md on a disk that is
// full (a real tmpfs filled to its last page): the new export does not fit, and the
// conversation it continues must not be lost with it. Skipped where a tmpfs cannot be mounted
// (not root).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { exportConversation } from "../../../src/agent/handoff.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

it("--continue conv.md --save conv.md on a full disk: the earlier conversation is kept whole, said so, exit 1", { timeout: 120_000 }, (t) => {
  const work = tempDir("hearth-chat-fulldisk-");
  const disk = smallDisk(t, { size: "32k", at: join(work, "disk") });
  if (!disk) return;
  writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted-chat", turns: [{ text: `Noted. ${"y".repeat(5000)}` }] }));
  // The answer makes the new export some 10 KB longer than the file it continues: two pages more.
  // Some 20 KB: five of the disk's eight pages.
  const conversation = join(disk, "conv.md");
  writeFileSync(conversation, exportConversation([
    { role: "user", content: "what does calc.py do?" },
    { role: "assistant", content: Array.from({ length: 100 }, (_, i) => `line ${i} of the answer ${"x".repeat(60)}`).join("\n") },
  ], { title: "Calc", exportedAt: new Date() }));
  const before = readFileSync(conversation);
  // The rest of the disk, to its last page.
  fillDisk(disk);
  const run = spawnSync(process.execPath, [CLI, "chat", "--model", "model.json", "--no-think", "--no-rules", "--continue", conversation, "--save", conversation, "thanks"], {
    cwd: work, encoding: "utf8", timeout: 60_000, env: { ...process.env, HEARTH_HOME: join(work, "home"), XDG_STATE_HOME: join(work, "xdg-state") },
  });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /Noted\./);
  const after = readFileSync(conversation);
  assert.equal(after.length, before.length, "the conversation was cut");
  assert.equal(sha(after), sha(before), "the conversation changed");
  assert.match(run.stderr, new RegExp(`hearth chat: could not save the conversation to ${conversation} \\(the disk holding ${disk} is full: [^,]+ free, [^)]+ needed\\): ${conversation} is as it was`));
  // Nothing written beside it is left behind.
  assert.deepEqual(readdirSync(disk).sort(), ["conv.md", "filler"]);
});
