// Which folder Hearth works in, and paths as the runtime names them: a file in another
// folder of the window must never get a relative path that means a file of this one.
import assert from "node:assert/strict";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";
import { chosenFolder, distinctFolderName, folderLabel, folderOnDisk, rememberChoice, folderOfItem, linkInFolder, pathInFolder, pathInFolderOrTwin, sameFolderPath } from "../../../src/extension/folder-paths.ts";

const A = { uri: "file:///w/api", name: "api" };
const B = { uri: "file:///w/web", name: "web" };

describe("chosenFolder", () => {
  it("the remembered folder while it is open, else the first, none without folders", () => {
    assert.equal(chosenFolder([A, B], B.uri), B);
    assert.equal(chosenFolder([A, B], undefined), A);
    assert.equal(chosenFolder([A, B], "file:///w/gone"), A, "a removed choice falls back to the first folder");
    assert.equal(chosenFolder([], A.uri), undefined);
  });

  it("passes over a folder of the workspace file that is not on disk (moved or deleted since the .code-workspace was written): Hearth worked there, the index said the folder is gone and every chat message failed with 'agent/run: ENOENT'", () => {
    const onDisk = (f: { uri: string }) => f !== A;
    assert.equal(chosenFolder([A, B], undefined, onDisk), B, "the first folder that is on disk");
    assert.equal(chosenFolder([A, B], A.uri, onDisk), B, "a remembered choice that is gone too");
    assert.equal(chosenFolder([B, A], A.uri, onDisk), B);
    assert.equal(chosenFolder([A, B], B.uri, onDisk), B);
    assert.equal(chosenFolder([A], undefined, onDisk), A, "none on disk: the first still (the runtime says the folder is gone)");
    assert.equal(chosenFolder([A, B], B.uri, () => false), B, "none on disk: the remembered one still");
  });

  it("stays in the folder Hearth works in while it is open and on disk when the window's folders change: a folder passed over (not on disk) that came back took over at the next folder added or removed, and the runtime restarted there unasked, even mid-run", () => {
    const C = { uri: "file:///w/docs", name: "docs" };
    const onDisk = () => true; // api is back on disk
    assert.equal(chosenFolder([A, B, C], undefined, onDisk, B.uri), B, "worked in web since api was missing: stays there");
    assert.equal(chosenFolder([A, B, C], A.uri, onDisk, B.uri), B, "a remembered choice that was passed over too");
    assert.equal(chosenFolder([A, C], undefined, onDisk, B.uri), A, "web removed: the first folder");
    assert.equal(chosenFolder([A, B], undefined, (f) => f !== B, B.uri), A, "web gone from disk: a folder that is");
    assert.equal(chosenFolder([A, B], undefined, () => false, B.uri), B, "none on disk: where it was");
    assert.equal(chosenFolder([A, B], B.uri, onDisk), B, "a new choice (no folder to stay in) is the choice");
  });
});

describe("distinctFolderName", () => {
  it("a folder's name, with its path where another folder of the window has the same name: two clones both called app made 'This conversation changed files in app; Hearth works in app now. Choose app…'", () => {
    const one = { name: "app", path: "/home/me/work/app" };
    const two = { name: "app", path: "/home/me/review/app" };
    const api = { name: "api", path: "/home/me/api" };
    assert.equal(distinctFolderName(one, [one, api]), "app");
    assert.equal(distinctFolderName(one, [one, two, api]), "app (/home/me/work/app)");
    assert.equal(distinctFolderName(two, [one, two, api]), "app (/home/me/review/app)");
    assert.equal(distinctFolderName(api, [one, two, api]), "api");
    assert.equal(distinctFolderName(one, [one, { ...one }]), "app", "the same folder twice is one name");
    assert.equal(distinctFolderName(one, []), "app");
  });
});

describe("folderOnDisk", () => {
  it("a folder, or a link to one, is on disk; a missing path or a file is not", () => {
    const base = tempDir("hearth-folder-on-disk-");
    mkdirSync(join(base, "api"));
    writeFileSync(join(base, "notes.txt"), "x\n");
    symlinkSync(join(base, "api"), join(base, "link"));
    symlinkSync(join(base, "gone"), join(base, "dangling"));
    assert.equal(folderOnDisk(join(base, "api")), true);
    assert.equal(folderOnDisk(join(base, "link")), true);
    assert.equal(folderOnDisk(join(base, "gone")), false);
    assert.equal(folderOnDisk(join(base, "dangling")), false);
    assert.equal(folderOnDisk(join(base, "notes.txt")), false);
  });
});

describe("rememberChoice", () => {
  const memory = () => {
    const saved: string[] = [];
    return { saved, remember: async (uri: string) => void saved.push(uri) };
  };

  it("remembers a folder open in the window", async () => {
    const { saved, remember } = memory();
    assert.equal(await rememberChoice([A, B], B.uri, remember), true);
    assert.deepEqual(saved, [B.uri]);
    assert.equal(chosenFolder([A, B], saved.at(-1)), B);
  });

  it("does not remember one that left the window while Choose Folder waited for the run to end: added back later, Hearth would move there unasked, even mid-run", async () => {
    const { saved, remember } = memory();
    assert.equal(await rememberChoice([A], B.uri, remember), false, "web was removed meanwhile");
    assert.deepEqual(saved, [], "nothing saved: the choice made before stays");
    assert.equal(await rememberChoice([], A.uri, remember), false, "no folder open at all");
    assert.deepEqual(saved, []);
  });
});

describe("pathInFolder", () => {
  it("a file in the folder: relative, with /", () => {
    assert.equal(pathInFolder("/w/api", "/w/api/src/a.ts"), "src/a.ts");
    assert.equal(pathInFolder("/w/api", "/w/api/..hidden/x"), "..hidden/x", "a name that starts with two dots is inside");
  });

  it("a file outside it — another folder, a sibling sharing the prefix, the folder itself — has none", () => {
    assert.equal(pathInFolder("/w/api", "/w/web/src/a.ts"), undefined, "web's src/a.ts is not api's src/a.ts");
    assert.equal(pathInFolder("/w/api", "/w/api-v2/src/a.ts"), undefined);
    assert.equal(pathInFolder("/w/api", "/w/api"), undefined);
    assert.equal(pathInFolder("/w/api", "/w"), undefined);
  });
});

describe("linkInFolder", () => {
  it("a link the chat shows (a tool card's path, a reply's link) opens the file in the folder, also when the agent named it absolute", () => {
    assert.equal(linkInFolder("/w/api", "src/a.ts"), "src/a.ts");
    assert.equal(linkInFolder("/w/api", "/w/api/src/a.ts"), "src/a.ts", "the agent's tools take absolute paths under the folder");
    assert.equal(linkInFolder("/w/api", "./src/../src/a.ts"), "src/a.ts");
    assert.equal(linkInFolder("/w/api", "src\\a.ts"), "src/a.ts", "as the agent's tools read it");
  });

  it("nothing outside the folder, however it is written (the page's message is untrusted)", () => {
    for (const path of ["../web/a.ts", "src/../../web/a.ts", "/etc/passwd", "/w/api-v2/a.ts", "..", "/w/api", ""]) {
      assert.equal(linkInFolder("/w/api", path), undefined, path);
    }
  });
});

describe("folderLabel", () => {
  it("only in a window of several folders", () => {
    assert.equal(folderLabel("web", 1, 3), "web (2 of 3 folders)");
    assert.equal(folderLabel("api", 0, 1), undefined);
  });
});

describe("folderOfItem", () => {
  const items = [
    { kind: "user", id: "u1", folder: A.uri },
    { kind: "tool", id: "t1" },
    { kind: "user", id: "u2", folder: B.uri },
    { kind: "tool", id: "t2" },
  ];

  it("an item's paths are relative to the folder of the message it answers", () => {
    assert.equal(folderOfItem(items, "t1"), A.uri);
    assert.equal(folderOfItem(items, "u1"), A.uri);
    assert.equal(folderOfItem(items, "t2"), B.uri);
    assert.equal(folderOfItem(items), B.uri, "no item: the last message's");
  });

  it("none recorded (an older or imported conversation), or an unknown item: undefined (the current folder is used)", () => {
    assert.equal(folderOfItem([{ kind: "user", id: "u" }, { kind: "tool", id: "t" }], "t"), undefined);
    assert.equal(folderOfItem(items, "nope"), undefined);
  });
});

describe("sameFolderPath", () => {
  it("the runtime's folder (fileURLToPath) and VS Code's (fsPath) are the same one whatever the trailing separator; another folder is not", () => {
    assert.equal(sameFolderPath("/w/web", "/w/web/"), true);
    assert.equal(sameFolderPath("/w/web", "/w/api"), false);
    assert.equal(sameFolderPath("/w/web", "/w/web/src"), false);
  });
});

describe("pathInFolderOrTwin: a second folder of the window that is a link to the folder Hearth works in", () => {
  it("names its files by their path in the folder (they are the same files); another folder's stay outside", () => {
    // Hearth in api, api-link (-> api) also open: a selection in api-link/src/x.ts was told the agent could not reach it.
    const root = tempDir("hearth-folder-twin-");
    const api = join(root, "api");
    mkdirSync(join(api, "src"), { recursive: true });
    writeFileSync(join(api, "src", "x.ts"), "x\n");
    mkdirSync(join(root, "web"));
    symlinkSync(api, join(root, "api-link"));
    const real = (path: string) => realpathSync(path);
    assert.equal(pathInFolderOrTwin(api, join(root, "api-link", "src", "x.ts"), join(root, "api-link"), real), "src/x.ts");
    assert.equal(pathInFolderOrTwin(join(root, "api-link"), join(api, "src", "x.ts"), api, real), "src/x.ts");
    assert.equal(pathInFolderOrTwin(api, join(root, "web", "a.ts"), join(root, "web"), real), undefined);
    assert.equal(pathInFolderOrTwin(api, join(root, "web", "a.ts"), undefined, real), undefined);
    assert.equal(pathInFolderOrTwin(api, join(api, "src", "x.ts"), undefined, real), "src/x.ts");
  });
});
