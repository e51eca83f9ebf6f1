// VS Code's file watcher names no change in a folder listed in files.watcherExclude, none that
// another machine made on a network mount, and none once it stopped watching (Linux's inotify
// limit): the index stayed as it was for the whole session, with nothing said. It now checks
// the disk now and then, and says once that changes came with no event, and what to do.
import assert from "node:assert/strict";
import { existsSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it, mock } from "node:test";
import type { IndexState } from "../../../src/protocol/status.ts";
import { setLogSink } from "../../../src/runtime/log.ts";
import { missedEventsMessage, RECHECK_MS, WorkspaceIndex } from "../../../src/runtime/workspace-index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const OUT = resolve(import.meta.dirname, "../../../out");
if (!existsSync(join(OUT, "indexer-worker.mjs"))) throw new Error("out/indexer-worker.mjs is missing: run npm run build first");

/**
 * Waits for `f` to give a value. No give-up of its own (was 300 tries, about 6 s, which a loaded
 * machine's index threads could need while right): a wait that never ends fails by the
 * runner's limit on a test file.
 */
async function until<T>(f: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await f();
    if (value !== undefined) return value;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Written with a modification time minutes back: a change its watcher event would have named long ago. */
function writtenEarlier(file: string, text: string): void {
  writeFileSync(file, text);
  const earlier = new Date(Date.now() - 10 * 60_000);
  utimesSync(file, earlier, earlier);
}

/** A folder holding app.ts, its index (not built yet), the runtime's log lines and index states, on a fake setInterval. */
function watchedFolder(): { root: string; lines: string[]; states: IndexState[]; index: WorkspaceIndex } {
  const root = tempDir("hearth-missed-");
  writeFileSync(join(root, "app.ts"), "export function renderDashboard(): string {\n  return 'ok';\n}\n");
  const lines: string[] = [];
  setLogSink((_level, text) => void lines.push(text));
  mock.timers.enable({ apis: ["setInterval"] });
  const states: IndexState[] = [];
  return { root, lines, states, index: new WorkspaceIndex({ root, assetsDir: OUT, onState: (s) => void states.push(s) }) };
}

async function closed(index: WorkspaceIndex): Promise<void> {
  mock.timers.reset();
  setLogSink(undefined);
  await index.dispose();
}

describe("changes no watcher event named", () => {
  it("are found by the index's own check of the disk, which says once that the watcher missed them", { timeout: 60_000 }, async () => {
    const { root, lines, states, index } = watchedFolder();
    try {
      await index.build();
      const q = () => index.queries!;
      // Written on disk; no fileChanged: the watcher said nothing.
      writtenEarlier(join(root, "app.ts"), "export function renderSettings(): string {\n  return 'ok';\n}\n");
      writtenEarlier(join(root, "extra.ts"), "export function exportLedger(): void {}\n");
      assert.deepEqual(await q().findDefinitions("renderSettings"), []);
      mock.timers.tick(RECHECK_MS);
      await until(async () => ((await q().findDefinitions("exportLedger")).length ? true : undefined));
      assert.equal((await q().findDefinitions("renderSettings"))[0]?.path, "app.ts");
      assert.deepEqual(await q().findDefinitions("renderDashboard"), []);
      const said = () => lines.filter((l) => l.includes("no word from the editor's file watcher"));
      await until(async () => (said().length ? true : undefined));
      assert.deepEqual(said(), [missedEventsMessage(2)]);
      assert.match(said()[0]!, /sudo sysctl fs\.inotify\.max_user_watches=524288/);
      // The Hearth view says it too, from now on (a user whose index was stale never opens the log).
      const last = states.at(-1);
      assert.equal(last?.kind, "ready");
      assert.match((last?.kind === "ready" && last.missedEvents) || "", /file watcher did not report.*sudo sysctl fs\.inotify\.max_user_watches=524288/);
      // It says how to make it go away for good, and when it goes, to a user who never heard of inotify.
      assert.match((last?.kind === "ready" && last.missedEvents) || "", /fs\.inotify\.max_user_watches=524288 to \/etc\/sysctl\.conf.*reload the window/);
      // Its counts are the check's: extra.ts is counted.
      assert.deepEqual(last?.kind === "ready" && [last.files, last.symbols], [2, 2]);
      await index.build(true);
      const rebuilt = states.at(-1);
      assert.ok(rebuilt?.kind === "ready" && rebuilt.missedEvents);
      // Said once: the next miss is found, not said again.
      writtenEarlier(join(root, "extra.ts"), "export function importLedger(): void {}\n");
      mock.timers.tick(RECHECK_MS);
      await until(async () => ((await q().findDefinitions("importLedger")).length ? true : undefined));
      assert.equal(said().length, 1);
    } finally {
      await closed(index);
    }
  });
  it("are not taken for missed events when written just as the check runs (their event may be on its way)", { timeout: 60_000 }, async () => {
    const { root, lines, states, index } = watchedFolder();
    try {
      await index.build();
      const q = () => index.queries!;
      // Saved a moment before the check: the editor's event for it is still to come.
      writeFileSync(join(root, "app.ts"), "export function renderSettings(): string {\n  return 'ok';\n}\n");
      writeFileSync(join(root, "more.ts"), "export function a(): void {}\nexport function b(): void {}\n");
      mock.timers.tick(RECHECK_MS);
      await until(async () => ((await q().findDefinitions("renderSettings")).length ? true : undefined));
      // The check's report reaches the runtime after its parses are seen: its state says it ended.
      // The Hearth view's index line counts what the check found.
      const counts = () => { const last = states.at(-1); return last?.kind === "ready" ? [last.files, last.symbols] : undefined; };
      await until(async () => (counts()?.[0] === 2 ? true : undefined));
      assert.deepEqual(counts(), [2, 3]);
      assert.deepEqual(lines.filter((l) => l.includes("no word from the editor's file watcher")), []);
    } finally {
      await closed(index);
    }
  });
});
