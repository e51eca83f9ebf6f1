/**
 * DiskWorkspace's batch keeps what each step removes so that a failed batch puts it back:
 * a link is kept as the link it is, whatever it points to (nothing there, a pipe).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { DiskWorkspace } from "../../../src/tools/disk-workspace.ts";
import { ToolError } from "../../../src/tools/tool.ts";
import { tempDir, writeFiles } from "./helpers/setup.ts";

function linkTo(root: string, target: string, name: string): void {
  symlinkSync(target, join(root, name));
}

describe("DiskWorkspace: a link deleted or moved is kept as a link, its target never read", () => {
  it("a dangling link is deleted (not refused as a file that does not exist)", async () => {
    const root = tempDir();
    linkTo(root, "missing.txt", "gone.txt");
    await new DiskWorkspace(root).delete("gone.txt");
    assert.equal(lstatSync(join(root, "gone.txt"), { throwIfNoEntry: false }), undefined);
  });

  it("a link to a pipe is moved, and put back as that link when a later step fails", async () => {
    const root = tempDir();
    writeFiles(root, { "x.txt": "x\n", "y.txt": "y\n" });
    execFileSync("mkfifo", [join(root, "pipe")]);
    linkTo(root, "pipe", "p.link");
    const ws = new DiskWorkspace(root);
    // The second rename finds y.txt taken only when it runs: the first is undone.
    await assert.rejects(ws.apply([{ kind: "rename", from: "p.link", to: "q.link" }, { kind: "rename", from: "x.txt", to: "y.txt" }]), (e: unknown) => e instanceof ToolError && e.code === "already-exists");
    assert.equal(readlinkSync(join(root, "p.link")), "pipe");
    assert.equal(lstatSync(join(root, "q.link"), { throwIfNoEntry: false }), undefined);
  });
});
