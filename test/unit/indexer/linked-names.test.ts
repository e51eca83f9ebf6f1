import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RepoIndex } from "../../../src/indexer/index.ts";
import { LinkedNames } from "../../../src/indexer/linked-names.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

/**
 * The scan indexes a file under each name a symbolic link gives it (a link to a folder, a link
 * to a file); the editor's watcher and its saves name one of them. Each of its names must
 * follow, or the others keep the old content: two definitions of one function, one of them
 * gone from the disk, in locate, find_symbol and the repo map until the next build.
 */
describe("a file indexed under several names (symbolic links)", () => {
  /** Each definition name with the files defining it, sorted: the index as a reader sees it. */
  const definitions = (index: RepoIndex) =>
    [...index.files.values()].flatMap((r) => r.definitions.map((d) => `${d.name} ${r.path}`)).sort();

  const linkedTree = (dir: string) => {
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src/a.ts"), "export function alpha() {}\n");
    symlinkSync("src", join(dir, "alias"));
    symlinkSync("src/a.ts", join(dir, "b.ts"));
  };

  it("a change the watcher names under one name reaches the others", async () => {
    const { dir, cleanup } = tempDir();
    try {
      linkedTree(dir);
      const index = await indexOf(dir, { history: false });
      assert.deepEqual(definitions(index), ["alpha alias/a.ts", "alpha b.ts", "alpha src/a.ts"]);
      writeFileSync(join(dir, "src/a.ts"), "export function bravo() {}\n");
      await index.updateFile("src/a.ts");
      assert.deepEqual(definitions(index), ["bravo alias/a.ts", "bravo b.ts", "bravo src/a.ts"]);
      // Edited through the folder's link (opened as alias/a.ts): its real name and the file link follow.
      writeFileSync(join(dir, "alias/a.ts"), "export function charlie() {}\n");
      await index.updateFile("alias/a.ts");
      assert.deepEqual(definitions(index), ["charlie alias/a.ts", "charlie b.ts", "charlie src/a.ts"]);
      // A new file in the real folder is in the linked one too, as a fresh build finds it.
      writeFileSync(join(dir, "src/c.ts"), "export function delta() {}\n");
      await index.updateFile("src/c.ts");
      // The editor's unsaved text of one name is the text of all.
      await index.updateFile("src/c.ts", "export function echo() {}\n");
      assert.deepEqual(definitions(index).filter((d) => !d.startsWith("charlie")), ["echo alias/c.ts", "echo src/c.ts"]);
      await index.updateFile("src/c.ts");
      assert.deepEqual(definitions(index), definitions(await indexOf(dir, { history: false })));
    } finally {
      cleanup();
    }
  });

  it("a file deleted or renamed under its real name leaves no ghost under its links' names", async () => {
    const { dir, cleanup } = tempDir();
    try {
      linkedTree(dir);
      writeFileSync(join(dir, "src/c.ts"), "export function delta() {}\n");
      const index = await indexOf(dir, { history: false });
      rmSync(join(dir, "src/c.ts"));
      index.removeFile("src/c.ts");
      renameSync(join(dir, "src/a.ts"), join(dir, "src/z.ts"));
      await index.renameFile("src/a.ts", "src/z.ts");
      // b.ts now dangles: the scan leaves it out unread, and so does the update.
      assert.deepEqual(definitions(index), definitions(await indexOf(dir, { history: false })));
      assert.deepEqual(definitions(index), ["alpha alias/z.ts", "alpha src/z.ts"]);
      // The folder's link deleted: its names go, the real folder stays.
      rmSync(join(dir, "alias"));
      index.removeFile("alias");
      assert.deepEqual(definitions(index), ["alpha src/z.ts"]);
    } finally {
      cleanup();
    }
  });
});

describe("LinkedNames.forget", () => {
  it("looks at no link for a removal with no link at or under it (a checkout's thousands of deletes)", () => {
    const names = new LinkedNames();
    for (let i = 0; i < 1000; i++) names.add(`vendor/lib${i}`, `libs/lib${i}`);
    names.add("alias", "src");
    // The links' own map: each look through all of it is a walk of every link.
    const targetOf = (names as unknown as { targetOf: Map<string, string> }).targetOf;
    let walks = 0;
    for (const method of ["entries", "keys", "values", "forEach", Symbol.iterator] as const) {
      const original = (targetOf as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[method]!;
      Object.defineProperty(targetOf, method, { value: (...a: unknown[]) => (walks++, original.apply(targetOf, a)) });
    }
    for (let i = 0; i < 1000; i++) names.forget(`src/file${i}.ts`);
    assert.equal(walks, 0);
    // A link, a folder of links and a link under a folder still go.
    names.forget("alias");
    assert.deepEqual(names.otherNames("src/a.ts"), []);
    names.forget("vendor");
    assert.deepEqual(names.otherNames("libs/lib3/x.ts"), []);
    names.add("deep/one", "libs/one");
    names.forget("deep");
    assert.deepEqual(names.otherNames("libs/one/x.ts"), []);
  });
});
