import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
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
