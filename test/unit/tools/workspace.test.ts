import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { rememberTool } from "../../../src/tools/remember.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { type Tool, ToolError, runTool } from "../../../src/tools/tool.ts";
import type { ToolDefinition as ModelToolDefinition } from "../../../src/models/types.ts";
import { tempDir, workspaceWith, writeFiles } from "./helpers/setup.ts";

const enc = (s: string) => Buffer.from(s);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof ToolError && e.code === code);
}

describe("DiskWorkspace path safety", () => {
  it("normalizes paths and accepts absolute paths inside the root", async () => {
    const root = tempDir();
    const ws = new DiskWorkspace(root);
    assert.equal(await ws.resolve("./src//a.ts"), "src/a.ts");
    assert.equal(await ws.resolve("src\\b.ts"), "src/b.ts");
    assert.equal(await ws.resolve(join(root, "c.ts")), "c.ts");
    assert.equal(await ws.resolve("src/../d.ts"), "d.ts");
  });

  it("refuses .. escapes, absolute paths elsewhere and NUL bytes", async () => {
    const ws = new DiskWorkspace(tempDir());
    await rejectsWith(ws.resolve("../x"), "outside-workspace");
    await rejectsWith(ws.resolve("a/../../x"), "outside-workspace");
    await rejectsWith(ws.resolve("/etc/passwd"), "outside-workspace");
    await rejectsWith(ws.resolve("a\0b"), "invalid-input");
  });

  it("refuses reads and writes through a symlink that points outside, but follows one inside", async () => {
    const root = tempDir();
    const outsideDir = tempDir();
    writeFileSync(join(outsideDir, "secret.txt"), "secret");
    symlinkSync(outsideDir, join(root, "link-out"));
    symlinkSync(join(outsideDir, "secret.txt"), join(root, "file-out"));
    writeFiles(root, { "real/a.txt": "a" });
    symlinkSync(join(root, "real"), join(root, "link-in"));
    const ws = new DiskWorkspace(root);
    await rejectsWith(ws.read("link-out/secret.txt"), "outside-workspace");
    await rejectsWith(ws.read("file-out"), "outside-workspace");
    await rejectsWith(ws.write("link-out/new.txt", enc("x")), "outside-workspace");
    await rejectsWith(ws.write("file-out", enc("x")), "outside-workspace");
    assert.equal(readFileSync(join(outsideDir, "secret.txt"), "utf8"), "secret");
    assert.equal(existsSync(join(outsideDir, "new.txt")), false);
    assert.equal(Buffer.from(await ws.read("link-in/a.txt")).toString(), "a");
  });

  it("never writes into a .git folder", async () => {
    const root = tempDir();
    mkdirSync(join(root, ".git"));
    const ws = new DiskWorkspace(root);
    await rejectsWith(ws.write(".git/config", enc("x")), "protected-path");
    await rejectsWith(ws.write("sub/.git/HEAD", enc("x")), "protected-path");
  });
});

describe("DiskWorkspace on a folder that goes away", () => {
  it("a workspace made for a folder removed before it is used raises nothing unhandled; using it is a clear error", async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", record);
    try {
      const ws = new DiskWorkspace(join(tempDir(), "removed-before-use"));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
      await assert.rejects(ws.resolve("a.txt"), /ENOENT/);
    } finally {
      process.off("unhandledRejection", record);
    }
  });
});

describe("DiskWorkspace writes", () => {
  it("writes atomically, creates folders, keeps the file mode and leaves no temp files", async () => {
    const root = tempDir();
    writeFiles(root, { "run.sh": "#!/bin/sh\n" });
    const { chmodSync, statSync } = await import("node:fs");
    chmodSync(join(root, "run.sh"), 0o755);
    const ws = new DiskWorkspace(root);
    await ws.write("run.sh", enc("#!/bin/sh\necho hi\n"));
    await ws.write("deep/new/file.txt", enc("new"));
    assert.equal(statSync(join(root, "run.sh")).mode & 0o777, 0o755);
    assert.equal(readFileSync(join(root, "deep/new/file.txt"), "utf8"), "new");
    assert.deepEqual(readdirSync(root).filter((n) => n.includes("hearth-tmp")), []);
  });

  it("apply rolls back every change when a later one fails", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A", "b.txt": "B", "taken.txt": "T" });
    const ws = new DiskWorkspace(root);
    await rejectsWith(
      ws.apply([
        { kind: "write", path: "a.txt", content: enc("A2") },
        { kind: "write", path: "c.txt", content: enc("C") },
        { kind: "delete", path: "b.txt" },
        { kind: "rename", from: "a.txt", to: "taken.txt" },
      ]),
      "already-exists",
    );
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "A");
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "B");
    assert.equal(existsSync(join(root, "c.txt")), false);
  });

  it("a file marked read-only (mode 0444: generated or vendored code) is not written over, nor anything else of the batch — as root too, where the rename would not be stopped", async () => {
    const root = tempDir();
    writeFiles(root, { "gen/api.ts": "export const v = 1;\n", "src/a.ts": "A" });
    chmodSync(join(root, "gen/api.ts"), 0o444);
    const ws = new DiskWorkspace(root);
    await assert.rejects(ws.apply([{ kind: "write", path: "src/a.ts", content: enc("A2") }, { kind: "write", path: "gen/api.ts", content: enc("export const v = 2;\n") }]), (error: unknown) => {
      assert.ok(error instanceof ToolError && error.code === "io-error", String(error));
      assert.match(error.message, /^"gen\/api\.ts" is read-only \(mode 0444\): nothing was written\. .*ask the user to make it writable/);
      return true;
    });
    assert.equal(readFileSync(join(root, "gen/api.ts"), "utf8"), "export const v = 1;\n");
    assert.equal(readFileSync(join(root, "src/a.ts"), "utf8"), "A");
    assert.equal(lstatSync(join(root, "gen/api.ts")).mode & 0o777, 0o444);
    // Deleting or renaming it is the user's call too.
    await assert.rejects(ws.apply([{ kind: "delete", path: "gen/api.ts" }]), /read-only/);
    assert.equal(existsSync(join(root, "gen/api.ts")), true);
  });

  it("a write under a path that is a file is refused before anything is written, and says which part is a file", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A", "b.txt": "B" });
    const ws = new DiskWorkspace(root);
    await assert.rejects(
      ws.apply([
        { kind: "write", path: "b.txt", content: enc("B2") },
        { kind: "write", path: "new/deep/x.txt", content: enc("X") },
        { kind: "write", path: "a.txt/c.txt", content: enc("C") },
      ]),
      (e: unknown) => e instanceof ToolError && e.code === "invalid-input" && /^"a\.txt\/c\.txt" cannot be written: "a\.txt" is a file, not a folder/.test(e.message),
    );
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "B");
    assert.deepEqual(readdirSync(root).sort(), ["a.txt", "b.txt"], "no folder made");
  });

  it("a write over, a delete of or a rename onto a folder is refused by its path before anything is written", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A", "b.txt": "B", "src/keep.txt": "K" });
    const ws = new DiskWorkspace(root);
    const first = { kind: "write", path: "b.txt", content: enc("B2") } as const;
    for (const [change, code, message] of [
      [{ kind: "write", path: "src", content: enc("X") }, "not-a-file", /^"src" is a directory$/],
      [{ kind: "delete", path: "src" }, "not-a-file", /^"src" is a directory$/],
      [{ kind: "rename", from: "src", to: "lib" }, "not-a-file", /^"src" is a directory$/],
      [{ kind: "rename", from: "a.txt", to: "src" }, "already-exists", /^cannot rename to "src": a folder is already there$/],
    ] as const) {
      await assert.rejects(ws.apply([first, change]), (e: unknown) => e instanceof ToolError && e.code === code && message.test(e.message));
      assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "B");
    }
    assert.deepEqual(readdirSync(root).sort(), ["a.txt", "b.txt", "src"]);
    assert.equal(readFileSync(join(root, "src/keep.txt"), "utf8"), "K");
  });

  it("a rolled-back batch also removes the folders it made, and only those", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A", "taken.txt": "T", "old/keep.txt": "K" });
    const ws = new DiskWorkspace(root);
    await rejectsWith(
      ws.apply([
        { kind: "write", path: "new/deep/x.txt", content: enc("X") },
        { kind: "write", path: "old/sub/y.txt", content: enc("Y") },
        { kind: "rename", from: "a.txt", to: "moved/here/a.txt" },
        { kind: "rename", from: "moved/here/a.txt", to: "taken.txt" },
      ]),
      "already-exists",
    );
    assert.deepEqual(readdirSync(root).sort(), ["a.txt", "old", "taken.txt"]);
    assert.deepEqual(readdirSync(join(root, "old")), ["keep.txt"]);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "A");
  });

  it("renames and deletes; deleting a missing file is not-found", async () => {
    const root = tempDir();
    writeFiles(root, { "a.txt": "A" });
    const ws = new DiskWorkspace(root);
    await ws.rename("a.txt", "moved/b.txt");
    assert.equal(readFileSync(join(root, "moved/b.txt"), "utf8"), "A");
    await ws.delete("moved/b.txt");
    assert.equal(existsSync(join(root, "moved/b.txt")), false);
    await rejectsWith(ws.delete("nope.txt"), "not-found");
  });

  it("lists a directory sorted, with types", async () => {
    const root = tempDir();
    writeFiles(root, { "b.txt": "", "a/x.txt": "" });
    assert.deepEqual(await new DiskWorkspace(root).list("."), [{ name: "a", type: "directory" }, { name: "b.txt", type: "file" }]);
  });
});

describe("DiskWorkspace.create: a file only where none is", () => {
  it("creates a new file and its folders, leaving no draft behind; a file already there is kept and create says so", async () => {
    const root = tempDir();
    writeFiles(root, { "notes/taken.md": "theirs\n" });
    const ws = new DiskWorkspace(root);
    assert.equal(await ws.create("notes/deep/new.md", enc("mine\n")), true);
    assert.equal(readFileSync(join(root, "notes/deep/new.md"), "utf8"), "mine\n");
    assert.equal(await ws.create("notes/taken.md", enc("mine\n")), false);
    assert.equal(readFileSync(join(root, "notes/taken.md"), "utf8"), "theirs\n");
    assert.deepEqual(readdirSync(join(root, "notes")).sort(), ["deep", "taken.md"], "no draft files left");
    assert.deepEqual(readdirSync(join(root, "notes/deep")), ["new.md"]);
  });

  it("of several writers creating one name at once (two windows, hearth fix), exactly one gets it and its content stays", async () => {
    const root = tempDir();
    const writers = Array.from({ length: 8 }, (_, i) => ({ ws: new DiskWorkspace(root), content: `writer ${i}\n` }));
    const won = await Promise.all(writers.map((w) => w.ws.create("memory/one.md", enc(w.content))));
    assert.equal(won.filter(Boolean).length, 1);
    assert.equal(readFileSync(join(root, "memory/one.md"), "utf8"), writers[won.indexOf(true)]!.content);
    assert.deepEqual(readdirSync(join(root, "memory")), ["one.md"]);
  });

  it("refuses a folder, .git and paths outside the workspace like write does", async () => {
    const root = tempDir();
    mkdirSync(join(root, "dir"));
    const ws = new DiskWorkspace(root);
    await rejectsWith(ws.create("dir", enc("x")), "not-a-file");
    await rejectsWith(ws.create(".git/config", enc("x")), "protected-path");
    await rejectsWith(ws.create("../x.md", enc("x")), "outside-workspace");
  });
});

describe("DiskWorkspace in a folder this user may not write", () => {
  /** A folder made read-only (mode 555), made writable again after the test; undefined where permissions do not bind (root). */
  function readOnlyFolder(t: { after(fn: () => void): void }, root: string, path: string, files: Record<string, string> = {}): string | undefined {
    writeFiles(root, files);
    mkdirSync(join(root, path), { recursive: true });
    chmodSync(join(root, path), 0o555);
    t.after(() => chmodSync(join(root, path), 0o755));
    try {
      writeFileSync(join(root, path, "probe"), "");
    } catch {
      return path;
    }
    return undefined;
  }

  it("write_file and edit_file say permission denied, not an internal failure naming a temp file", async (t) => {
    const root = tempDir();
    const ro = readOnlyFolder(t, root, "vendor", { "vendor/lib.js": "one\n" });
    if (!ro) return t.skip("this user (root) writes through folder permissions");
    const ctx = { workspace: new DiskWorkspace(root), signal: new AbortController().signal };
    for (const [tool, input] of [
      [writeFileTool, { path: "vendor/new.js", content: "x" }],
      [writeFileTool, { path: "vendor/sub/new.js", content: "x" }],
      [editFileTool, { path: "vendor/lib.js", old_text: "one", new_text: "two" }],
    ] as const) {
      const result = await runTool(tool, input, ctx);
      assert.equal(result.ok ? "ok" : result.code, "io-error", result.text);
      assert.match(result.text, new RegExp(`^Error \\(io-error\\): "${input.path}" cannot be written: permission denied`));
      assert.doesNotMatch(result.text, /hearth-tmp|internal/);
    }
    assert.equal(readFileSync(join(root, "vendor/lib.js"), "utf8"), "one\n");
  });

  it("remember in a read-only memory folder, or one that cannot be made, says permission denied", async (t) => {
    for (const folder of [".hearth/memory", ".hearth"]) {
      const root = tempDir();
      if (!readOnlyFolder(t, root, folder)) return t.skip("this user (root) writes through folder permissions");
      const result = await runTool(rememberTool, { title: "Build first", fact: "Run the build first." }, { workspace: new DiskWorkspace(root), signal: new AbortController().signal });
      assert.equal(result.ok ? "ok" : result.code, "io-error", result.text);
      assert.match(result.text, /^Error \(io-error\): "\.hearth\/memory\/[\d-]+build-first\.md" cannot be written: permission denied/);
    }
  });
});

describe("runTool", () => {
  const definition = { name: "t", description: "test", parameters: { type: "object" as const, properties: { x: { type: "string" as const } }, required: ["x"] } };
  // Compile-time check: a tool definition is the models' ToolDefinition.
  const asModel: ModelToolDefinition = definition;

  it("turns a ToolError into an error result with its reason code", async () => {
    const tool: Tool = { definition, effect: "read", execute: async () => { throw new ToolError("no-match", "nope", { n: 1 }); } };
    const result = await runTool(tool, { x: "1" }, workspaceWith().ctx);
    assert.deepEqual(result, { ok: false, code: "no-match", text: "Error (no-match): nope", data: { n: 1 } });
    assert.equal(asModel.name, "t");
  });

  it("turns any other exception into an internal error, never a crash", async () => {
    const tool: Tool = { definition, effect: "read", execute: async () => { throw new TypeError("boom"); } };
    const result = await runTool(tool, { x: "1" }, workspaceWith().ctx);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, "internal");
    assert.match(result.text, /boom/);
  });

  it("refuses missing required arguments and cancelled calls before running", async () => {
    let ran = false;
    const tool: Tool = { definition, effect: "write", execute: async () => { ran = true; return { text: "ok" }; } };
    const { ctx, controller } = workspaceWith();
    assert.equal((await runTool(tool, {}, ctx)).ok, false);
    controller.abort();
    const result = await runTool(tool, { x: "1" }, ctx);
    assert.equal(!result.ok && result.code, "cancelled");
    assert.equal(ran, false);
  });

  it("calls beforeEffect for write tools only, and a failing checkpoint stops the write", async () => {
    const calls: string[] = [];
    const { ctx } = workspaceWith();
    const withHook = { ...ctx, beforeEffect: async (name: string) => { calls.push(name); if (name === "w2") throw new ToolError("io-error", "checkpoint failed"); } };
    let wrote = false;
    const mk = (name: string, effect: Tool["effect"]): Tool => ({ definition: { ...definition, name }, effect, execute: async () => { wrote = name === "w2"; return { text: name }; } });
    await runTool(mk("r", "read"), { x: "1" }, withHook);
    await runTool(mk("w", "write"), { x: "1" }, withHook);
    const failed = await runTool(mk("w2", "write"), { x: "1" }, withHook);
    assert.deepEqual(calls, ["w", "w2"]);
    assert.equal(failed.ok, false);
    assert.equal(wrote, false);
  });
});

describe("DiskWorkspace containment of writes (.git, links into .git, links out)", () => {
  const FSMONITOR = enc("[core]\n\tfsmonitor = touch /tmp/hearth-pwned\n");

  /** A real git repository with links that lead into its .git folder. */
  function attackRepo(): { root: string; config: Buffer } {
    const root = tempDir();
    execFileSync("git", ["init", "-q", root]);
    writeFiles(root, { "a.txt": "A\n", "sub/.git/config": "[core]\n" });
    symlinkSync(join(root, ".git/config"), join(root, "settings.ini"));
    symlinkSync(join(root, ".git"), join(root, "gitlink"));
    symlinkSync(".git/hooks/post-checkout", join(root, "hook-link")); // dangling, relative
    return { root, config: readFileSync(join(root, ".git/config")) };
  }

  const PROTECTED = [
    ".git/config", ".GIT/config", ".Git/hooks/post-checkout", ".git\\config", "sub/.git/config", "SUB/.GiT/config",
    ".git./config", ".git /config", "git~1/config", "settings.ini", "gitlink/hooks/post-checkout", "gitlink/config", "hook-link",
  ];

  for (const path of PROTECTED) {
    it(`refuses to write "${path}" and leaves .git untouched`, async () => {
      const { root, config } = attackRepo();
      const ws = new DiskWorkspace(root);
      await assert.rejects(ws.write(path, FSMONITOR), (e: unknown) => e instanceof ToolError && e.code === "protected-path" && /\.git folder/.test(e.message));
      assert.deepEqual(readFileSync(join(root, ".git/config")), config);
      assert.equal(existsSync(join(root, ".git/hooks/post-checkout")), false);
      assert.equal(readFileSync(join(root, "sub/.git/config"), "utf8"), "[core]\n");
      assert.deepEqual(readdirSync(root).filter((n) => /^\.git.|^git~1$/i.test(n)), []);
    });
  }

  it("refuses deletes and renames at either end that reach .git, and checks a whole batch before writing", async () => {
    const { root, config } = attackRepo();
    const ws = new DiskWorkspace(root);
    await rejectsWith(ws.delete("settings.ini"), "protected-path");
    await rejectsWith(ws.delete(".GIT/config"), "protected-path");
    await rejectsWith(ws.rename("settings.ini", "moved.ini"), "protected-path");
    await rejectsWith(ws.rename("a.txt", "gitlink/hooks/post-checkout"), "protected-path");
    await rejectsWith(ws.apply([{ kind: "rename", from: "a.txt", to: "b.txt" }, { kind: "write", path: "gitlink/config", content: FSMONITOR }]), "protected-path");
    assert.deepEqual(readFileSync(join(root, ".git/config")), config);
    assert.equal(lstatSync(join(root, "settings.ini")).isSymbolicLink(), true);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "A\n");
    assert.equal(existsSync(join(root, "b.txt")), false);
    assert.equal(spawnSync("git", ["-C", root, "config", "--get", "core.fsmonitor"]).status, 1, "core.fsmonitor is not set");
  });

  it("refuses a dangling link that points out of the workspace", async () => {
    const root = tempDir();
    const outsideDir = tempDir();
    symlinkSync(join(outsideDir, "new.txt"), join(root, "out-link"));
    await rejectsWith(new DiskWorkspace(root).write("out-link", enc("x")), "outside-workspace");
    assert.equal(existsSync(join(outsideDir, "new.txt")), false);
  });

  it("still writes through links that stay inside the workspace and outside .git", async () => {
    const root = tempDir();
    writeFiles(root, { "real/a.txt": "a", ".gitignore": "x\n", "my.git/notes.txt": "n", ".github/ci.yml": "c" });
    symlinkSync(join(root, "real"), join(root, "link-in"));
    symlinkSync("real/a.txt", join(root, "alias.txt"));
    const ws = new DiskWorkspace(root);
    await ws.write("link-in/b.txt", enc("b"));
    await ws.write("alias.txt", enc("a2"));
    for (const path of [".gitignore", "my.git/notes.txt", ".github/ci.yml", ".gitmodules"]) await ws.write(path, enc("ok"));
    assert.equal(readFileSync(join(root, "real/b.txt"), "utf8"), "b");
    assert.equal(readFileSync(join(root, "real/a.txt"), "utf8"), "a2");
    assert.equal(lstatSync(join(root, "alias.txt")).isSymbolicLink(), true);
    assert.equal(readFileSync(join(root, ".github/ci.yml"), "utf8"), "ok");
  });

  it("leaves links that point out of the workspace out of a listing", async () => {
    const root = tempDir();
    const outsideDir = tempDir();
    writeFiles(outsideDir, { "secret.txt": "s" });
    writeFiles(root, { "real/a.txt": "a" });
    symlinkSync(outsideDir, join(root, "link-out"));
    symlinkSync(join(outsideDir, "secret.txt"), join(root, "file-out"));
    symlinkSync(join(root, "real"), join(root, "link-in"));
    assert.deepEqual(await new DiskWorkspace(root).list("."), [{ name: "link-in", type: "directory" }, { name: "real", type: "directory" }]);
  });
});

describe("DiskWorkspace and files that are not regular files", () => {
  /** Opens a FIFO's write end and closes it at once, so a reader stuck waiting for a writer sees end-of-file. */
  function releaseReaders(fifo: string): void {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: nobody is waiting to read it.
    }
  }

  // A read that waits for a writer fails the test by the time limit rather than hanging the file.
  it("refuses to read, write over or edit a FIFO, without waiting for a writer", { timeout: 10_000 }, async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "a\n" });
    const fifo = join(root, "pipe.txt");
    execFileSync("mkfifo", [fifo]);
    try {
      await rejectsWith(ctx.workspace.read("pipe.txt"), "not-a-file");
      await rejectsWith(ctx.workspace.write("pipe.txt", enc("x")), "not-a-file");
      const edit = await runTool(editFileTool, { path: "pipe.txt", old_text: "a", new_text: "b" }, ctx);
      assert.equal(!edit.ok && edit.code, "not-a-file");
      const read = await runTool(readFileTool, { path: "pipe.txt" }, ctx);
      assert.equal(!read.ok && read.code, "not-a-file");
      assert.match(read.text, /not a regular file/);
      assert.equal(lstatSync(fifo).isFIFO(), true);
      const socket = spawnSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", join(root, "sock.txt")]);
      if (socket.status === 0) {
        await rejectsWith(ctx.workspace.read("sock.txt"), "not-a-file");
        await rejectsWith(ctx.workspace.write("sock.txt", enc("x")), "not-a-file");
        assert.equal(lstatSync(join(root, "sock.txt")).isSocket(), true);
      }
    } finally {
      releaseReaders(fifo);
    }
  });
});
