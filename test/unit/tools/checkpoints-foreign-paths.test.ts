// Where Hearth's state is inside the workspace (.hearth/state: no storage folder given), its
// list of the agent's ignored files, or a checkpoint's manifest it is rebuilt from, may come
// from the folder itself — a repository that commits one, a crafted one. Paths no checkpoint
// records ("../outside.txt", "/tmp/…", ".git/hooks/pre-commit", "a/../../x") must neither reach
// outside the workspace nor stop the store: git refused them ("'../outside.txt' is outside
// repository") and with them every diff and restore of every checkpoint. Real git, real files.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CheckpointStore } from "../../../src/tools/checkpoints.ts";

async function plantedStore(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-foreign-paths-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, "work");
  mkdirSync(root);
  writeFileSync(join(dir, "outside.txt"), "the user's file\n");
  writeFileSync(join(root, ".gitignore"), ".env\n");
  writeFileSync(join(root, ".env"), "KEY=old\n");
  const storageDir = join(root, ".hearth", "state");
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
  const first = await store.create("before the edit", [".env"]);
  writeFileSync(join(root, ".env"), "KEY=new\n");
  await store.create("after the edit");
  const git = (args: string[], input?: string) => execFileSync("git", ["--git-dir", store.gitDir, ...args], { input, encoding: "utf8" }).trim();
  const blob = git(["hash-object", "-w", "--stdin"], "planted\n");
  const foreign = { "../outside.txt": null, [join(dir, "abs.txt")]: `100644 ${blob}`, ".git/hooks/pre-commit": `100755 ${blob}`, "a/../../outside2.txt": `100644 ${blob}`, ".env": `100644 ${blob}` };
  const head = git(["rev-parse", "HEAD"]);
  git(["update-ref", "HEAD", git(["commit-tree", `${head}^{tree}`, "-p", head, "-m", `planted\n\nHearth-Extras: ${JSON.stringify(foreign)}\n`])]);
  return { dir, root, storageDir, first: first.id, list: join(store.gitDir, "hearth-paths.json"), foreign: Object.keys(foreign) };
}

async function assertSound(dir: string, root: string, storageDir: string, first: string) {
  const store = await CheckpointStore.open({ workspaceRoot: root, storageDir });
  assert.deepEqual(await store.changedFiles(first), [".env"]);
  await store.restore(first);
  assert.equal(readFileSync(join(root, ".env"), "utf8"), "KEY=old\n");
  assert.equal(readFileSync(join(dir, "outside.txt"), "utf8"), "the user's file\n");
  assert.equal(existsSync(join(dir, "outside2.txt")) || existsSync(join(dir, "abs.txt")) || existsSync(join(root, ".git")), false);
}

describe("checkpoints with paths no checkpoint records, in a list or a manifest from the workspace", () => {
  it("a damaged list rebuilt from a planted manifest keeps only the workspace's paths", async (t) => {
    const { dir, root, storageDir, first, list } = await plantedStore(t);
    writeFileSync(list, "");
    await assertSound(dir, root, storageDir, first);
    assert.deepEqual(JSON.parse(readFileSync(list, "utf8")), [".env"]);
  });

  it("a planted list naming them is read for the workspace's paths alone", async (t) => {
    const { dir, root, storageDir, first, list, foreign } = await plantedStore(t);
    writeFileSync(list, JSON.stringify([...foreign, 42]));
    await assertSound(dir, root, storageDir, first);
  });
});
