// The remember tool on a real temp workspace: what it writes, and the inputs it refuses
// (nothing is written for those).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isoDate } from "../../../src/protocol/memory.ts";
import { DiskWorkspace, runTool } from "../../../src/tools/index.ts";
import { rememberTool } from "../../../src/tools/remember.ts";
import { tempDir } from "../../fixtures/temp.ts";

/**
 * The disk as another writer shares it: a VS Code window's Add Project Memory (or another
 * `hearth fix`) writes `path` just before this workspace's own write or create of it reaches
 * the disk, after every check this workspace's caller made.
 */
class RacedWorkspace extends DiskWorkspace {
  constructor(root: string, private readonly raced: string, private readonly theirs: string) {
    super(root);
  }

  private otherWriterFirst(path: string): void {
    if (path !== this.raced || existsSync(join(this.root, path))) return;
    mkdirSync(join(this.root, ".hearth", "memory"), { recursive: true });
    writeFileSync(join(this.root, path), this.theirs);
  }

  override async write(path: string, content: Uint8Array): Promise<void> {
    this.otherWriterFirst(path);
    return super.write(path, content);
  }

  override async create(path: string, content: Uint8Array): Promise<boolean> {
    this.otherWriterFirst(path);
    return super.create(path, content);
  }
}

function ctx() {
  const root = tempDir("hearth-remember-");
  return { root, ctx: { workspace: new DiskWorkspace(root), signal: new AbortController().signal, session: "chat 42" } };
}

describe("remember tool", () => {
  it("writes a dated entry with the session as its source; a second entry with the same title gets its own file", async () => {
    const { root, ctx: c } = ctx();
    const first = await runTool(rememberTool, { title: "Lint first", fact: "Run `npm run lint` before committing.", category: "Tooling" }, c);
    assert.ok(first.ok, first.text);
    const second = await runTool(rememberTool, { title: "Lint first", fact: "The linter also checks file names." }, c);
    assert.ok(second.ok, second.text);
    const date = isoDate(new Date());
    assert.deepEqual(readdirSync(join(root, ".hearth", "memory")), [`${date}-lint-first-2.md`, `${date}-lint-first.md`]);
    assert.equal(readFileSync(join(root, ".hearth", "memory", `${date}-lint-first.md`), "utf8"), `---\ntitle: Lint first\ndate: ${date}\nsource: chat 42\ncategory: tooling\n---\n\nRun \`npm run lint\` before committing.\n`);
    assert.match(first.text, /^Remembered "Lint first" in \.hearth\/memory\//);
  });

  it("refuses empty, oversized and malformed input without writing anything", async () => {
    const { root, ctx: c } = ctx();
    const cases: [Record<string, string>, RegExp][] = [
      [{ title: "t", fact: "   " }, /argument "fact" is empty/],
      [{ title: "t", fact: "x".repeat(2001) }, /^Error \(too-large\): the fact has 2001 characters/],
      [{ title: "t".repeat(81), fact: "f" }, /keep it under 80/],
      [{ title: "t", fact: "f", category: "two words" }, /category "two words" is not one short word/],
      [{ fact: "f" }, /arguments must have required property 'title'/],
    ];
    for (const [input, expected] of cases) {
      const result = await runTool(rememberTool, input, c);
      assert.equal(result.ok, false);
      assert.match(result.text, expected);
    }
    assert.equal(existsSync(join(root, ".hearth")), false);
  });

  it("an entry another window wrote under the same name a moment before is kept: this one takes the next free number", async () => {
    const root = tempDir("hearth-remember-");
    const date = isoDate(new Date());
    const theirs = `---\ntitle: Build first\ndate: ${date}\nsource: added by hand\n---\n\nRun the build before the e2e tests.\n`;
    const workspace = new RacedWorkspace(root, `.hearth/memory/${date}-build-first.md`, theirs);
    const result = await runTool(rememberTool, { title: "Build first", fact: "`npm run build` makes out/ for the tests." }, { workspace, signal: new AbortController().signal, session: "chat 7" });
    assert.ok(result.ok, result.text);
    assert.match(result.text, new RegExp(`in \\.hearth/memory/${date}-build-first-2\\.md;`));
    assert.equal(readFileSync(join(root, ".hearth", "memory", `${date}-build-first.md`), "utf8"), theirs, "the other window's entry is untouched");
    assert.match(readFileSync(join(root, ".hearth", "memory", `${date}-build-first-2.md`), "utf8"), /npm run build/);
  });
});
