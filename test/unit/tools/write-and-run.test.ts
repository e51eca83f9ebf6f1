import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { finishTool } from "../../../src/tools/finish.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { runCommandTool } from "../../../src/tools/run-command.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { workspaceWith } from "./helpers/setup.ts";

describe("write_file", () => {
  it("creates new files (and folders)", async () => {
    const { root, ctx } = workspaceWith();
    const r = await runTool(writeFileTool, { path: "pkg/new.py", content: "x = 1\n" }, ctx);
    assert.equal(r.ok, true, r.text);
    assert.equal(readFileSync(join(root, "pkg/new.py"), "utf8"), "x = 1\n");
  });

  it("refuses to replace a file the agent has not read, or that changed since it was read", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "one\n" });
    const unread = await runTool(writeFileTool, { path: "a.txt", content: "two\n" }, ctx);
    assert.equal(!unread.ok && unread.code, "stale-file");
    await runTool(readFileTool, { path: "a.txt" }, ctx);
    writeFileSync(join(root, "a.txt"), "user edit\n");
    const stale = await runTool(writeFileTool, { path: "a.txt", content: "two\n" }, ctx);
    assert.equal(!stale.ok && stale.code, "stale-file");
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "user edit\n");
  });

  it("refuses to replace a file the model saw only part of, naming the lines it did not see; the rest read, it replaces it", async () => {
    const text = "one\ntwo\nthree\nfour\nfive\n";
    const { root, ctx } = workspaceWith({ "a.txt": text });
    await runTool(readFileTool, { path: "a.txt", start_line: 2, end_line: 3 }, ctx);
    const part = await runTool(writeFileTool, { path: "a.txt", content: "two\nTHREE\n" }, ctx);
    assert.equal(!part.ok && part.code, "stale-file");
    assert.match(part.text, /read only in part \(you have not seen lines 1, 4-5 of 5\)/);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), text);
    // The rest, in two more reads of the same bytes: now it has seen every line.
    await runTool(readFileTool, { path: "a.txt", end_line: 1 }, ctx);
    assert.match((await runTool(writeFileTool, { path: "a.txt", content: "x\n" }, ctx)).text, /lines 4-5 of 5/);
    await runTool(readFileTool, { path: "a.txt", start_line: 4 }, ctx);
    const whole = await runTool(writeFileTool, { path: "a.txt", content: "x\n" }, ctx);
    assert.equal(whole.ok, true, whole.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "x\n");
  });

  it("replaces an empty file the model read (mends 1f45acb: the empty read recorded nothing)", async () => {
    const { root, ctx } = workspaceWith({ "empty.py": "" });
    assert.match((await runTool(readFileTool, { path: "empty.py" }, ctx)).text, /is empty/);
    const r = await runTool(writeFileTool, { path: "empty.py", content: "x = 1\n" }, ctx);
    assert.equal(r.ok, true, r.text);
    assert.equal(readFileSync(join(root, "empty.py"), "utf8"), "x = 1\n");
  });

  it("refuses to replace a file whose one long line the read showed cut", async () => {
    const long = "x".repeat(200_000);
    const { root, ctx } = workspaceWith({ "bundle.js": `${long}\n` });
    const read = await runTool(readFileTool, { path: "bundle.js" }, ctx);
    assert.match(read.text, /cannot be read whole/);
    const r = await runTool(writeFileTool, { path: "bundle.js", content: "y\n" }, ctx);
    assert.equal(!r.ok && r.code, "stale-file", r.text);
    assert.equal(readFileSync(join(root, "bundle.js"), "utf8"), `${long}\n`);
  });

  it("after edit_file, replaces a file read whole, but not one the model changed without reading it whole", async () => {
    const { root, ctx } = workspaceWith({ "a.py": "a = 1\nb = 2\n", "b.py": "c = 3\nd = 4\n" });
    await runTool(readFileTool, { path: "a.py" }, ctx);
    assert.equal((await runTool(editFileTool, { path: "a.py", old_text: "a = 1", new_text: "a = 10" }, ctx)).ok, true);
    const known = await runTool(writeFileTool, { path: "a.py", content: "a = 11\nb = 2\n" }, ctx);
    assert.equal(known.ok, true, known.text);
    assert.equal((await runTool(editFileTool, { path: "b.py", old_text: "c = 3", new_text: "c = 30" }, ctx)).ok, true);
    const blind = await runTool(writeFileTool, { path: "b.py", content: "c = 30\n" }, ctx);
    assert.equal(!blind.ok && blind.code, "stale-file");
    assert.match(blind.text, /you changed it without reading it whole/);
    assert.equal(readFileSync(join(root, "b.py"), "utf8"), "c = 30\nd = 4\n");
  });

  it("refuses to replace a read file that changes between its check and its write", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "one\n" });
    await runTool(readFileTool, { path: "a.txt" }, ctx);
    const read = ctx.workspace.read.bind(ctx.workspace);
    const workspace = Object.assign(Object.create(Object.getPrototypeOf(ctx.workspace)), ctx.workspace, {
      read: async (path: string) => {
        const bytes = await read(path);
        writeFileSync(join(root, "a.txt"), "user edit\n");
        return bytes;
      },
    });
    const raced = await runTool(writeFileTool, { path: "a.txt", content: "two\n" }, { ...ctx, workspace });
    assert.equal(!raced.ok && raced.code, "stale-file", raced.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "user edit\n");
  });

  it("replaces a read file, keeping its CRLF line endings", async () => {
    const { root, ctx } = workspaceWith({ "w.txt": "a\r\nb\r\n" });
    await runTool(readFileTool, { path: "w.txt" }, ctx);
    const r = await runTool(writeFileTool, { path: "w.txt", content: "x\ny\nz\n" }, ctx);
    assert.equal(r.ok, true, r.text);
    assert.equal(readFileSync(join(root, "w.txt"), "utf8"), "x\r\ny\r\nz\r\n");
  });

  it("in a file of mixed line ends, the lines it keeps end as they did and a new line as the one above it", async () => {
    // A CRLF file with LF lines pasted in: every LF line came back CRLF, changed in git's eyes.
    const { root, ctx } = workspaceWith({ "m.txt": "a\r\nb\r\nc\r\nx\ny\nz\n" });
    await runTool(readFileTool, { path: "m.txt" }, ctx);
    const r = await runTool(writeFileTool, { path: "m.txt", content: "a\nB\nc\nx\ny\ny2\nz\n" }, ctx);
    assert.equal(r.ok, true, r.text);
    assert.equal(JSON.stringify(readFileSync(join(root, "m.txt"), "utf8")), JSON.stringify("a\r\nB\r\nc\r\nx\ny\ny2\nz\n"));
  });

  it("refuses to replace a notebook with text that is not JSON, and writes nothing", async () => {
    const nb = '{"cells": [], "nbformat": 4}\n';
    const { root, ctx } = workspaceWith({ "n.ipynb": nb });
    await runTool(readFileTool, { path: "n.ipynb" }, ctx);
    const r = await runTool(writeFileTool, { path: "n.ipynb", content: "print(1)\n" }, ctx);
    assert.equal(!r.ok && r.code, "invalid-input", r.text);
    assert.match(r.text, /would no longer be valid JSON/);
    assert.equal(readFileSync(join(root, "n.ipynb"), "utf8"), nb);
  });

  it("refuses paths outside the workspace and inside .git", async () => {
    const { ctx } = workspaceWith({ ".git/HEAD": "ref\n" });
    assert.equal((await runTool(writeFileTool, { path: "../evil.txt", content: "x" }, ctx)).ok, false);
    const git = await runTool(writeFileTool, { path: ".git/hooks/pre-commit", content: "x" }, ctx);
    assert.equal(!git.ok && git.code, "protected-path");
  });
});

describe("run_command", () => {
  it("returns exit code and combined output", async () => {
    const { ctx } = workspaceWith({ "sub/f.txt": "hi\n" });
    const r = await runTool(runCommandTool, { command: "cat f.txt; echo err >&2; exit 3", cwd: "sub" }, ctx);
    assert.equal(r.ok, true);
    assert.match(r.text, /\[exit code 3, [\d.]+ s\]\nhi\nerr\n$/);
  });

  it("says whether a cwd that is not a folder is missing or a file", async () => {
    const { ctx } = workspaceWith({ "notes.txt": "x" });
    const missing = await runTool(runCommandTool, { command: "pwd", cwd: "nope" }, ctx);
    assert.equal(!missing.ok && missing.code, "not-found");
    assert.match(missing.text, /cwd "nope" does not exist/);
    const file = await runTool(runCommandTool, { command: "pwd", cwd: "notes.txt" }, ctx);
    assert.equal(!file.ok && file.code, "invalid-input");
    assert.match(file.text, /cwd "notes.txt" is a file, not a folder/);
  });

  it("cuts long output in the middle with a marker, keeping head and tail", async () => {
    const { ctx } = workspaceWith();
    const r = await runTool(runCommandTool, { command: "echo FIRST; seq 1 20000; echo LAST" }, ctx);
    assert.match(r.text, /^\$ .*\n\[exit code 0, .*characters cut from the middle\)\]\nFIRST\n1\n/);
    assert.match(r.text, /\[… \d+ characters omitted …\]/);
    assert.match(r.text, /LAST\n$/);
    assert.ok(r.text.length < 26_000);
  });
  // Timeouts, Stop and background processes: run-command.test.ts.
});

describe("finish", () => {
  it("ends the loop with the summary", async () => {
    const r = await runTool(finishTool, { summary: "Fixed the off-by-one; tests pass." }, workspaceWith().ctx);
    assert.deepEqual(r.ok && [r.finished, r.text], [true, "Fixed the off-by-one; tests pass."]);
  });
});
