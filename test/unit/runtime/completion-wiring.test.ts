// Which documents the runtime completes with the context of the folder it works in (its
// root: the index, the repository name) and which from their own text only.
import assert from "node:assert/strict";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { lstat, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { completionExtras, completionScope, CompletionSecretLinks } from "../../../src/runtime/completion-wiring.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = "/work/api";

describe("completionScope", () => {
  it("a file of the folder: its path in the folder, with the folder's context", () => {
    assert.deepEqual(completionScope(ROOT, "file:///work/api/src/app.ts"), { path: "src/app.ts", inFolder: true });
  });

  it("a file of another folder of the window (or one beside the folder's name): its own text only", () => {
    assert.deepEqual(completionScope(ROOT, "file:///work/web/src/app.ts"), { path: "file:///work/web/src/app.ts", inFolder: false });
    assert.equal(completionScope(ROOT, "file:///work/api-old/app.ts").inFolder, false);
    assert.equal(completionScope(ROOT, "file:///work/app.ts").inFolder, false);
  });

  it("a notebook's cell belongs where its notebook is", () => {
    assert.equal(completionScope(ROOT, "vscode-notebook-cell:/work/api/notes/explore.ipynb#W0sZmlsZQ%3D%3D").inFolder, true);
    assert.equal(completionScope(ROOT, "vscode-notebook-cell:/work/web/explore.ipynb#W0sZmlsZQ%3D%3D").inFolder, false);
    assert.equal(completionScope(ROOT, "vscode-notebook-cell:/work/api/notes/explore.ipynb#W0sZmlsZQ%3D%3D").path, "vscode-notebook-cell:/work/api/notes/explore.ipynb#W0sZmlsZQ%3D%3D", "its path as before: no file of the index");
  });

  it("a new untitled document (of no folder) gets the folder's context; one with a path to save to belongs where that path is", () => {
    assert.deepEqual(completionScope(ROOT, "untitled:Untitled-1"), { path: "untitled:Untitled-1", inFolder: true });
    assert.equal(completionScope(ROOT, "vscode-notebook-cell:Untitled-1.ipynb#W0sZmlsZQ%3D%3D").inFolder, true, "a cell of an untitled notebook");
    assert.equal(completionScope(ROOT, "untitled:/work/api/src/new.ts").inFolder, true);
    assert.equal(completionScope(ROOT, "untitled:/work/web/src/new.ts").inFolder, false);
  });

  it("no folder open, or a document of another kind: its own text only", () => {
    assert.equal(completionScope(undefined, "file:///work/api/src/app.ts").inFolder, false);
    assert.equal(completionScope(undefined, "untitled:Untitled-1").inFolder, false);
    assert.equal(completionScope(ROOT, "vscode-vfs://github/acme/api/src/app.ts").inFolder, false);
    assert.equal(completionScope(ROOT, "not a uri").inFolder, false);
  });
});

describe("completionExtras (what Hearth's provider adds to the request, from the wire)", () => {
  it("keeps the editor's indentation when it is well formed, nothing else", () => {
    assert.deepEqual(completionExtras({ indentation: { insertSpaces: false, tabSize: 4 } }), { indentation: { insertSpaces: false, tabSize: 4 } });
    for (const bad of [undefined, null, "x", { indentation: { insertSpaces: "no", tabSize: 4 } }, { indentation: { insertSpaces: true, tabSize: 0 } }, { indentation: { insertSpaces: true, tabSize: 1e9 } }, { indentation: { insertSpaces: true, tabSize: 2.5 } }]) {
      assert.deepEqual(completionExtras(bad), {}, JSON.stringify(bad));
    }
  });
});

describe("CompletionSecretLinks", () => {
  it("asks the disk once at a time per file: keystrokes on a stalled network mount do not each hold one of node's 4 file threads", async () => {
    const root = tempDir("hearth-secret-links-once-");
    writeFileSync(join(root, "app.ts"), "export const x = 1;\n");
    const uri = pathToFileURL(join(root, "app.ts")).href;
    let calls = 0;
    let answer = () => {};
    const held = new Promise<void>((go) => (answer = go));
    // The mount answers only when the test says so, as a stalled one would not at all.
    const links = new CompletionSecretLinks(root, {
      lstat: async (path) => {
        calls++;
        await held;
        return lstat(path);
      },
      stat,
    });
    const keystrokes = Array.from({ length: 6 }, () => links.reason(uri));
    await new Promise((go) => setImmediate(go));
    assert.equal(calls, 1, "one call in flight for six requests");
    answer();
    assert.deepEqual(await Promise.all(keystrokes), Array(6).fill(undefined));
    assert.equal(calls, 2, "the five made meanwhile share the check after it");
    await links.reason(uri);
    assert.equal(calls, 3, "the next request looks again: a path made a link meanwhile is seen");
  });

  it("a request made while a check is in flight is answered by a check made after it: a path made a link to .env meanwhile is seen", async () => {
    const root = tempDir("hearth-secret-links-next-");
    writeFileSync(join(root, ".env"), "DB_PASSWORD=hunter2\n");
    writeFileSync(join(root, "app.txt"), "notes\n");
    const uri = pathToFileURL(join(root, "app.txt")).href;
    let calls = 0;
    let answer = () => {};
    const held = new Promise<void>((go) => (answer = go));
    let diskRead = () => {};
    const secondRead = new Promise<void>((go) => (diskRead = go));
    // The second check reads the disk at once (app.txt a file of its own) and answers late, as a slow mount would.
    // Calls are counted as they are made; the link is made once the second has read the disk (not after
    // a turn of the event loop, which a loaded machine's file threads can outlast).
    const links = new CompletionSecretLinks(root, {
      lstat: async (path) => {
        const call = ++calls;
        const info = await lstat(path);
        if (call === 2) {
          diskRead();
          await held;
        }
        return info;
      },
      stat,
    });
    assert.equal(await links.reason(uri), undefined, "an ordinary file, looked up once");
    const inFlight = links.reason(uri);
    await secondRead;
    rmSync(join(root, "app.txt"));
    symlinkSync(".env", join(root, "app.txt"));
    const later = Array.from({ length: 5 }, () => links.reason(uri));
    await new Promise((go) => setImmediate(go));
    assert.equal(calls, 2, "no other call while one is in flight");
    answer();
    assert.equal(await inFlight, undefined, "the request whose check read the disk before the change: the file as it was");
    for (const reason of await Promise.all(later)) assert.match(reason ?? "", /app\.txt, a link to \.env/);
    assert.equal(calls, 3, "the five later requests shared one check");
  });
});
