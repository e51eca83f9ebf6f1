// The folder Hearth works in was not on disk when its index was built (a .code-workspace whose
// folders all moved since, a drive or network share not mounted yet) or went away for a while
// after (a share that dropped, a clone deleted and cloned again): put back, the index stayed
// "indexing failed: the folder … is gone" — or stopped checking the disk — for the rest of the
// session, while the agent's messages ran there again; only Reindex Workspace, which nothing
// named, mended it. Now the index's check of the disk builds it again once the folder is back.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it, mock } from "node:test";
import type { IndexState } from "../../../src/protocol/status.ts";
import { setLogSink } from "../../../src/runtime/log.ts";
import { RECHECK_MS, WorkspaceIndex } from "../../../src/runtime/workspace-index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const OUT = resolve(import.meta.dirname, "../../../out");
if (!existsSync(join(OUT, "indexer-worker.mjs"))) throw new Error("out/indexer-worker.mjs is missing: run npm run build first");

/** Waits for `f` to give a value; a wait that never ends fails by the test's own limit. */
async function until<T>(f: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (;;) {
    const value = await f();
    if (value !== undefined) return value;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A folder's index on a fake setInterval (the check of the disk every RECHECK_MS), its states and log lines kept. */
function indexOf(root: string): { states: IndexState[]; lines: string[]; index: WorkspaceIndex } {
  const lines: string[] = [];
  setLogSink((_level, text) => void lines.push(text));
  mock.timers.reset(); // a test that ran past its limit never reached its own reset
  mock.timers.enable({ apis: ["setInterval"] });
  const states: IndexState[] = [];
  return { states, lines, index: new WorkspaceIndex({ root, storageDir: join(root, "..", "storage"), assetsDir: OUT, onState: (s) => void states.push(s) }) };
}

async function closed(index: WorkspaceIndex): Promise<void> {
  mock.timers.reset();
  setLogSink(undefined);
  await index.dispose();
}

const readyFiles = (states: readonly IndexState[]) => {
  const last = states.at(-1);
  return last?.kind === "ready" ? last.files : undefined;
};

describe("the index of a folder that is back on disk", () => {
  it("is built once the folder is there again, after a build that found it gone", { timeout: 60_000 }, async () => {
    const root = join(tempDir("hearth-index-back-"), "app");
    const { states, index } = indexOf(root);
    try {
      await assert.rejects(index.build(), /the folder .* is gone/);
      assert.equal(states.at(-1)?.kind, "error");
      // Still gone at the next check: it says so as before, nothing else.
      mock.timers.tick(RECHECK_MS);
      await new Promise((r) => setImmediate(r));
      assert.equal(states.at(-1)?.kind, "error");

      mkdirSync(root);
      writeFileSync(join(root, "app.ts"), "export function renderDashboard(): string {\n  return 'ok';\n}\n");
      mock.timers.tick(RECHECK_MS);
      assert.equal(await until(() => readyFiles(states)), 1);
      assert.equal((await index.queries!.findDefinitions("renderDashboard"))[0]?.path, "app.ts");
    } finally {
      await closed(index);
    }
  });

  it("checks the disk again once the folder is back, after a check that found it gone", { timeout: 60_000 }, async () => {
    const root = join(tempDir("hearth-index-back-"), "app");
    mkdirSync(root);
    writeFileSync(join(root, "app.ts"), "export function renderDashboard(): string {\n  return 'ok';\n}\n");
    const { states, lines, index } = indexOf(root);
    try {
      await index.build();
      assert.equal(readyFiles(states), 1);
      rmSync(root, { recursive: true }); // the share dropped; the clone deleted to be cloned again
      mock.timers.tick(RECHECK_MS);
      await until(() => (lines.some((l) => l.includes("checking the disk for changes failed")) ? true : undefined));

      mkdirSync(root);
      writeFileSync(join(root, "app.ts"), "export function renderSettings(): string {\n  return 'ok';\n}\n");
      writeFileSync(join(root, "extra.ts"), "export function exportLedger(): void {}\n");
      mock.timers.tick(RECHECK_MS);
      await until(async () => ((await index.queries!.findDefinitions("exportLedger")).length ? true : undefined));
      assert.equal((await index.queries!.findDefinitions("renderSettings"))[0]?.path, "app.ts");
      assert.equal(await until(() => (readyFiles(states) === 2 ? 2 : undefined)), 2);
    } finally {
      await closed(index);
    }
  });
});
