// Queries over an index whose ranked file was replaced after indexing by something that must
// not be read whole (a FIFO, a file over the index's size limit, a link to /dev/zero), run on
// a thread of their own by replaced-files.test.ts: a read that blocks ends with the test's
// timeout instead of holding the test runner.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { contextAt, locate, locateEntities } from "../../../../src/indexer/index.ts";
import type { RepoIndex } from "../../../../src/indexer/repo-index.ts";
import { indexOf, tempDir } from "./setup.ts";

const SOURCE = [
  "def resize_widget(width):",
  '    raise ValueError("the widget cannot be resized below its minimum width")',
  "",
  "",
  "def shrink_widget(width):",
  "    return resize_widget(width - 1)",
  "",
].join("\n");
const ISSUE = 'resize_widget fails\n\nIt says "the widget cannot be resized below its minimum width" when I call `resize_widget(3)`.\n';

/** How the file is replaced after indexing. */
export type Replacement = "fifo" | "over-limit" | "dev-zero" | "none";

/**
 * Indexes a small checkout (a 4 KiB file limit), replaces src/widget.py, then ranks files and
 * entities for an issue that names its function and quotes its message: the files as
 * `path: reasons`, then the entities as `name: reasons`.
 */
export function rankReplaced(replacement: Replacement): Promise<string[]> {
  return withReplaced(replacement, (index) => {
    const files = locate(index, ISSUE, { top: 5 });
    const entities = locateEntities(index, ISSUE, files, { top: 3 });
    return [...files.filter((f) => f.score > 0).map((f) => `${f.path}: ${f.reasons.join("; ")}`), ...entities.map((e) => `${e.name}: ${e.reasons.join("; ")}`)];
  });
}

/** The snippets a completion in src/other.py gets for a line that calls resize_widget, as `path: text`. */
export function completeReplaced(replacement: Replacement): Promise<string[]> {
  return withReplaced(replacement, async (index) => {
    const text = "def other(width):\n    return resize_widget(width)\n";
    const context = await contextAt(index, "src/other.py", 1, { text, character: 11 });
    return context.snippets.map((s) => `${s.path}: ${s.text}`);
  });
}

/** What the index makes of src/widget.py when the watcher reports it changed: the update's result and the file's skip, as `result reason detail`. */
export function updateReplaced(replacement: Replacement): Promise<string> {
  return withReplaced(replacement, async (index) => {
    const result = await index.updateFile("src/widget.py");
    const skip = index.skipped.get("src/widget.py");
    return [result, skip?.reason, skip?.detail].filter((part) => part !== undefined).join(" ");
  });
}

async function withReplaced<T>(replacement: Replacement, body: (index: RepoIndex) => T | Promise<T>): Promise<T> {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, "src"));
    const widget = join(dir, "src", "widget.py");
    writeFileSync(widget, SOURCE);
    writeFileSync(join(dir, "src", "other.py"), "def other(width):\n    return width\n");
    const index = await indexOf(dir, { history: false, limits: { maxFileBytes: 4096 } });
    try {
      if (replacement !== "none") rmSync(widget);
      if (replacement === "fifo") execFileSync("mkfifo", [widget]);
      // Sparse: a gigabyte on disk costs nothing, read whole it would.
      if (replacement === "over-limit") writeFileSync(widget, SOURCE), truncateSync(widget, 1024 ** 3);
      if (replacement === "dev-zero") symlinkSync("/dev/zero", widget);
      return await body(index);
    } finally {
      await index.close();
    }
  } finally {
    cleanup();
  }
}
