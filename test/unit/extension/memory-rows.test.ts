// The Project Memory view's rows: a file the agent leaves out says so, and a long fact does
// not become a hover of the whole file.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { MAX_MEMORY_FILE_BYTES, createMemoryFile, memoryDescription, memoryLeftOut, memoryTooltipText, nothingToPick, rulesRow } from "../../../src/extension/memory-rows.ts";
import { parseMemoryEntry } from "../../../src/protocol/memory.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("Project Memory rows", () => {
  it("a file over 1 MB (a log committed as .md) is listed as left out by agents, which read none of it", () => {
    assert.equal(memoryLeftOut(MAX_MEMORY_FILE_BYTES), false);
    assert.equal(memoryLeftOut(MAX_MEMORY_FILE_BYTES + 1), true);
    const entry = parseMemoryEntry("", ".hearth/memory/2026-01-02-build-log.md");
    assert.equal(memoryDescription(entry, true), "over 1 MB: agents leave it out");
    assert.match(memoryTooltipText(".hearth/memory/2026-01-02-build-log.md", entry, true), /^\*\*Build log\*\*\n\ndate 2026-01-02\n\nThis file is larger than 1 MB, so agents leave it out of their prompt\./);
  });

  it("a rules file over 1 MB says agents leave it out, not that it is read into every prompt", () => {
    assert.deepEqual(rulesRow("AGENTS.md", true), { tooltip: "AGENTS.md is larger than 1 MB, so agents leave it out of their prompt.", description: "over 1 MB: agents leave it out" });
    assert.deepEqual(rulesRow("AGENTS.md", false), { tooltip: "AGENTS.md: read into every agent run's prompt" });
  });

  it("a long fact is cut in the hover, saying how much more the file has", () => {
    const entry = parseMemoryEntry(`---\ntitle: Flaky tests\ndate: 2026-01-02\nsource: added by hand\n---\n\n${"a".repeat(500_000)}`, ".hearth/memory/2026-01-02-flaky.md");
    const hover = memoryTooltipText(".hearth/memory/2026-01-02-flaky.md", entry, false);
    assert.ok(hover.length < 2200, `${hover.length} characters`);
    assert.match(hover, /a…\n\n\(498,000 more characters in the file\)\n\n_\.hearth\/memory\/2026-01-02-flaky\.md_$/);
    assert.equal(memoryDescription(entry, false), "2026-01-02 · added by hand");
  });
});

describe("Edit / Forget Project Memory with nothing to pick", () => {
  it("with no folder open it says to open one, not that 'this workspace has no project memory yet'", () => {
    assert.deepEqual(nothingToPick(false), { message: "Hearth: open a folder first; project memory lives in its .hearth/ folder.", action: "Open Folder…" });
  });

  it("in a folder without memory it says so and offers to add one", () => {
    assert.deepEqual(nothingToPick(true), { message: "Hearth: this folder has no project memory yet (.hearth/memory/).", action: "Add Project Memory…" });
  });
});

describe("Add Project Memory's file name", () => {
  /** Creates a file only where none is, as the editor's create-without-overwrite edit does; `before` runs first once (another writer). */
  function creator(root: string, before?: () => void) {
    const tried: string[] = [];
    const create = async (path: string): Promise<boolean> => {
      tried.push(path);
      before?.();
      before = undefined;
      mkdirSync(dirname(join(root, path)), { recursive: true });
      try {
        writeFileSync(join(root, path), `mine: ${path}\n`, { flag: "wx" });
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
      }
    };
    return { tried, create };
  }

  it("an entry another window or hearth fix wrote under the same name a moment before is kept: this one takes the next number", async () => {
    const root = tempDir("hearth-add-memory-");
    const theirs = join(root, ".hearth/memory/2026-03-04-lint-first.md");
    const { tried, create } = creator(root, () => {
      mkdirSync(dirname(theirs), { recursive: true });
      writeFileSync(theirs, "theirs\n");
    });
    assert.equal(await createMemoryFile(create, "2026-03-04", "Lint first"), ".hearth/memory/2026-03-04-lint-first-2.md");
    assert.deepEqual(tried, [".hearth/memory/2026-03-04-lint-first.md", ".hearth/memory/2026-03-04-lint-first-2.md"]);
    assert.equal(readFileSync(theirs, "utf8"), "theirs\n");
  });

  it("a title of punctuation only is named 'memory'; after 99 of one name it gives up instead of looping forever", async () => {
    const root = tempDir("hearth-add-memory-");
    const { create } = creator(root);
    assert.equal(await createMemoryFile(create, "2026-03-04", "?!…"), ".hearth/memory/2026-03-04-memory.md");
    const taken = async () => false;
    assert.equal(await createMemoryFile(taken, "2026-03-04", "Lint first"), undefined);
  });
});
