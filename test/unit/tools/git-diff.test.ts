/**
 * git_diff without checkpoints (`hearth chat` runs tools so): `git diff HEAD` of the
 * user's repository, read-only.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CheckpointStore } from "../../../src/tools/checkpoints.ts";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { gitDiffTool } from "../../../src/tools/git-diff.ts";
import { type ToolContext, runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";
import { notebookText } from "../../fixtures/notebook.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd, encoding: "utf8" });
}

function repoWith(files: Record<string, string>) {
  const made = workspaceWith(files);
  git(made.root, "init", "-q");
  git(made.root, "add", "-A");
  git(made.root, "commit", "-qm", "base");
  return made;
}

describe("git_diff without checkpoints", () => {
  it("non-ASCII text is whole however git's output is cut into chunks", async () => {
    // About 1.5 MB of three-byte characters: the pipe delivers it in many chunks, some ending inside one.
    const line = "€".repeat(99);
    const { root, ctx } = repoWith({ "notes.txt": "start\n" });
    writeFileSync(join(root, "notes.txt"), `start\n${`${line}\n`.repeat(5000)}`);
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    const diff = (result.data as { diff: string }).diff;
    assert.equal(diff.includes("\uFFFD"), false, "a character split between two chunks was decoded as U+FFFD");
    assert.equal(diff.split("\n").filter((l) => l === `+${line}`).length, 5000);
  });

  // A notebook run again: each figure's base64 (one line each, 80 KB) changes, and its - and +
  // lines filled the 40,000 characters the diff shows with data the model cannot read.
  it("a re-run notebook's figures are shown with their base64 left out; the same line in a .json file is shown as it is", async () => {
    const { root, ctx } = repoWith({ "sales.ipynb": notebookText({ figures: 2 }), "data.json": notebookText({ figures: 1, imageBytes: 3_100 }) });
    writeFileSync(join(root, "sales.ipynb"), notebookText({ figures: 2, imageBytes: 61_000 }).replace("import pandas as pd", "import pandas as pandas"));
    writeFileSync(join(root, "data.json"), notebookText({ figures: 1, imageBytes: 3_000 }));
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.doesNotMatch(result.text, /diff cut at/);
    const notebook = result.text.slice(result.text.indexOf("diff --git a/sales.ipynb"));
    assert.match(notebook, /^\+    "import pandas as pandas\\n",$/m);
    assert.match(notebook, /^- +"image\/png": "\[Hearth: 59 KB of base64 image\/png output data left out\]",$/m);
    assert.match(notebook, /^\+ +"image\/png": "\[Hearth: 60 KB of base64 image\/png output data left out\]",$/m);
    assert.ok(notebook.split("\n").every((line) => line.length < 200), "no line of base64 shown");
    const json = result.text.slice(result.text.indexOf("diff --git a/data.json"), result.text.indexOf("diff --git a/sales.ipynb"));
    assert.match(json, /^\+ +"image\/png": "[A-Za-z0-9+/]{4000}/m);
  });

  // A new notebook with figures: its raw diff (two 80 KB base64 lines) was over the 40,000
  // characters before its base64 was left out, so the new files after it were never shown.
  it("a new notebook's figures do not count towards the cut: the new files after it are shown", async () => {
    const { root, ctx } = repoWith({ "a.py": "x = 1\n" });
    writeFileSync(join(root, "analysis.ipynb"), notebookText({ figures: 2 }));
    writeFileSync(join(root, "report.py"), "def report():\n    return 1\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.doesNotMatch(result.text, /more new file\(s\) not shown|diff cut at/);
    assert.match(result.text, /^\+ +"image\/png": "\[Hearth: 59 KB of base64 image\/png output data left out\]",$/m);
    assert.match(result.text, /^diff --git a\/report\.py b\/report\.py\n(.*\n)*\+def report\(\):$/m);
  });

  it("new notebooks of large figures: what is read stays bounded (8 MiB), the files past it are counted", async () => {
    const { root, ctx } = repoWith({ "a.py": "x = 1\n" });
    // Ten notebooks of about 0.9 MB each (under the 1 MB a new file is diffed up to), each shown in 2,000 characters, then a .py file.
    const notebook = notebookText({ imageBytes: 700_000, tableRows: 0 });
    for (let i = 0; i < 10; i++) writeFileSync(join(root, `run-${i}.ipynb`), notebook);
    writeFileSync(join(root, "summary.py"), "print(1)\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^\[… and 2 more new file\(s\) not shown\]$/m);
    assert.doesNotMatch(result.text, /summary\.py/);
  });

  // The note counting the new files not diffed was added to the diff after it passed 40,000
  // characters, so the cut at 40,000 removed it every time: the model never learnt of them.
  it("new files past what is shown: the cut's note and the count of new files not shown both come, after the cut", async () => {
    const { root, ctx } = repoWith({ "a.py": "x = 1\n" });
    const body = `${"y".repeat(48)}\n`.repeat(20);
    for (let i = 0; i < 60; i++) writeFileSync(join(root, `gen-${String(i).padStart(2, "0")}.txt`), body);
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    const diffed = (result.data as { diff: string }).diff.match(/^diff --git /gm)?.length ?? 0;
    assert.ok(diffed > 30 && diffed < 60, `${diffed} new files diffed`);
    assert.match(result.text, new RegExp(`\\n\\[… diff cut at 40000 characters; ask for one path\\]\\n\\[… and ${60 - diffed} more new file\\(s\\) not shown\\]$`), result.text.slice(-200));
  });

  it("a file the agent created (untracked) is in the diff, not 'No changes.'", async () => {
    const { root, ctx } = repoWith({ "a.py": "x = 1\n", ".gitignore": "build/\n" });
    writeFileSync(join(root, "new.py"), "def f():\n    return 2\n");
    mkdirSync(join(root, "build"));
    writeFileSync(join(root, "build/out.txt"), "ignored\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^diff --git a\/new\.py b\/new\.py\nnew file mode 100644\n(index .*\n)?--- \/dev\/null\n\+\+\+ b\/new\.py\n@@ -0,0 \+1,2 @@\n\+def f\(\):\n\+    return 2\n$/);
    assert.doesNotMatch(result.text, /build/);
    writeFileSync(join(root, "big.csv"), "1,2\n".repeat(300_000));
    assert.match((await runTool(gitDiffTool, {}, ctx)).text, /^\[new file big\.csv: 1200000 bytes, not shown\]$/m);
    rmSync(join(root, "big.csv"));
    assert.equal(git(root, "status", "--porcelain"), "?? new.py\n", "the user's index is not touched");
  });

  it("a repository with no commit yet (git init, then the agent's first files): the staged and the new files are the diff, not git's 'bad revision HEAD'", async () => {
    const { root, ctx } = workspaceWith({ "staged.py": "a = 1\n" });
    git(root, "init", "-q");
    git(root, "add", "staged.py");
    writeFileSync(join(root, "staged.py"), "a = 2\n");
    writeFileSync(join(root, "new.py"), "b = 1\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^diff --git a\/staged\.py b\/staged\.py\nnew file mode 100644\n(index .*\n)?--- \/dev\/null\n\+\+\+ b\/staged\.py\n@@ -0,0 \+1 @@\n\+a = 2\n/m);
    assert.match(result.text, /^\+\+\+ b\/new\.py\n@@ -0,0 \+1 @@\n\+b = 1$/m);
    assert.equal(git(root, "status", "--porcelain"), "AM staged.py\n?? new.py\n", "the user's index is not touched");
  });

  it("a path argument is a path, not a pattern: [id].tsx is that file", async () => {
    const { root, ctx } = repoWith({ "app/[id].tsx": "a\n", "app/i.tsx": "b\n" });
    writeFileSync(join(root, "app/[id].tsx"), "A\n");
    writeFileSync(join(root, "app/i.tsx"), "B\n");
    writeFileSync(join(root, "app/d.tsx"), "new\n");
    const result = await runTool(gitDiffTool, { path: "app/[id].tsx" }, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^diff --git a\/app\/\[id\]\.tsx b\/app\/\[id\]\.tsx$/m);
    assert.doesNotMatch(result.text, /i\.tsx|d\.tsx/);
  });
});

describe("git_diff with checkpoints in a folder of repositories", () => {
  it("says which repositories of their own it did not look into, rather than a bare 'No changes.' after a command changed one", async () => {
    const { root, ctx } = workspaceWith({ "notes.txt": "todo\n", "api/main.py": "v = 1\n", "web/app.js": "a = 1\n" });
    for (const clone of ["api", "web"]) {
      git(join(root, clone), "init", "-q");
      git(join(root, clone), "add", "-A");
      git(join(root, clone), "commit", "-qm", "first");
    }
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const start = await checkpoints.create("run start");
    writeFileSync(join(root, "api/main.py"), "v = 2\n"); // a command's sed -i in one clone
    const all = await runTool(gitDiffTool, {}, { ...ctx, checkpoints, runStart: start.id });
    assert.equal(all.ok, true, all.text);
    assert.equal(all.text, "No changes.\n[Not looked into: 2 folders that are git repositories of their own (api/, web/). The agent's edits there are in this diff, but not a change a command made in them: run_command git -C FOLDER diff shows those.]");
    assert.equal((await runTool(gitDiffTool, { path: "." }, { ...ctx, checkpoints, runStart: start.id })).text, all.text);
    const one = await runTool(gitDiffTool, { path: "api/main.py" }, { ...ctx, checkpoints, runStart: start.id });
    assert.match(one.text, /^No changes\.\n\[Not looked into: 1 folder that is a git repository of its own \(api\/\)\./);
    writeFileSync(join(root, "notes.txt"), "done\n");
    const outside = await runTool(gitDiffTool, { path: "notes.txt" }, { ...ctx, checkpoints, runStart: start.id });
    assert.doesNotMatch(outside.text, /Not looked into/);
    assert.match(outside.text, /^\+done$/m);
  });

  it("a diff over 8 MiB that names the changed files instead still says which repositories of their own it did not look into", async () => {
    const { root, ctx } = workspaceWith({ "api/main.py": "v = 1\n" });
    git(join(root, "api"), "init", "-q");
    git(join(root, "api"), "add", "-A");
    git(join(root, "api"), "commit", "-qm", "first");
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const start = await checkpoints.create("run start");
    writeFileSync(join(root, "api/main.py"), "v = 2\n"); // a command's sed -i in the clone
    writeFileSync(join(root, "table.csv"), "0123456789abcdef".repeat(5).concat("\n").repeat(110_000)); // a generator's ~9 MB
    const all = await runTool(gitDiffTool, {}, { ...ctx, checkpoints, runStart: start.id });
    assert.equal(all.ok, true, all.text);
    assert.equal(all.text, "The diff is over 8 MiB (1 files changed): ask for one file's path. Changed files:\ntable.csv\n[Not looked into: 1 folder that is a git repository of its own (api/). The agent's edits there are in this diff, but not a change a command made in it: run_command git -C FOLDER diff shows those.]");
  });
});

describe("git_diff and files that hold secrets", () => {
  // A .env nobody git-ignored, changed or made during the run (by the user, by a setup
  // command): its diff is its keys. Left out as search leaves it out, named in a note.
  it("without checkpoints: a tracked .env changed and an untracked key are left out, named; given as the path, shown", async () => {
    const { root, ctx } = repoWith({ ".env": "API_KEY=\n", "app.py": "x = 1\n" });
    writeFileSync(join(root, ".env"), "API_KEY=sk-live-123\n");
    writeFileSync(join(root, "app.py"), "x = 2\n");
    mkdirSync(join(root, "config"));
    writeFileSync(join(root, "config", "server.key"), "-----BEGIN PRIVATE KEY-----\nMIIEv\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^\+x = 2$/m);
    assert.doesNotMatch(result.text, /sk-live|PRIVATE KEY|MIIEv/);
    assert.match(result.text, /Not shown: the changes to 2 files that look like they hold secrets \(\.env, config\/server\.key\)/);
    const named = await runTool(gitDiffTool, { path: ".env" }, ctx);
    assert.match(named.text, /^\+API_KEY=sk-live-123$/m);
    assert.doesNotMatch((await runTool(gitDiffTool, { path: "config" }, ctx)).text, /MIIEv/);
  });

  it("with checkpoints: a .env made during the run is left out", async () => {
    const { root, ctx } = workspaceWith({ "app.py": "x = 1\n" });
    const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: tempDir("hearth-storage-") });
    const start = await checkpoints.create("run start");
    writeFileSync(join(root, ".env"), "API_KEY=sk-live-123\n");
    writeFileSync(join(root, "app.py"), "x = 2\n");
    const result = await runTool(gitDiffTool, {}, { ...ctx, checkpoints, runStart: start.id });
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^\+x = 2$/m);
    assert.doesNotMatch(result.text, /sk-live/);
    assert.match(result.text, /Not shown: the changes to 1 file that looks like it holds secrets \(\.env\)/);
  });

  it("a path git quotes (a folder named données) is read back from its quoting", async () => {
    const { root, ctx } = repoWith({ "données/.env": "A=1\n", "données/notes.txt": "a\n" });
    writeFileSync(join(root, "données/.env"), "A=sk-live-2\n");
    writeFileSync(join(root, "données/notes.txt"), "b\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.doesNotMatch(result.text, /sk-live/);
    assert.match(result.text, /^\+b$/m);
    assert.match(result.text, /\(données\/\.env\)/);
    assert.match((await runTool(gitDiffTool, { path: "données/.env" }, ctx)).text, /^\+A=sk-live-2$/m);
  });

  it("a .env line holding a CR before 'diff --git' does not end its section: the lines after it stay left out", async () => {
    // JavaScript's ^ with the m flag also matches after a lone CR (and U+2028/U+2029).
    const { root, ctx } = repoWith({ ".env": "A=1\n", "app.py": "x = 1\n" });
    writeFileSync(join(root, ".env"), "A=1\rdiff --git a/app.py b/app.py\nB=sk-live-3\n\u2028diff --git a/app.py b/app.py\nC=sk-live-4\n");
    writeFileSync(join(root, "app.py"), "x = 2\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.equal(result.ok, true, result.text);
    assert.match(result.text, /^\+x = 2$/m);
    assert.doesNotMatch(result.text, /sk-live/);
    assert.match(result.text, /secrets \(\.env\)/);
  });

  it("only secrets changed: no diff, the note says what was left out", async () => {
    const { root, ctx } = repoWith({ ".env": "A=1\n" });
    writeFileSync(join(root, ".env"), "A=2\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.match(result.text, /^\[Not shown: the changes to 1 file that looks like it holds secrets \(\.env\)/);
    assert.doesNotMatch(result.text, /A=2|No changes/);
  });

  // git's header is read as `diff --git a/P b/P`: a user's diff.mnemonicPrefix (c/ w/, a
  // widely recommended setting) or diff.noprefix made it something else.
  it("whatever prefixes the user's git config gives diffs, a secret is left out, named as it is, and shown when asked for", async () => {
    const { root, ctx } = repoWith({ ".env": "A=1\n", ".ssh/deploy_key": "K1\n", "app.py": "x = 1\n" });
    writeFileSync(join(root, ".env"), "A=sk-live-3\n");
    writeFileSync(join(root, ".ssh/deploy_key"), "K-live-4\n");
    writeFileSync(join(root, "local.env"), "B=sk-live-5\n");
    writeFileSync(join(root, "app.py"), "x = 2\n");
    for (const setting of ["diff.mnemonicPrefix", "diff.noprefix"]) {
      git(root, "config", setting, "true");
      const result = await runTool(gitDiffTool, {}, ctx);
      assert.match(result.text, /^\+x = 2$/m, setting);
      assert.doesNotMatch(result.text, /live/, setting);
      assert.match(result.text, /secrets \(\.env, \.ssh\/deploy_key, local\.env\)/, setting);
      assert.match((await runTool(gitDiffTool, { path: ".env" }, ctx)).text, /^\+A=sk-live-3$/m, setting);
      assert.match((await runTool(gitDiffTool, { path: "local.env" }, ctx)).text, /^\+B=sk-live-5$/m, setting);
      git(root, "config", "--unset", setting);
    }
  });

  // `git diff HEAD` names files from the repository's top, not the workspace's folder.
  it("a workspace in a folder of a repository: a secret is named and shown by its path in the workspace; changes outside it are not shown", async () => {
    const { root } = repoWith({ "web/.env": "A=1\n", "web/app.py": "x = 1\n", "api/main.py": "y = 1\n" });
    writeFileSync(join(root, "web/.env"), "A=sk-live-6\n");
    writeFileSync(join(root, "web/app.py"), "x = 2\n");
    writeFileSync(join(root, "api/main.py"), "y = 2\n");
    const ctx: ToolContext = { workspace: new DiskWorkspace(join(root, "web")), signal: new AbortController().signal, reads: new Map() };
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.match(result.text, /^diff --git a\/app\.py b\/app\.py$/m);
    assert.doesNotMatch(result.text, /sk-live|main\.py|y = 2/);
    assert.match(result.text, /secrets \(\.env\)/);
    assert.match((await runTool(gitDiffTool, { path: ".env" }, ctx)).text, /^\+A=sk-live-6$/m);
  });

  // A rename's section holds its source's lines: the removed ones and the context.
  it("a .env renamed to an ordinary name: its section is left out, named by the .env", async () => {
    const { root, ctx } = repoWith({ ".env": "A=sk-live-7\nB=2\nC=3\nD=sk-old-8\n", "app.py": "x = 1\n" });
    git(root, "mv", ".env", "settings.txt");
    writeFileSync(join(root, "settings.txt"), "A=sk-live-7\nB=2\nC=3\nD=sk-new-9\n");
    writeFileSync(join(root, "app.py"), "x = 2\n");
    const result = await runTool(gitDiffTool, {}, ctx);
    assert.match(result.text, /^\+x = 2$/m);
    assert.doesNotMatch(result.text, /sk-/);
    assert.match(result.text, /secrets \(\.env\)/);
  });

  it("a call naming one asks first (its targets), as read_file does", async () => {
    assert.deepEqual(await gitDiffTool.targets?.({ path: ".env" }, workspaceWith().ctx), [".env"]);
    assert.deepEqual(await gitDiffTool.targets?.({}, workspaceWith().ctx), []);
  });
});
