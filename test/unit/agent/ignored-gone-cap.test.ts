// A chat turn and hearth fix list the files git ignores at the start and look for each at the
// end. Ignored files outside a wholly ignored folder (*.pyc beside the sources, logs) are listed
// one by one, and a repository with 50,000 of them had all 50,000 looked for, one after
// another, every turn. Now at most MAX_IGNORED_CHECKED are, folders and top-level files first,
// and the notice says how many were not. Real git, real files; the cap passed small.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MAX_IGNORED_CHECKED, goneEntries, ignoredEntries } from "../../../src/agent/fix-files.ts";
import { ignoredGoneNotice } from "../../../src/agent/conversation-run.ts";
import { ignoredGoneMessage } from "../../../src/cli/commands/fix.ts";
import { tempDir } from "../../fixtures/temp.ts";

const git = (repo: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@example.com", ...args], { cwd: repo, encoding: "utf8" });

describe("the ignored files a run looks for at its end", () => {
  it("looks for at most the cap, wholly ignored folders and top-level files first, and names the rest as not looked for", async (t) => {
    const repo = tempDir("hearth-ignored-cap-");
    t.after(() => rmSync(repo, { recursive: true, force: true }));
    writeFileSync(join(repo, ".gitignore"), "*.pyc\n.env\nnode_modules/\n");
    for (let i = 0; i < 12; i++) {
      mkdirSync(join(repo, `pkg${String(i).padStart(2, "0")}`));
      writeFileSync(join(repo, `pkg${String(i).padStart(2, "0")}`, "mod.py"), "x = 1\n");
    }
    git(repo, "init", "-q");
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "start");
    for (let i = 0; i < 12; i++) writeFileSync(join(repo, `pkg${String(i).padStart(2, "0")}`, "mod.pyc"), "compiled");
    writeFileSync(join(repo, ".env"), "SECRET=only-here\n");
    mkdirSync(join(repo, "node_modules", "left-pad"), { recursive: true });
    writeFileSync(join(repo, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
    const entries = (await ignoredEntries(repo))!;
    assert.equal(entries.length, 14, entries.join(" "));
    // git clean -fdx: everything ignored is gone.
    git(repo, "clean", "-qfdx");
    const { gone, unchecked } = await goneEntries(repo, entries, 5);
    // .env and node_modules/ are looked for even though git lists twelve .pyc files before node_modules/.
    assert.deepEqual(gone, [".env", "node_modules/", "pkg00/mod.pyc", "pkg01/mod.pyc", "pkg02/mod.pyc"]);
    assert.deepEqual(unchecked, Array.from({ length: 9 }, (_, i) => `pkg${String(i + 3).padStart(2, "0")}/mod.pyc`));
    const notice = ignoredGoneNotice(gone, unchecked);
    assert.match(notice, /: \.env, node_modules\/, pkg00\/mod\.pyc, pkg01\/mod\.pyc, pkg02\/mod\.pyc\. /);
    assert.match(notice, new RegExp(`Not looked for: 9 more ignored files \\(pkg03/mod\\.pyc, pkg04/mod\\.pyc, pkg05/mod\\.pyc, …\\), past the ${MAX_IGNORED_CHECKED.toLocaleString("en-US")} a run checks \\(ignored folders and the files at the top first\\): some of them may be gone too\\.$`));
    assert.match(ignoredGoneMessage(gone, unchecked), /restore them from a backup\. Not looked for: 9 more ignored files .*: some of them may be gone too$/);
    // Under the cap, every entry is looked for, nothing named as unchecked, the words as before.
    const all = await goneEntries(repo, entries);
    assert.deepEqual(all.gone.sort(), [...entries].sort());
    assert.deepEqual(all.unchecked, []);
    assert.doesNotMatch(ignoredGoneNotice(all.gone, all.unchecked), /Not looked for/);
  });

  it("finds what is gone among many more entries than it looks for at once, and leaves what is there", async (t) => {
    const repo = tempDir("hearth-ignored-many-");
    t.after(() => rmSync(repo, { recursive: true, force: true }));
    writeFileSync(join(repo, ".gitignore"), "*.log\n");
    mkdirSync(join(repo, "logs"));
    writeFileSync(join(repo, "logs", "keep.txt"), "tracked\n");
    git(repo, "init", "-q");
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "start");
    for (let i = 0; i < 300; i++) writeFileSync(join(repo, "logs", `run${String(i).padStart(3, "0")}.log`), "");
    const entries = (await ignoredEntries(repo))!;
    assert.equal(entries.length, 300);
    for (let i = 0; i < 300; i += 7) rmSync(join(repo, "logs", `run${String(i).padStart(3, "0")}.log`));
    const { gone, unchecked } = await goneEntries(repo, entries);
    assert.deepEqual(gone, entries.filter((_, i) => i % 7 === 0));
    assert.deepEqual(unchecked, []);
  });
});
