// A treeless partial clone (git clone --filter=tree:0) opened in VS Code, offline: Hearth's
// read-only git downloads nothing, so the index read no history, and the runtime only logged
// "0 commits of history" — the user saw nothing of why, nor the fetch that mends it, which
// `hearth index` says. Now the Hearth view's index line says it in the same words, from the
// index's report (not on every message), and keeps it after a save's count refresh. Real git,
// the bundled indexer thread (npm run build first).
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import type { IndexState } from "../../../src/protocol/status.ts";
import { setLogSink } from "../../../src/runtime/log.ts";
import { WorkspaceIndex } from "../../../src/runtime/workspace-index.ts";
import { shallowHistoryMessage } from "../../../src/indexer/index.ts";
import { committedRepo, git } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const OUT = resolve(import.meta.dirname, "../../../out");
if (!existsSync(join(OUT, "indexer-worker.mjs"))) throw new Error("out/indexer-worker.mjs is missing: run npm run build first");

const WHY = "this partial clone has not downloaded the trees of its commits (a clone with --filter=tree:0), and Hearth's git downloads nothing, so the commits' history (which helps ranking) was not read; have git download them, now and with every later fetch (git config remote.origin.partialclonefilter blob:none, then git fetch --refetch origin: the trees, not every file's old versions), and index again";

/** A clone of a two-commit repository with `filter`, its remote then unreachable (nothing listens on port 9), as on a plane. */
function offlineClone(dir: string, filter: string): string {
  const origin = join(dir, "origin");
  if (!existsSync(origin)) {
    committedRepo(origin, { "calc.py": "def add(a, b):\n    return a - b\n" });
    writeFileSync(join(origin, "calc.py"), "def add(a, b):\n    return a + b\n");
    git(origin, "commit", "-qam", "fix add: it subtracted");
    git(origin, "config", "uploadpack.allowFilter", "true");
  }
  const clone = join(dir, filter.replace(/\W/g, "-"));
  git(dir, "clone", "-q", `--filter=${filter}`, `file://${origin}`, clone);
  git(clone, "config", "remote.origin.url", "http://127.0.0.1:9/repo.git");
  return clone;
}

async function readyOf(root: string, lines: string[]): Promise<{ ready: Extract<IndexState, { kind: "ready" }>; afterSave: () => Promise<IndexState>; dispose: () => Promise<void> }> {
  let listener: ((s: IndexState) => void) | undefined;
  const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: (s) => listener?.(s), editDebounceMs: 10 });
  setLogSink((_level, text) => void lines.push(text));
  const states: IndexState[] = [];
  listener = (s) => void states.push(s);
  await index.build();
  const ready = states.at(-1);
  assert.equal(ready?.kind, "ready");
  const afterSave = (): Promise<IndexState> =>
    new Promise((done) => {
      listener = (s) => s.kind === "ready" && s.files === 2 && done(s);
      writeFileSync(join(root, "more.py"), "def more():\n    return 1\n");
      index.fileChanged("more.py");
    });
  return { ready: ready as Extract<IndexState, { kind: "ready" }>, afterSave, dispose: () => index.dispose() };
}

it("says in the Hearth view why a treeless partial clone has no history, with the fetch that downloads it", async () => {
  const dir = tempDir("hearth-wsindex-treeless-");
  const lines: string[] = [];
  const treeless = await readyOf(offlineClone(dir, "tree:0"), lines);
  try {
    assert.equal(treeless.ready.historyOff, WHY);
    assert.equal(lines.filter((l) => l.includes("this partial clone has not downloaded")).length, 1, lines.join("\n"));
    assert.match(lines.find((l) => l.startsWith("index: 1 files")) ?? "", /, no git history: this partial clone has not downloaded the trees/);
    // The counts asked again after a save keep the line's note.
    const saved = await treeless.afterSave();
    assert.equal(saved.kind === "ready" && saved.historyOff, WHY);
  } finally {
    await treeless.dispose();
  }
  // A blobless clone (--filter=blob:none) reads its history: no such note.
  const blobless = await readyOf(offlineClone(dir, "blob:none"), lines);
  try {
    assert.equal(blobless.ready.historyOff, undefined);
    assert.match(lines.at(-1) ?? "", /, 2 commits of history$/);
  } finally {
    await blobless.dispose();
    setLogSink(undefined);
  }
});

it("says in the Hearth view that a depth-1 clone has no history, with how to get it", async () => {
  const dir = tempDir("hearth-wsindex-shallow-");
  const origin = committedRepo(join(dir, "origin"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  writeFileSync(join(origin, "calc.py"), "def add(a, b):\n    return a + b\n");
  git(origin, "commit", "-qam", "fix add: it subtracted");
  const lines: string[] = [];
  for (const depth of [1, 2]) git(dir, "clone", "-q", `--depth=${depth}`, `file://${origin}`, join(dir, `depth${depth}`));
  const one = await readyOf(join(dir, "depth1"), lines);
  try {
    assert.equal(one.ready.historyOff, shallowHistoryMessage(0));
    assert.match(shallowHistoryMessage(0), /^shallow clone: 0 commits of history \(.*\); for more of the history, which helps ranking, run git fetch --unshallow/);
  } finally {
    await one.dispose();
  }
  // One real commit read: the view says nothing; the log line says what the history is.
  const two = await readyOf(join(dir, "depth2"), lines);
  try {
    assert.equal(two.ready.historyOff, undefined);
    assert.ok(lines.at(-1)?.endsWith(`, ${shallowHistoryMessage(1)}`), lines.at(-1));
  } finally {
    await two.dispose();
    setLogSink(undefined);
  }
});
