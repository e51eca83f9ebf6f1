// The runtime's workspace index with the bundled indexer thread (out/indexer-worker.mjs and
// out/queries from `npm run build`) on a small real tree.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it, mock } from "node:test";
import type { IndexState } from "../../../src/protocol/status.ts";
import { setLogSink } from "../../../src/runtime/log.ts";
import { WorkspaceIndex } from "../../../src/runtime/workspace-index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const OUT = resolve(import.meta.dirname, "../../../out");
if (!existsSync(join(OUT, "indexer-worker.mjs"))) throw new Error("out/indexer-worker.mjs is missing: run npm run build first");

function tree(): string {
  const root = tempDir("hearth-wsindex-");
  writeFileSync(join(root, "billing.py"), "def compute_invoice_total(items):\n    return sum(i.price for i in items)\n");
  writeFileSync(join(root, "app.ts"), "export function renderDashboard(): string {\n  return 'ok';\n}\n");
  return root;
}

// No limit of its own (it was 15 s, which a loaded machine's index
// could need): a wait that never ends fails by the runner's limit on a test file.
async function until<T>(f: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await f();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The bundled assets, with a worker entry that runs the real one and ends its thread (exit code 7)
 * when the index is asked for the definitions of `__exit__` (an index thread that dies, out of
 * memory or in a crash, after it was ready), and 8 when a build starts while the root holds
 * `die-in-build`.
 */
function assetsWithAMortalThread(): string {
  const dir = tempDir("hearth-wsindex-assets-");
  symlinkSync(join(OUT, "queries"), join(dir, "queries"));
  writeFileSync(
    join(dir, "indexer-worker.mjs"),
    // After the real entry's listener: a message that came before it would be this one's only.
    `import { parentPort, workerData } from "node:worker_threads";
import { existsSync } from "node:fs";
await import(${JSON.stringify(pathToFileURL(join(OUT, "indexer-worker.mjs")).href)});
if (workerData.role === "index") parentPort.on("message", (m) => {
  if (m.method === "findDefinitions" && m.params.name === "__exit__") process.exit(7);
  if (m.method === "build" && existsSync(workerData.options.root + "/die-in-build")) process.exit(8);
});
`,
  );
  return dir;
}

/** Resolves with the first state `pick` accepts from now on. */
function nextState(states: { listener?: (s: IndexState) => void }, pick: (s: IndexState) => boolean): Promise<IndexState> {
  return new Promise((resolveState) => {
    states.listener = (s) => {
      if (pick(s)) resolveState(s);
    };
  });
}

describe("WorkspaceIndex in the runtime", () => {
  it("builds on its own thread, reports indexing → ready, and answers queries", async () => {
    const states: IndexState[] = [];
    const index = new WorkspaceIndex({ root: tree(), assetsDir: OUT, onState: (s) => states.push(s) });
    try {
      const report = await index.build();
      assert.equal(report.files, 2);
      assert.equal(states[0]!.kind, "indexing");
      assert.deepEqual(states.at(-1), { kind: "ready", files: 2, symbols: report.definitions });
      const hits = await index.queries!.findDefinitions("compute_invoice_total");
      assert.equal(hits[0]?.path, "billing.py");
    } finally {
      await index.dispose();
    }
  });

  it("says in its ready state that it stopped at the file limit, and why", async () => {
    const states: IndexState[] = [];
    const index = new WorkspaceIndex({ root: tree(), assetsDir: OUT, onState: (s) => states.push(s), limits: { maxFiles: 1 } });
    try {
      const report = await index.build();
      assert.equal(report.files, 1);
      const ready = states.at(-1);
      assert.equal(ready?.kind, "ready");
      assert.match(ready?.kind === "ready" ? (ready.stopped ?? "") : "", /^stopped at 1 file, the ones nearest the root \(1 folder not fully indexed\)/);
    } finally {
      await index.dispose();
    }
  });

  it("says in its ready state how many files it left out and why, not counting what the user ignores", async () => {
    const root = tree();
    writeFileSync(join(root, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
    writeFileSync(join(root, "dump.json"), `[${"1,".repeat(600)}1]\n`);
    writeFileSync(join(root, "shared-ignore"), "*.log\n");
    symlinkSync("shared-ignore", join(root, ".gitignore"));
    writeFileSync(join(root, ".hearthignore"), "scratch.ts\n");
    writeFileSync(join(root, "scratch.ts"), "export const S = 1;\n");
    const states: IndexState[] = [];
    const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: (s) => states.push(s), limits: { maxFileBytes: 1000 } });
    try {
      await index.build();
      const ready = states.at(-1);
      assert.equal(ready?.kind, "ready");
      assert.equal(
        ready?.kind === "ready" ? ready.leftOut : undefined,
        "3 not indexed: 1 binary, 1 too large, 1 unreadable (.gitignore: a symbolic link: its rules are not applied (git does not follow it either))",
      );
    } finally {
      await index.dispose();
    }
  });

  it("follows unsaved edits, new files, renames and deletes one file at a time", async () => {
    const root = tree();
    const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: () => undefined, editDebounceMs: 10 });
    try {
      await index.build();
      const q = () => index.queries!;
      index.fileChanged("app.ts", "export function renderSettings(): string {\n  return 'ok';\n}\n");
      await until(async () => ((await q().findDefinitions("renderSettings")).length ? true : undefined));
      writeFileSync(join(root, "extra.go"), "package main\n\nfunc ParseLedger() {}\n");
      index.fileChanged("extra.go");
      await until(async () => ((await q().findDefinitions("ParseLedger"))[0]?.path === "extra.go" ? true : undefined));
      renameSync(join(root, "extra.go"), join(root, "ledger.go"));
      index.fileRenamed("extra.go", "ledger.go");
      await until(async () => ((await q().findDefinitions("ParseLedger"))[0]?.path === "ledger.go" ? true : undefined));
      rmSync(join(root, "billing.py"));
      index.fileDeleted("billing.py");
      await until(async () => ((await q().findDefinitions("compute_invoice_total")).length === 0 ? true : undefined));
    } finally {
      await index.dispose();
    }
  });

  // An edit waits for its debounce; a rename inside that wait used to re-add the old name with
  // the unsaved text when the wait ended: a ghost file the disk no longer has, listed beside
  // the new one until the next build. The waiting text now goes to the new name.
  it("a rename while an unsaved edit waits moves the edit to the new name, leaving no ghost of the old", async () => {
    const root = tree();
    const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: () => undefined, editDebounceMs: 0 });
    try {
      await index.build();
      const q = () => index.queries!;
      index.fileChanged("app.ts", "export function renderSettings(): string {\n  return 'ok';\n}\n");
      renameSync(join(root, "app.ts"), join(root, "App.ts"));
      index.fileRenamed("app.ts", "App.ts");
      const paths = await until(async () => {
        const hits = (await q().findDefinitions("renderSettings")).map((d) => d.path);
        return hits.length ? hits : undefined;
      });
      assert.deepEqual(paths, ["App.ts"]);
      assert.deepEqual(await q().fileOutline("app.ts"), []);
      assert.deepEqual(await q().findDefinitions("renderDashboard"), []);
    } finally {
      await index.dispose();
    }
  });

  // The same inside a renamed folder: the rename names the folder, the waiting edit its file,
  // so the edit ran under the old folder's name and added back a file the disk no longer has.
  it("a folder renamed while an unsaved edit of a file in it waits moves the edit along", async () => {
    const root = tree();
    mkdirSync(join(root, "ui"));
    writeFileSync(join(root, "ui", "panel.ts"), "export function renderPanel(): string {\n  return 'ok';\n}\n");
    const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: () => undefined, editDebounceMs: 0 });
    try {
      await index.build();
      const q = () => index.queries!;
      index.fileChanged("ui/panel.ts", "export function renderSidePanel(): string {\n  return 'ok';\n}\n");
      renameSync(join(root, "ui"), join(root, "views"));
      index.fileRenamed("ui", "views");
      const paths = await until(async () => {
        const hits = (await q().findDefinitions("renderSidePanel")).map((d) => d.path);
        return hits.length ? hits : undefined;
      });
      assert.deepEqual(paths, ["views/panel.ts"]);
      assert.deepEqual(await q().fileOutline("ui/panel.ts"), []);
      assert.deepEqual(await q().findDefinitions("renderPanel"), []);
    } finally {
      await index.dispose();
    }
  });

  // A second rename (or a delete) before the first is done: the edit moved to the first new
  // name waited there and ran under it once the first rename ended, a file the disk no longer has.
  it("a file renamed twice while an unsaved edit waits takes the edit to its last name", async () => {
    const root = tree();
    const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: () => undefined, editDebounceMs: 0 });
    try {
      await index.build();
      const q = () => index.queries!;
      index.fileChanged("app.ts", "export function renderSettings(): string {\n  return 'ok';\n}\n");
      renameSync(join(root, "app.ts"), join(root, "main.ts"));
      index.fileRenamed("app.ts", "main.ts");
      renameSync(join(root, "main.ts"), join(root, "view.ts"));
      index.fileRenamed("main.ts", "view.ts");
      const paths = await until(async () => {
        const hits = (await q().findDefinitions("renderSettings")).map((d) => d.path);
        return hits.length ? hits : undefined;
      });
      assert.deepEqual(paths, ["view.ts"]);
      assert.deepEqual(await q().fileOutline("main.ts"), []);
      assert.deepEqual(await q().findDefinitions("renderDashboard"), []);
    } finally {
      await index.dispose();
    }
  });

  it("a file renamed while an unsaved edit waits, then deleted, leaves no ghost", async () => {
    const root = tree();
    const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: () => undefined, editDebounceMs: 0 });
    try {
      await index.build();
      const q = () => index.queries!;
      index.fileChanged("app.ts", "export function renderSettings(): string {\n  return 'ok';\n}\n");
      renameSync(join(root, "app.ts"), join(root, "main.ts"));
      index.fileRenamed("app.ts", "main.ts");
      rmSync(join(root, "main.ts"));
      index.fileDeleted("main.ts");
      // A later rename with its own waiting edit: once that edit is in, the first rename is done too.
      index.fileChanged("billing.py", "def compute_refund(items):\n    return 0\n");
      renameSync(join(root, "billing.py"), join(root, "refunds.py"));
      index.fileRenamed("billing.py", "refunds.py");
      await until(async () => ((await q().findDefinitions("compute_refund")).length ? true : undefined));
      assert.deepEqual(await q().findDefinitions("renderSettings"), []);
      assert.deepEqual(await q().fileOutline("main.ts"), []);
    } finally {
      await index.dispose();
    }
  });

  // A delete inside the wait of an unsaved edit: the edit ran once the wait ended and added
  // back, with its unsaved text, the file the disk no longer has (a folder deleted too).
  it("a file deleted while an unsaved edit of it waits leaves no ghost", async () => {
    const root = tree();
    mkdirSync(join(root, "ui"));
    writeFileSync(join(root, "ui", "panel.ts"), "export function renderPanel(): string {\n  return 'ok';\n}\n");
    const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: () => undefined, editDebounceMs: 300 });
    try {
      await index.build();
      const q = () => index.queries!;
      mock.timers.enable({ apis: ["setTimeout"] });
      try {
        index.fileChanged("app.ts", "export function renderSettings(): string {\n  return 'ok';\n}\n");
        index.fileChanged("ui/panel.ts", "export function renderSidebar(): string {\n  return 'ok';\n}\n");
        rmSync(join(root, "app.ts"));
        index.fileDeleted("app.ts");
        rmSync(join(root, "ui"), { recursive: true });
        index.fileDeleted("ui");
        // A later edit, sent once the wait is over: once it is in, those before it are too.
        index.fileChanged("billing.py", "def compute_refund(items):\n    return 0\n");
        mock.timers.tick(300);
      } finally {
        mock.timers.reset();
      }
      await until(async () => ((await q().findDefinitions("compute_refund")).length ? true : undefined));
      assert.deepEqual(await q().findDefinitions("renderSettings"), []);
      assert.deepEqual(await q().findDefinitions("renderSidebar"), []);
      assert.deepEqual(await q().fileOutline("app.ts"), []);
      assert.deepEqual(await q().fileOutline("ui/panel.ts"), []);
    } finally {
      await index.dispose();
    }
  });

  it("a second runtime on the unchanged tree starts from the cache", async () => {
    const root = tree();
    const storageDir = tempDir("hearth-wsindex-cache-");
    const first = new WorkspaceIndex({ root, storageDir, assetsDir: OUT, onState: () => undefined });
    await first.build();
    await first.dispose(); // saves
    const second = new WorkspaceIndex({ root, storageDir, assetsDir: OUT, onState: () => undefined });
    try {
      const report = await second.build();
      assert.deepEqual([report.parsed, report.reused], [0, 2]);
      const forced = await second.build(true); // "Reindex Workspace": the cache is ignored
      assert.deepEqual([forced.parsed, forced.reused], [2, 0]);
    } finally {
      await second.dispose();
    }
  });

  // The log said how many files came from the cache, never why none did: a damaged cache, one
  // of another version and a first start read alike.
  it("says once in its log why the cache was not used", async () => {
    const root = tree();
    const storageDir = tempDir("hearth-wsindex-cache-");
    const lines: string[] = [];
    setLogSink((_level, text) => void lines.push(text));
    const reasons = (): string[] => lines.filter((l) => l.startsWith("index: the cache"));
    try {
      const first = new WorkspaceIndex({ root, storageDir, assetsDir: OUT, onState: () => undefined });
      await first.build();
      await first.dispose();
      assert.deepEqual(reasons(), ["index: the cache was not used: there is none yet for this folder (its first index); it is written for the next start"]);
      lines.length = 0;
      const [cacheFile] = readdirSync(storageDir);
      writeFileSync(join(storageDir, cacheFile!), "garbage, not a cache");
      const second = new WorkspaceIndex({ root, storageDir, assetsDir: OUT, onState: () => undefined });
      await second.build();
      await second.build(true);
      await second.dispose();
      assert.deepEqual(reasons(), [
        "index: the cache was not used: its file is damaged (cut short, or not Hearth's); every file is parsed again",
        "index: the cache was not used: Reindex Workspace parses every file again",
      ]);
      lines.length = 0;
      const third = new WorkspaceIndex({ root, storageDir, assetsDir: OUT, onState: () => undefined });
      await third.build();
      await third.dispose();
      assert.deepEqual(reasons(), [], "a cache that was used is not mentioned");
    } finally {
      setLogSink(undefined);
    }
  });

  it("an index thread that dies after it was ready is started again, says so, and answers again; Reindex works after one that died in a build", { timeout: 60_000 }, async () => {
    const seen: IndexState[] = [];
    const states: { listener?: (s: IndexState) => void } = {};
    const root = tree();
    const index = new WorkspaceIndex({ root, assetsDir: assetsWithAMortalThread(), onState: (s) => (seen.push(s), states.listener?.(s)) });
    try {
      await index.build();
      const first = index.queries!;
      const readyAgain = nextState(states, (s) => s.kind === "ready");
      await assert.rejects(first.findDefinitions("__exit__"), /index thread exited \(code 7\)/);
      assert.equal(seen.at(-1)?.kind, "indexing", "a new thread builds at once (from the cache where there is one)");
      assert.deepEqual(await readyAgain, seen.at(-1));
      assert.notEqual(index.queries, first);
      assert.equal((await index.queries!.findDefinitions("compute_invoice_total"))[0]?.path, "billing.py");
      // A thread that dies in a build is not started again on its own (it would die again): the
      // state says so, and Reindex Workspace starts a new one.
      writeFileSync(join(root, "die-in-build"), "");
      await assert.rejects(index.build(true), /index thread exited \(code 8\)/);
      const failed = seen.at(-1);
      assert.equal(failed?.kind, "error");
      assert.match(failed?.kind === "error" ? failed.message : "", /^indexing failed: index thread exited \(code 8\); Hearth: Reindex Workspace starts it again$/);
      rmSync(join(root, "die-in-build"));
      assert.equal((await index.build(true)).files, 2);
      assert.equal(seen.at(-1)?.kind, "ready");
    } finally {
      await index.dispose();
    }
  });

  it("a root that cannot be indexed reports an error state instead of crashing", async () => {
    const states: IndexState[] = [];
    const index = new WorkspaceIndex({ root: "/definitely/not/a/folder", assetsDir: OUT, onState: (s) => states.push(s) });
    try {
      await assert.rejects(index.build());
      assert.equal(states.at(-1)?.kind, "error");
    } finally {
      await index.dispose();
    }
  });
});
