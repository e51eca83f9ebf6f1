// The Hearth view's index line says "N files, M symbols". It took its counts from builds only:
// a file the explorer added or deleted (a watcher's update of one file) left the line with the
// old counts until the disk check 5 minutes later, or for good where no check changed anything.
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it, mock } from "node:test";
import type { IndexState } from "../../../src/protocol/status.ts";
import { COUNTS_DEBOUNCE_MS, WorkspaceIndex } from "../../../src/runtime/workspace-index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const OUT = resolve(import.meta.dirname, "../../../out");
if (!existsSync(join(OUT, "indexer-worker.mjs"))) throw new Error("out/indexer-worker.mjs is missing: run npm run build first");

// Taken before the fake clock replaces it: the waits below are for the index thread's answers.
const realSetTimeout = globalThis.setTimeout;

// No limit of its own (it was a number of tries: a few seconds, which a loaded machine's index
// could need): a wait that never ends fails by the runner's limit on a test file.
async function until<T>(f: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await f();
    if (value !== undefined) return value;
    await new Promise((r) => realSetTimeout(r, 20));
  }
}

describe("the index line's counts", () => {
  it("follow a file added and one deleted by the watcher, once the burst of updates is over", { timeout: 60_000 }, async () => {
    const root = tempDir("hearth-counts-");
    writeFileSync(join(root, "app.ts"), "export function renderDashboard(): string {\n  return 'ok';\n}\n");
    mock.timers.enable({ apis: ["setTimeout"] });
    const states: IndexState[] = [];
    const counts = () => {
      const last = states.at(-1);
      return last?.kind === "ready" ? [last.files, last.symbols] : undefined;
    };
    const index = new WorkspaceIndex({ root, assetsDir: OUT, onState: (s) => void states.push(s) });
    try {
      await index.build();
      assert.deepEqual(counts(), [1, 1]);
      const q = () => index.queries!;
      writeFileSync(join(root, "extra.ts"), "export function exportLedger(): void {}\nexport function importLedger(): void {}\n");
      index.fileChanged("extra.ts");
      mock.timers.tick(0);
      await until(async () => ((await q().findDefinitions("exportLedger")).length ? true : undefined));
      // One ask for the counts after a burst, not one per event (a checkout sends thousands).
      assert.deepEqual(counts(), [1, 1]);
      mock.timers.tick(COUNTS_DEBOUNCE_MS);
      assert.deepEqual(await until(async () => (counts()?.[0] === 2 ? counts() : undefined)), [2, 3]);
      rmSync(join(root, "app.ts"));
      index.fileDeleted("app.ts");
      await until(async () => ((await q().findDefinitions("renderDashboard")).length ? undefined : true));
      mock.timers.tick(COUNTS_DEBOUNCE_MS);
      assert.deepEqual(await until(async () => (counts()?.[0] === 1 ? counts() : undefined)), [1, 2]);
      assert.equal(states.at(-1)?.kind, "ready");
    } finally {
      mock.timers.reset();
      await index.dispose();
    }
  });
});
