// Paths a local model (or a user) writes in the shapes of Windows, macOS or a link: the letter
// case of a case-insensitive disk, file:// and vscode:// links, a location after the name,
// quotes round it, Windows' dropped trailing dots, ~ for the home folder (path-spelling.ts).
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { runTool, toolByName } from "../../../src/tools/index.ts";
import { secretFileRead } from "../../../src/tools/secret-reads.ts";
import { readText, workspaceWith, writeFiles } from "./helpers/setup.ts";

const call = (ctx: Parameters<typeof runTool>[2], tool: string, input: Record<string, string>) => runTool(toolByName(tool)!, input, ctx);

describe("paths written in another system's shape", () => {
  it("reads and edits the file a path in another letter case names, says so, and writes no case twin", async () => {
    const { root, ctx } = workspaceWith({ "src/foo.ts": "export const foo = 1;\n" });
    const read = await call(ctx, "read_file", { path: "Src/Foo.ts" });
    assert.equal(read.text, '1| export const foo = 1;\n["Src/Foo.ts" is not a path on disk as written; it was taken as "src/foo.ts"]');
    const edit = await call(ctx, "edit_file", { path: "SRC/foo.TS", old_text: "1", new_text: "2" });
    assert.equal(edit.text, 'Edited src/foo.ts: line 1.\n["SRC/foo.TS" is not a path on disk as written; it was taken as "src/foo.ts"]');
    const write = await call(ctx, "write_file", { path: "Src/New.ts", content: "n\n" });
    assert.equal(write.ok, true, write.text);
    assert.deepEqual(readdirSync(root), ["src"]);
    assert.deepEqual(readdirSync(join(root, "src")).sort(), ["New.ts", "foo.ts"]);
    assert.equal(readText(root, "src/foo.ts"), "export const foo = 2;\n");
  });

  it("refuses a name that several entries match only by letter case, naming them, and writes nothing", async () => {
    const { root, ctx } = workspaceWith({ "README.md": "upper\n", "readme.md": "lower\n" });
    for (const tool of ["read_file", "write_file"]) {
      const result = await call(ctx, tool, { path: "Readme.md", content: "x\n" });
      assert.equal(result.ok, false);
      assert.match(result.text, /^Error \(ambiguous-match\): "Readme\.md" is not on disk as written, and 2 names there differ from it only in letter case: "README\.md", "readme\.md"\./);
    }
    assert.deepEqual(readdirSync(root).sort(), ["README.md", "readme.md"]);
    assert.equal((await call(ctx, "read_file", { path: "README.md" })).text, "1| upper");
  });

  it("takes a file link, a location after the name, quotes round it or a dropped trailing dot as the file it names", async () => {
    const { root, ctx } = workspaceWith({ "src/a.ts": "one\ntwo\n", "with space.ts": "s\n" });
    const shapes = [
      `file://${root}/src/a.ts`, `vscode://file${root}/src/a.ts:2:1`, "src/a.ts:12", "src/a.ts:1:5", "src/a.ts#L1-L2",
      "src/a.ts (lines 1-20)", "`src/a.ts`", '"src/a.ts"', "'src/a.ts'", "src/a.ts.",
    ];
    for (const path of shapes) {
      const read = await call(ctx, "read_file", { path });
      assert.equal(read.text, `1| one\n2| two\n[${JSON.stringify(path)} is not a path on disk as written; it was taken as "src/a.ts"]`, path);
    }
    assert.equal((await call(ctx, "read_file", { path: "with%20space.ts" })).ok, true);
    const edit = await call(ctx, "edit_file", { path: "src/a.ts:2", old_text: "two", new_text: "2" });
    assert.equal(edit.ok, true, edit.text);
    const write = await call(ctx, "write_file", { path: `file://${root}/src/new.ts`, content: "n\n" });
    assert.equal(write.text, `Created src/new.ts (1 lines).\n[${JSON.stringify(`file://${root}/src/new.ts`)} is not a path on disk as written; it was taken as "src/new.ts"]`);
    assert.deepEqual(readdirSync(root).sort(), ["src", "with space.ts"]);
    assert.deepEqual(readdirSync(join(root, "src")).sort(), ["a.ts", "new.ts"]);
  });

  it("a file whose name really has such a shape is the one read", async () => {
    const { ctx } = workspaceWith({ "a.ts": "plain\n", "a.ts:12": "colon\n", "Note.md": "upper\n", "note.md": "lower\n" });
    assert.equal((await call(ctx, "read_file", { path: "a.ts:12" })).text, "1| colon");
    assert.equal((await call(ctx, "read_file", { path: "note.md" })).text, "1| lower");
  });

  it("~/x and $HOME/x name the home folder: refused as outside, never a folder named ~ made in the workspace", async () => {
    const { root, ctx } = workspaceWith({ "a.ts": "a\n" });
    for (const path of ["~/notes.txt", "$HOME/notes.txt"]) {
      const write = await call(ctx, "write_file", { path, content: "n\n" });
      assert.equal(write.ok, false, write.text);
      assert.match(write.text, /^Error \(outside-workspace\)/);
    }
    assert.deepEqual(readdirSync(root), ["a.ts"]);
    assert.equal(existsSync(join(root, "~")), false);
  });

  it("~user/x names that user's home folder: refused as outside, never a folder ~user made; a real ~name folder is taken as written", async () => {
    const { root, ctx } = workspaceWith({ "~backup/a.ts": "a\n" });
    for (const path of ["~root/notes.txt", "~me\\notes.txt"]) {
      for (const tool of ["write_file", "read_file"]) {
        const result = await call(ctx, tool, { path, content: "n\n" });
        assert.equal(result.text, `Error (outside-workspace): "${path}" is in the home folder of the user ${path.slice(1, path.search(/[\\/]/))}, outside the workspace; give the path relative to the workspace root`, tool);
      }
    }
    assert.deepEqual(readdirSync(root), ["~backup"]);
    assert.equal((await call(ctx, "read_file", { path: "~backup/a.ts" })).text, "1| a");
    assert.equal((await call(ctx, "write_file", { path: "~backup/b.ts", content: "b\n" })).ok, true);
    assert.deepEqual(readdirSync(join(root, "~backup")).sort(), ["a.ts", "b.ts"]);
  });

  it("${workspaceFolder} is the workspace root; another variable the tools do not expand is refused, never a folder of its name made", async () => {
    const { root, ctx } = workspaceWith({ "src/a.ts": "a\n" });
    assert.equal((await call(ctx, "read_file", { path: "${workspaceFolder}\\src\\a.ts" })).text, '1| a\n["${workspaceFolder}\\src\\a.ts" is not a path on disk as written; it was taken as "src/a.ts"]');
    const write = await call(ctx, "write_file", { path: "${workspaceRoot}/src/w.ts", content: "w\n" });
    assert.equal(write.ok, true, write.text);
    assert.deepEqual(readdirSync(join(root, "src")).sort(), ["a.ts", "w.ts"]);
    for (const [path, variable] of [["%USERPROFILE%\\w.ts", "%USERPROFILE%"], ["${env:TEMP}/w.ts", "${env:TEMP}"], ["${fileDirname}/w.ts", "${fileDirname}"]] as const) {
      const refused = await call(ctx, "write_file", { path, content: "w\n" });
      assert.equal(refused.text, `Error (invalid-input): "${path}" begins with ${variable}, a variable Hearth's tools do not expand; nothing was read or written. Give the path relative to the workspace root`, path);
    }
    assert.deepEqual(readdirSync(root), ["src"]);
  });

  it("apply_patch renames a file to another letter case of its name, and finds a file its headers name in Windows' shape", async () => {
    const { root, ctx } = workspaceWith({ "src/foo.ts": "foo\n", "src/x.ts": "x\n" });
    const rename = await call(ctx, "apply_patch", { patch: "diff --git a/src/foo.ts b/src/Foo.ts\nsimilarity index 100%\nrename from src/foo.ts\nrename to src/Foo.ts\n" });
    assert.equal(rename.ok, true, rename.text);
    assert.deepEqual(readdirSync(join(root, "src")).sort(), ["Foo.ts", "x.ts"]);
    const windows = await call(ctx, "apply_patch", { patch: "--- a\\src\\x.ts\n+++ b\\src\\x.ts\n@@ -1 +1 @@\n-x\n+y\n" });
    assert.equal(windows.ok, true, windows.text);
    const cased = await call(ctx, "apply_patch", { patch: "--- a/Src/X.ts\n+++ b/Src/X.ts\n@@ -1 +1 @@\n-y\n+z\n" });
    assert.equal(cased.ok, true, cased.text);
    assert.deepEqual(readdirSync(join(root, "src")).sort(), ["Foo.ts", "x.ts"]);
    assert.equal(readText(root, "src/x.ts"), "z\n");
    assert.equal(readText(root, "src/Foo.ts"), "foo\n");
  });

  it("apply_patch whose sides name a folder in two letter cases changes the file in its folder, never making a case twin folder", async () => {
    const { root, ctx } = workspaceWith({ "src/x.ts": "x\n", "src/y.ts": "y\n" });
    const result = await call(ctx, "apply_patch", { patch: "--- a/src/x.ts\n+++ b/Src/x.ts\n@@ -1 +1 @@\n-x\n+z\n" });
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^ok {5}modify src\/x\.ts$/m);
    assert.deepEqual(readdirSync(root), ["src"]);
    assert.deepEqual(readdirSync(join(root, "src")).sort(), ["x.ts", "y.ts"]);
    assert.equal(readText(root, "src/x.ts"), "z\n");
    // Its name in another case, in that folder: a rename, as before.
    const rename = await call(ctx, "apply_patch", { patch: "--- a/src/y.ts\n+++ b/SRC/Y.ts\n@@ -1 +1 @@\n-y\n+w\n" });
    assert.equal(rename.ok, true, rename.text);
    assert.deepEqual(readdirSync(root), ["src"]);
    assert.deepEqual(readdirSync(join(root, "src")).sort(), ["Y.ts", "x.ts"]);
  });

  it("takes a Windows or Git Bash absolute path through the workspace's folder as the file in it, and names a Windows path elsewhere as one", async () => {
    const { root, ctx } = workspaceWith({ "src/a.ts": "a\n" });
    const name = basename(root);
    for (const path of [`C:\\Users\\me\\${name}\\src\\a.ts`, `c:/work/${name}/src/a.ts`, `\\\\?\\D:\\${name}\\src\\a.ts`, `/c/Users/me/${name}/src/a.ts`]) {
      const read = await call(ctx, "read_file", { path });
      assert.equal(read.text, `1| a\n[${JSON.stringify(path).replace(/\\\\/g, "\\")} is not a path on disk as written; it was taken as "src/a.ts"]`, path);
    }
    const write = await call(ctx, "write_file", { path: "C:\\repo\\src\\b.ts", content: "b\n" });
    assert.equal(write.text, `Error (outside-workspace): "C:\\repo\\src\\b.ts" is a Windows path, and no folder of it is this workspace (${root}); give the path relative to the workspace root`);
    assert.deepEqual(readdirSync(root), ["src"]);
    assert.deepEqual(readdirSync(join(root, "src")), ["a.ts"]);
    const created = await call(ctx, "write_file", { path: `C:\\Users\\me\\${name}\\src\\c.ts`, content: "c\n" });
    assert.equal(created.ok, true, created.text);
    assert.deepEqual(readdirSync(join(root, "src")).sort(), ["a.ts", "c.ts"]);
  });

  it("write_file refuses to replace a file through a name that differs from it only in letter case, and writes nothing", async () => {
    const { root, ctx } = workspaceWith({ "src/foo.ts": "foo\n" });
    assert.equal((await call(ctx, "read_file", { path: "src/foo.ts" })).ok, true);
    for (const path of ["src/Foo.ts", "SRC/FOO.ts", `file://${root}/src/Foo.ts`]) {
      const write = await call(ctx, "write_file", { path, content: "new\n" });
      assert.equal(write.text, `Error (ambiguous-match): ${JSON.stringify(path)} is not on disk as written; "src/foo.ts" is, its name differing only in letter case. Nothing was written: to replace it, give its name as it is; a new file beside it needs a name that differs in more than letter case (macOS and Windows disks cannot hold both)`, path);
    }
    assert.deepEqual(readdirSync(join(root, "src")), ["foo.ts"]);
    assert.equal(readText(root, "src/foo.ts"), "foo\n");
    // Its folder in another case, its name as it is: that file, replaced.
    assert.equal((await call(ctx, "write_file", { path: "SRC/foo.ts", content: "two\n" })).ok, true);
    assert.equal(readText(root, "src/foo.ts"), "two\n");
  });

  it("write_file refuses to replace a file reached only by dropping a location after the name, and writes nothing", async () => {
    const { root, ctx } = workspaceWith({ log: "keep\n", "src/a.ts": "a\n" });
    for (const path of ["log", "src/a.ts"]) assert.equal((await call(ctx, "read_file", { path })).ok, true);
    for (const [path, file, location] of [["log:1", "log", ":1"], ["src/a.ts#L2", "src/a.ts", "#L2"], ["`log:3:5`", "log", ":3:5"]] as const) {
      const write = await call(ctx, "write_file", { path, content: "new\n" });
      assert.equal(write.text, `Error (ambiguous-match): "${path}" is not on disk as written; "${file}" is, without the "${location}" after its name. Nothing was written: to replace it, give its name as it is; a new file needs another name`, path);
    }
    assert.deepEqual(readdirSync(root).sort(), ["log", "src"]);
    assert.equal(readText(root, "log"), "keep\n");
    assert.equal(readText(root, "src/a.ts"), "a\n");
    // A new name of that shape, nothing under the name without it: made as written.
    assert.equal((await call(ctx, "write_file", { path: "notes:2", content: "n\n" })).ok, true);
    assert.equal(readText(root, "notes:2"), "n\n");
  });

  it("refuses a Windows path through two folders of the workspace's name where each names a file, naming both", async () => {
    const { root, ctx } = workspaceWith({ "src/x.ts": "outer\n" });
    const name = basename(root);
    writeFiles(root, { [`${name}/src/x.ts`]: "inner\n" });
    for (const tool of ["read_file", "write_file"]) {
      const result = await call(ctx, tool, { path: `C:\\Users\\me\\${name}\\${name}\\src\\x.ts`, content: "w\n" });
      assert.equal(result.text, `Error (ambiguous-match): "C:\\Users\\me\\${name}\\${name}\\src\\x.ts" names a file under each of 2 folders of the workspace's name: "${name}/src/x.ts", "src/x.ts". Nothing was read or written; give the path relative to the workspace root`, tool);
    }
    assert.equal(readText(root, "src/x.ts"), "outer\n");
    assert.equal(readText(root, `${name}/src/x.ts`), "inner\n");
  });

  it("a read of .env written in any of these shapes asks first, as .env itself does", async () => {
    const { root, ctx } = workspaceWith({ ".env": "TOKEN=abc\n", "config/.env": "KEY=1\n" });
    const asks = async (tool: string, input: Record<string, string>) => {
      const targets = await toolByName(tool)!.targets!(input, ctx);
      for (const target of targets) if ((await secretFileRead(root, target)) !== undefined) return true;
      return false;
    };
    for (const path of [".env:1", "`.env`", `file://${root}/.env`, ".ENV", ".env.", "CONFIG/.env"]) {
      assert.equal(await asks("read_file", { path }), true, path);
      assert.equal(await asks("search", { pattern: "TOKEN", path }), true, path);
      assert.equal(await asks("git_diff", { path }), true, path);
    }
  });

  it("apply_patch creating a file whose name differs only in letter case from one there names both and writes nothing; deleting that one first makes it as named", async () => {
    const { root, ctx } = workspaceWith({ "src/foo.ts": "a\n" });
    const create = "--- /dev/null\n+++ b/src/Foo.ts\n@@ -0,0 +1 @@\n+new\n";
    const refused = await call(ctx, "apply_patch", { patch: create });
    assert.equal(refused.ok, false);
    assert.match(refused.text, /FAILED create src\/Foo\.ts: the patch creates "src\/Foo\.ts", and "src\/foo\.ts" is there, its name differing only in letter case \(macOS and Windows disks cannot hold both\)/);
    assert.deepEqual(readdirSync(join(root, "src")), ["foo.ts"]);
    assert.equal(readText(root, "src/foo.ts"), "a\n");
    // foo.ts deleted and Foo.ts created in one patch: a rename of its case, as git apply makes it.
    assert.equal((await call(ctx, "read_file", { path: "src/foo.ts" })).ok, true);
    const renamed = await call(ctx, "apply_patch", { patch: `--- a/src/foo.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n${create}` });
    assert.match(renamed.text, /^ok {5}create src\/Foo\.ts$/m, renamed.text);
    assert.deepEqual(readdirSync(join(root, "src")), ["Foo.ts"]);
    assert.equal(readText(root, "src/Foo.ts"), "new\n");
  });

  it("apply_patch renaming or copying a file to a name that differs only in letter case from one there names both and writes nothing", async () => {
    const { root, ctx } = workspaceWith({ "src/foo.ts": "a\n", "old.ts": "o\n" });
    for (const how of ["rename", "copy"]) {
      const patch = `diff --git a/old.ts b/src/Foo.ts\nsimilarity index 100%\n${how} from old.ts\n${how} to src/Foo.ts\n`;
      const refused = await call(ctx, "apply_patch", { patch });
      assert.equal(refused.ok, false, how);
      assert.match(refused.text, /FAILED (rename|copy) old\.ts -> src\/Foo\.ts: the patch (renames|copies) it to "src\/Foo\.ts", and "src\/foo\.ts" is there, its name differing only in letter case \(macOS and Windows disks cannot hold both\)/, how);
    }
    assert.deepEqual(readdirSync(join(root, "src")), ["foo.ts"]);
    assert.equal(readText(root, "src/foo.ts"), "a\n");
    assert.equal(readText(root, "old.ts"), "o\n");
  });

  it("says a file whose name holds a backslash cannot be named to the tools, rather than 'does not exist', and writes nothing", async () => {
    const { root, ctx } = workspaceWith({ "weird\\name.ts": "w\n" });
    for (const [tool, input] of [["read_file", {}], ["edit_file", { old_text: "w", new_text: "v" }], ["write_file", { content: "v\n" }]] as const) {
      const result = await call(ctx, tool, { path: "weird\\name.ts", ...input });
      assert.equal(result.text, `Error (invalid-input): "weird\\name.ts" is a file whose name holds a backslash, which Hearth's tools read as a folder separator (as Windows does); read, rename or change it with run_command, quoting the name`);
    }
    assert.deepEqual(readdirSync(root), ["weird\\name.ts"]);
    assert.equal(readText(root, "weird\\name.ts"), "w\n");
  });

  it("says a file whose name begins or ends with a space cannot be named to the tools, rather than 'does not exist' or writing the name without it", async () => {
    const { root, ctx } = workspaceWith({ "notes.txt ": "n\n", " lead.txt": "l\n", "dup.txt": "d\n", "dup.txt ": "s\n" });
    for (const name of ["notes.txt ", " lead.txt", "dup.txt "]) {
      for (const [tool, input] of [["read_file", {}], ["edit_file", { old_text: "x", new_text: "v" }], ["write_file", { content: "v\n" }]] as const) {
        const result = await call(ctx, tool, { path: name, ...input });
        assert.equal(result.text, `Error (invalid-input): "${name}" is a file whose name begins or ends with a space, which Hearth's tools take off a path (a model's stray space); read, rename or change it with run_command, quoting the name`);
      }
    }
    assert.deepEqual(readdirSync(root).sort(), [" lead.txt", "dup.txt", "dup.txt ", "notes.txt "]);
    assert.equal(readText(root, "dup.txt"), "d\n");
    // A stray space round a path that names no such file is still taken off.
    assert.equal((await call(ctx, "read_file", { path: " dup.txt\n" })).text, "1| d");
  });

  it("lists such a name quoted, so its space shows, and refuses it written in quotes as the listing and the refusal show it, rather than the file without the space", async () => {
    const { root, ctx } = workspaceWith({ "dup.txt": "d\n", "dup.txt ": "s\n", "only.txt ": "o\n", " lead.txt": "l\n" });
    assert.equal((await call(ctx, "list_files", {})).text, '" lead.txt"\ndup.txt\n"dup.txt "\n"only.txt "');
    for (const path of ['"dup.txt "', "'dup.txt '", "`dup.txt `", '"only.txt "', '" lead.txt"']) {
      for (const [tool, input] of [["read_file", {}], ["edit_file", { old_text: "d", new_text: "v" }], ["write_file", { content: "v\n" }]] as const) {
        const result = await call(ctx, tool, { path, ...input });
        assert.match(result.text, /^Error \(invalid-input\): ".+" is a file whose name begins or ends with a space/, `${tool} ${path}: ${result.text}`);
      }
    }
    assert.deepEqual(readdirSync(root).sort(), [" lead.txt", "dup.txt", "dup.txt ", "only.txt "]);
    assert.equal(readText(root, "dup.txt"), "d\n");
    // Quotes round a plain name are still taken off.
    assert.equal((await call(ctx, "read_file", { path: '"dup.txt"' })).text, '1| d\n["\\"dup.txt\\"" is not a path on disk as written; it was taken as "dup.txt"]');
  });

  // Hostile sizes: path-spelling.ts took quotes off with /^(`+|"|')(.+)\1$/, which tried every split of a run of
  // backticks against every other — 3,000 backticks held the runtime (Stop included) over a second, this size minutes.
  it("takes off thousands of backticks round a path at once, and answers at once for a path that is only backticks", async () => {
    const { ctx } = workspaceWith({ "src/a.ts": "one\n" });
    const fence = "`".repeat(10_000);
    const wrapped = await call(ctx, "read_file", { path: `${fence}src/a.ts${fence}` });
    assert.equal(wrapped.ok, true, wrapped.text);
    assert.match(wrapped.text, /^1\| one\n\[".*" is not a path on disk as written; it was taken as "src\/a\.ts"\]$/s);
    const unclosed = await call(ctx, "read_file", { path: `\`${"``".repeat(10_000)}\u0000` });
    assert.equal(unclosed.ok, false);
    // Backticks round backticks leave the inner ones, as before: the most that leave something inside.
    assert.equal((await call(ctx, "read_file", { path: "```" })).ok, false);
  });
});
