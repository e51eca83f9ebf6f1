// Open documents as the runtime follows them: incremental changes applied to its copy, versions,
// where each was last edited, and what happens to a change that cannot be applied.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import type { WorkspaceEdit } from "vscode-languageserver/node";
import { EditorWorkspace } from "../../../src/runtime/editor-workspace.ts";
import { OpenDocuments, type ResyncAnswer, type TextDocumentContentChangeEvent } from "../../../src/runtime/open-documents.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { runTool } from "../../../src/tools/index.ts";
import { decodeText } from "../../../src/tools/text-file.ts";
import { pick, seededRandom } from "../../fixtures/seeded-random.ts";
import { tempDir } from "../../fixtures/temp.ts";

const whole = (text: string): TextDocumentContentChangeEvent[] => [{ text }];

describe("OpenDocuments", () => {
  it("follows text and versions, and where each document was last edited, newest first", () => {
    const docs = new OpenDocuments();
    docs.opened("file:///a.ts", "one\ntwo\nthree\n", 1);
    docs.opened("file:///b.ts", "x\n", 1);
    assert.deepEqual(docs.recentlyEdited(), [], "opening is not editing");
    docs.changed("file:///a.ts", [{ range: span(1, 3, 1, 3), text: "!" }], 2);
    docs.changed("file:///b.ts", whole("x\ny\n"), 5);
    assert.equal(docs.version("file:///a.ts"), 2);
    assert.equal(docs.text("file:///a.ts"), "one\ntwo!\nthree\n");
    assert.equal(docs.text("file:///b.ts"), "x\ny\n");
    const recent = docs.recentlyEdited();
    assert.deepEqual(recent.map((d) => [d.uri, d.line]).sort(), [["file:///a.ts", 1], ["file:///b.ts", 1]]);
  });

  it("keeps 'recently edited' (newest first, the last 10 minutes) right when the system clock is set back", (t) => {
    // NTP fixing a fast clock, a VM resumed from a snapshot: edits before the jump looked newer
    // than every edit after it, and recent for the day the clock went back.
    const now = { wall: Date.UTC(2026, 11, 7, 2, 0), monotonic: 5_000 };
    t.mock.method(Date, "now", () => now.wall);
    t.mock.method(performance, "now", () => now.monotonic);
    const docs = new OpenDocuments();
    docs.opened("file:///a.ts", "one\n", 1);
    docs.opened("file:///b.ts", "x\n", 1);
    docs.changed("file:///a.ts", whole("one!\n"), 2);
    now.wall -= 24 * 3_600_000;
    now.monotonic += 60_000;
    docs.changed("file:///b.ts", whole("x!\n"), 2);
    assert.deepEqual(docs.recentlyEdited().map((d) => d.uri), ["file:///b.ts", "file:///a.ts"], "the edit made now first");
    now.monotonic += 10 * 60_000;
    now.wall += 10 * 60_000;
    assert.deepEqual(docs.recentlyEdited().map((d) => d.uri), ["file:///b.ts"], "an edit 11 minutes old is no longer recent");
  });

  it("applies several changes of one notification in order, each in the text the previous one left", () => {
    const docs = new OpenDocuments();
    docs.opened("file:///a.ts", "alpha\nbeta\n", 1);
    // VS Code sends a multi-cursor edit bottom-up; the second range is in the text after the first.
    const outcome = docs.changed("file:///a.ts", [{ range: span(1, 0, 1, 0), text: "// " }, { range: span(0, 0, 0, 0), text: "// " }, { range: span(2, 0, 2, 0), text: "end\r\n" }], 2);
    assert.equal(outcome, "applied");
    assert.equal(docs.text("file:///a.ts"), "// alpha\n// beta\nend\r\n");
    assert.equal(docs.recentlyEdited()[0]!.line, 2, "the line of the last change");
  });

  it("takes a character past a line's end as the line's end (LSP), and edits at the very end of the document", () => {
    const docs = new OpenDocuments();
    docs.opened("file:///a.ts", "ab\r\ncd", 1);
    docs.changed("file:///a.ts", [{ range: span(0, 99, 0, 99), text: "!" }], 2);
    docs.changed("file:///a.ts", [{ range: span(1, 2, 1, 2), text: "\r\nef" }], 3);
    docs.changed("file:///a.ts", [{ range: span(2, 1, 2, 2), text: "" }], 4);
    assert.equal(docs.text("file:///a.ts"), "ab!\r\ncd\r\ne");
  });

  it("agrees with rebuilding the string for random edit sequences (CRLF, lone CR, astral characters)", () => {
    const random = seededRandom(7);
    for (let run = 0; run < 300; run++) {
      let expected = randomText(random, random() * 40);
      const docs = new OpenDocuments();
      docs.opened("file:///r.ts", expected, 0);
      for (let version = 1; version <= 25; version++) {
        const changes: TextDocumentContentChangeEvent[] = [];
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
          const [from, to] = [boundary(expected, random), boundary(expected, random)].sort((a, b) => a - b) as [number, number];
          const text = randomText(random, random() * 6);
          changes.push({ range: { start: position(expected, from), end: position(expected, to) }, text });
          expected = expected.slice(0, from) + text + expected.slice(to);
        }
        assert.equal(docs.changed("file:///r.ts", changes, version), "applied");
        assert.equal(docs.text("file:///r.ts"), expected, `run ${run}, version ${version}: ${JSON.stringify(changes)}`);
      }
    }
  });

  it("a range past the end leaves the copy as it was and out of sync until a whole text comes", () => {
    const docs = new OpenDocuments();
    docs.opened("file:///a.ts", "one\ntwo\n", 1);
    docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "x" }], 2);
    // The first change applies, the second does not: nothing of the notification stays.
    const outcome = docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "y" }, { range: span(7, 0, 7, 0), text: "z" }], 3);
    assert.equal(outcome, "outOfSync");
    assert.equal(docs.text("file:///a.ts"), undefined, "no completions, the index reads the disk");
    assert.deepEqual(docs.get("file:///a.ts"), { text: "xone\ntwo\n", dirty: true, version: 2 }, "the agent must not write over it");
    assert.equal(docs.version("file:///a.ts"), 2);
    assert.equal(docs.recentlyEdited().length, 0);
    assert.equal(docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "w" }], 4), "ignored", "later ranges have nothing to apply to");
    assert.equal(docs.text("file:///a.ts"), undefined);
    assert.equal(docs.changed("file:///a.ts", whole("fresh\n"), 5), "applied");
    assert.equal(docs.text("file:///a.ts"), "fresh\n");
    docs.changed("file:///a.ts", [{ range: span(0, 5, 0, 5), text: "er" }], 6);
    assert.equal(docs.text("file:///a.ts"), "fresher\n");
  });

  it("refuses reversed ranges, negative positions and ranges for a document never opened", () => {
    const docs = new OpenDocuments();
    for (const range of [span(0, 2, 0, 1), span(1, 0, 0, 0), span(-1, 0, 0, 0), span(0, -1, 0, 0)]) {
      docs.opened("file:///a.ts", "abc\ndef", 1);
      assert.equal(docs.changed("file:///a.ts", [{ range, text: "x" }], 2), "outOfSync", JSON.stringify(range));
      assert.equal(docs.get("file:///a.ts")?.text, "abc\ndef");
    }
    assert.equal(docs.changed("file:///never.ts", [{ range: span(0, 0, 0, 0), text: "x" }], 2), "outOfSync");
    assert.equal(docs.get("file:///never.ts"), undefined);
  });

  it("a version that is not after the copy's: ranges put it out of sync, a stale whole text is ignored", () => {
    const docs = new OpenDocuments();
    docs.opened("file:///a.ts", "abc", 1);
    docs.changed("file:///a.ts", [{ range: span(0, 3, 0, 3), text: "d" }], 3);
    assert.equal(docs.changed("file:///a.ts", whole("ab"), 2), "ignored");
    assert.equal(docs.text("file:///a.ts"), "abcd");
    assert.equal(docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "z" }], 3), "outOfSync");
    assert.equal(docs.text("file:///a.ts"), undefined);
    docs.opened("file:///a.ts", "reopened", 1);
    assert.equal(docs.text("file:///a.ts"), "reopened", "reopening brings it back");
  });

  it("a keystroke in a 7 MB document touches only its line, and whole texts still find the edited line cheaply", () => {
    // With whole-text sync a JavaScript loop over 7 MB took ~25 ms of the runtime's thread per keystroke.
    const text = Array.from({ length: 350_000 }, (_, i) => `const v${i} = ${i};`).join("\n");
    const docs = new OpenDocuments();
    docs.opened("file:///big.ts", text, 1);
    // The first ranged change finds the line starts (once per document, one pass over it).
    docs.changed("file:///big.ts", [{ range: span(5, 0, 5, 0), text: " " }], 2);
    const compared = countingCharCodeAt(() => {
      docs.changed("file:///big.ts", [{ range: span(99_990, 12, 99_990, 12), text: "x" }], 3);
      assert.equal(docs.recentlyEdited()[0]!.line, 99_990);
      docs.changed("file:///big.ts", [{ range: span(99_991, 0, 99_991, 0), text: "\n" }], 4);
    });
    assert.ok(compared < 100, `${compared} characters looked at one by one for two keystrokes`);
    assert.ok(docs.text("file:///big.ts")!.includes("const v99990x = 99990;\n\nconst v99991"));
    const wholeCompared = countingCharCodeAt(() => {
      docs.changed("file:///big.ts", whole(docs.text("file:///big.ts")!.replace("const v99995 =", "const v99995y =")), 5);
      assert.equal(docs.recentlyEdited()[0]!.line, 99_996);
    });
    assert.ok(wholeCompared < 20_000, `${wholeCompared} characters compared one by one for a whole text`);
  });

  it("closing forgets the document and tells the listeners", () => {
    const docs = new OpenDocuments();
    const closed: string[] = [];
    docs.onClosed((uri) => closed.push(uri));
    docs.opened("file:///a.ts", "a", 1);
    docs.closed("file:///a.ts");
    assert.equal(docs.text("file:///a.ts"), undefined);
    assert.equal(docs.version("file:///a.ts"), undefined);
    assert.deepEqual(closed, ["file:///a.ts"]);
  });

  // VS Code opens a UTF-8 file with a BOM, or a UTF-16 one, without the BOM in its text; the
  // copy was compared with the file read as UTF-8, so such a file open and saved was
  // "dirty" and every agent edit to it was refused as "unsaved changes in the editor".
  it("a saved document of a file with a BOM (UTF-8 or UTF-16) is not dirty; a changed one is", () => {
    const root = tempDir("hearth-open-docs-");
    const files = {
      "utf8-bom.cs": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("class A {}\r\n")]),
      "utf16le.reg": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Windows Registry Editor\r\n", "utf16le")]),
      "utf16be.txt": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from("big end\n", "utf16le").swap16()]),
    };
    const docs = new OpenDocuments();
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(join(root, name), bytes);
      const uri = pathToFileURL(join(root, name)).toString();
      const text = decodeText(bytes, name).text;
      docs.opened(uri, text, 1);
      assert.deepEqual(docs.get(uri), { text, dirty: false, version: 1 }, name);
      docs.changed(uri, [{ range: span(0, 0, 0, 0), text: "x" }], 2);
      assert.equal(docs.get(uri)?.dirty, true, `${name} after a keystroke`);
    }
  });

  // VS Code gives a file of mixed line ends one line end when it opens it (the one most lines
  // use; a lone CR becomes it too) and calls it saved: it was "dirty" here, its edits refused.
  it("a saved document of a file with mixed line ends, which VS Code opens with one, is not dirty", () => {
    const root = tempDir("hearth-open-docs-");
    const docs = new OpenDocuments();
    for (const [name, disk, editor] of [
      ["crlf-mostly.cs", "a\r\nb\r\nc\nd\r\n", "a\r\nb\r\nc\r\nd\r\n"],
      ["lf-mostly.ts", "a\nb\r\nc\rd\n", "a\nb\nc\nd\n"],
    ] as const) {
      writeFileSync(join(root, name), disk);
      const uri = pathToFileURL(join(root, name)).toString();
      docs.opened(uri, editor, 1);
      assert.equal(docs.get(uri)?.dirty, false, name);
      docs.changed(uri, [{ range: span(0, 1, 0, 1), text: "!" }], 2);
      assert.equal(docs.get(uri)?.dirty, true, `${name} after a keystroke`);
    }
  });

  // The user switched the line ends in the status bar (LF to CRLF) and has not saved: VS Code
  // calls the file dirty, but line ends were never compared here, so the agent wrote it and
  // its save kept the user's unsaved change, every line of it in the agent's step's diff.
  it("a document whose line ends the user changed and has not saved is dirty, unlike a mixed file VS Code opened with one", () => {
    const root = tempDir("hearth-open-docs-");
    const docs = new OpenDocuments();
    for (const [name, disk, editor] of [
      ["lf.ts", "a\nb\n", "a\r\nb\r\n"],
      ["crlf.cs", "a\r\nb\r\n", "a\nb\n"],
    ] as const) {
      writeFileSync(join(root, name), disk);
      const uri = pathToFileURL(join(root, name)).toString();
      docs.opened(uri, editor, 1);
      assert.equal(docs.get(uri)?.dirty, true, name);
    }
  });

  // A Latin-1 or Windows-1252 file the user opened with its encoding (Reopen with Encoding,
  // files.encoding, as Hearth's own refusal of a misread one asks): the copy was compared with
  // the file read as UTF-8, where each accented byte is U+FFFD, so it was "dirty" for good and
  // every agent edit was refused as "unsaved changes", however often the user saved.
  it("a saved document of a Latin-1 or Windows-1252 file opened with its encoding is not dirty; a changed one is", () => {
    const root = tempDir("hearth-open-docs-");
    const docs = new OpenDocuments();
    for (const [name, bytes, text] of [
      ["menu.py", Buffer.from("caf\xe9 = 1\r\n", "latin1"), "café = 1\r\n"],
      ["quote.txt", Buffer.from([0x93, 0x68, 0x69, 0x94, 0x20, 0x80, 0x0a]), "\u201chi\u201d \u20ac\n"],
    ] as const) {
      writeFileSync(join(root, name), bytes);
      const uri = pathToFileURL(join(root, name)).toString();
      docs.opened(uri, text, 1);
      assert.equal(docs.get(uri)?.dirty, false, name);
      docs.changed(uri, [{ range: span(0, 1, 0, 1), text: "!" }], 2);
      assert.equal(docs.get(uri)?.dirty, true, `${name} after a keystroke`);
    }
  });

  // VS Code writes a file URI's path with more characters escaped than Node's pathToFileURL
  // (which the agent's editor workspace builds its URIs with): "[", "]", "@", "+", "(", ")",
  // "!", "'", ",", ";", "=", "&", "$". Looked up by the string, a document of SvelteKit's
  // src/routes/[slug]/+page.svelte was "not open": the agent read the disk and wrote over the
  // user's unsaved changes in the editor.
  it("an open document is found by the agent whichever way its URI escapes the path, and its unsaved changes are kept", async () => {
    const root = tempDir("hearth-open-docs-");
    const dir = join(root, "src", "routes", "[slug]", "(app)@v1");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, "+page.svelte");
    writeFileSync(path, "let a = 1;\n");
    const docs = new OpenDocuments();
    docs.opened(vscodeUri(path), "let a = 1; // typing\n", 1);
    const edits: WorkspaceEdit[] = [];
    const ws = new EditorWorkspace(root, { openDocument: (u) => docs.get(u), applyEdit: async (edit) => (edits.push(edit), { applied: true }), save: async () => undefined });
    const rel = "src/routes/[slug]/(app)@v1/+page.svelte";
    assert.equal(new TextDecoder().decode(await ws.read(rel)), "let a = 1; // typing\n", "the agent reads the editor's text");
    const result = await runTool(editFileTool, { path: rel, old_text: "let a = 1;", new_text: "let a = 2;" }, { workspace: ws, signal: new AbortController().signal });
    assert.equal(result.ok ? "written" : result.code, "stale-file");
    assert.deepEqual(edits, []);
    assert.equal(docs.text(pathToFileURL(path).toString()), "let a = 1; // typing\n");
  });

  // UTF-16 with no BOM, open under the user's files.encoding utf16le (a Windows tool's output,
  // a .reg or .rc file): read as UTF-8 its NULs are characters, so the saved document was
  // "dirty" for good — every agent edit refused as unsaved changes and read_file calling the
  // editor's text unsaved — and a new character beyond Latin-1 was refused as one a one-byte
  // encoding may not hold. Saved, it is not dirty, and the edit goes through the editor.
  it("a saved document of a UTF-16 file without a BOM opened with its encoding is not dirty, and takes any character", async () => {
    const root = tempDir("hearth-open-docs-");
    const docs = new OpenDocuments();
    const le = join(root, "strings.rc");
    writeFileSync(le, Buffer.from("name = caf\u00e9\r\n", "utf16le"));
    const be = join(root, "be.txt");
    writeFileSync(be, Buffer.from("x = 1\n", "utf16le").swap16());
    docs.opened(pathToFileURL(be).toString(), "x = 1\n", 1);
    assert.equal(docs.get(pathToFileURL(be).toString())?.dirty, false, "UTF-16BE");
    const uri = pathToFileURL(le).toString();
    docs.opened(uri, "name = caf\u00e9\r\n", 1);
    assert.equal(docs.get(uri)?.dirty, false);
    const edits: WorkspaceEdit[] = [];
    const ws = new EditorWorkspace(root, { openDocument: (u) => docs.get(u), applyEdit: async (edit) => (edits.push(edit), { applied: true }), save: async () => undefined });
    const result = await runTool(editFileTool, { path: "strings.rc", old_text: "caf\u00e9", new_text: "caf\u00e9 \u2192 \u5496\u5561" }, { workspace: ws, signal: new AbortController().signal });
    assert.ok(result.ok, result.text);
    assert.equal(edits.length, 1);
    docs.changed(uri, [{ range: span(0, 1, 0, 1), text: "!" }], 2);
    assert.equal(docs.get(uri)?.dirty, true, "after a keystroke");
  });

  it("the agent edits an open, saved UTF-8 file with a BOM through the editor", async () => {
    const root = tempDir("hearth-open-docs-");
    const path = join(root, "Program.cs");
    writeFileSync(path, "\uFEFFclass A { int x = 1; }\n");
    const docs = new OpenDocuments();
    const uri = pathToFileURL(path).toString();
    docs.opened(uri, "class A { int x = 1; }\n", 1);
    const edits: WorkspaceEdit[] = [];
    const ws = new EditorWorkspace(root, { openDocument: (u) => docs.get(u), applyEdit: async (edit) => (edits.push(edit), { applied: true }), save: async () => undefined });
    const result = await runTool(editFileTool, { path: "Program.cs", old_text: "x = 1", new_text: "x = 2" }, { workspace: ws, signal: new AbortController().signal });
    assert.ok(result.ok, result.text);
    assert.equal(edits.length, 1);
  });
});

describe("OpenDocuments resync", () => {
  it("asks the client once when a document goes out of sync and is in sync again with its answer", async () => {
    const { docs, asked, answer, resynced } = resyncing();
    docs.opened("file:///a.ts", "one\ntwo\n", 1);
    docs.changed("file:///a.ts", [{ range: span(0, 3, 0, 3), text: "!" }], 2);
    assert.equal(docs.changed("file:///a.ts", [{ range: span(9, 0, 9, 0), text: "x" }], 3), "outOfSync");
    assert.equal(docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "y" }], 4), "ignored", "nothing to apply to while it is asked");
    assert.deepEqual(asked, ["file:///a.ts"], "one request, not one per change");
    assert.equal(docs.text("file:///a.ts"), undefined);
    await answer(0, { text: "yone!\ntwo\nx", version: 4 });
    assert.equal(docs.text("file:///a.ts"), "yone!\ntwo\nx");
    assert.equal(docs.version("file:///a.ts"), 4);
    assert.deepEqual(resynced, ["file:///a.ts"], "the index is told");
    // A change the answer holds already arrives after it (dropped); a newer one applies on top of it.
    assert.equal(docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "y" }], 4), "ignored");
    assert.equal(docs.changed("file:///a.ts", [{ range: span(1, 3, 1, 3), text: "s" }], 5), "applied");
    assert.equal(docs.text("file:///a.ts"), "yone!\ntwos\nx");
    // Out of sync again later: asked again, once.
    docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "z" }], 5);
    assert.deepEqual(asked, ["file:///a.ts", "file:///a.ts"]);
  });

  it("a change newer than the answer wins: the answer is dropped and the document stays out of sync without asking again", async () => {
    const { docs, asked, answer, resynced } = resyncing();
    docs.opened("file:///a.ts", "abc", 1);
    docs.changed("file:///a.ts", [{ range: span(5, 0, 5, 0), text: "x" }], 2);
    docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "y" }], 3);
    await answer(0, { text: "abc?", version: 2 });
    assert.equal(docs.text("file:///a.ts"), undefined, "version 3 came before an answer of version 2");
    assert.deepEqual(resynced, []);
    docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "w" }], 4);
    docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "v" }], 2);
    assert.equal(asked.length, 1, "not asked again");
    assert.equal(docs.changed("file:///a.ts", whole("whole"), 5), "applied", "a whole text still brings it back");
    assert.equal(docs.text("file:///a.ts"), "whole");
  });

  it("a whole text or a reopen while the resync is asked wins over its answer, and a close drops it", async () => {
    const { docs, asked, answer } = resyncing();
    docs.opened("file:///a.ts", "abc", 1);
    docs.changed("file:///a.ts", [{ range: span(5, 0, 5, 0), text: "x" }], 2);
    docs.changed("file:///a.ts", whole("fresh"), 3);
    await answer(0, { text: "stale", version: 9 });
    assert.equal(docs.text("file:///a.ts"), "fresh");

    docs.changed("file:///a.ts", [{ range: span(5, 0, 5, 0), text: "x" }], 4);
    docs.opened("file:///a.ts", "reopened", 1);
    await answer(1, { text: "stale", version: 9 });
    assert.equal(docs.text("file:///a.ts"), "reopened");

    docs.changed("file:///a.ts", [{ range: span(5, 0, 5, 0), text: "x" }], 2);
    docs.closed("file:///a.ts");
    await answer(2, { text: "stale", version: 9 });
    assert.equal(docs.get("file:///a.ts"), undefined, "closed stays closed");
    assert.equal(asked.length, 3);
  });

  it("an error or null answer leaves it out of sync and is not asked again; ranges for a document never opened ask once", async () => {
    const { docs, asked, answer, fail } = resyncing();
    docs.opened("file:///a.ts", "abc", 1);
    docs.changed("file:///a.ts", [{ range: span(5, 0, 5, 0), text: "x" }], 2);
    await fail(0, new Error("Unhandled method hearth/document/resync"));
    for (let v = 3; v < 6; v++) docs.changed("file:///a.ts", [{ range: span(0, 0, 0, 0), text: "x" }], v);
    assert.equal(docs.text("file:///a.ts"), undefined);
    assert.deepEqual(docs.get("file:///a.ts"), { text: "abc", dirty: true, version: 1 });

    for (let v = 1; v < 4; v++) docs.changed("file:///never.ts", [{ range: span(0, 0, 0, 0), text: "x" }], v);
    await answer(1, null);
    docs.changed("file:///never.ts", [{ range: span(0, 0, 0, 0), text: "x" }], 4);
    assert.equal(docs.get("file:///never.ts"), undefined);
    assert.deepEqual(asked, ["file:///a.ts", "file:///never.ts"]);

    // The client does have it (a didOpen lost to a restart): its answer opens it.
    docs.changed("file:///late.ts", [{ range: span(0, 0, 0, 0), text: "x" }], 7);
    await answer(2, { text: "late", version: 7 });
    assert.equal(docs.text("file:///late.ts"), "late");
  });

  it("an answer that never comes blocks nothing: the document is out of sync and asked once", () => {
    const docs = new OpenDocuments();
    let asked = 0;
    docs.resyncWith(() => {
      asked++;
      return new Promise<ResyncAnswer>(() => undefined);
    });
    docs.opened("file:///a.ts", "abc", 1);
    for (let v = 2; v < 10; v++) docs.changed("file:///a.ts", [{ range: span(5, 0, 5, 0), text: "x" }], v);
    assert.equal(asked, 1);
    docs.opened("file:///a.ts", "again", 1);
    assert.equal(docs.text("file:///a.ts"), "again");
  });
});

/** OpenDocuments with a fake client: each resync it asks waits until the test answers or fails it (by its index). */
function resyncing() {
  const docs = new OpenDocuments();
  const asked: string[] = [];
  const pending: { resolve: (a: ResyncAnswer | null) => void; reject: (e: Error) => void }[] = [];
  const resynced: string[] = [];
  docs.resyncWith((uri) => {
    asked.push(uri);
    return new Promise((resolve, reject) => pending.push({ resolve, reject }));
  });
  docs.onResynced((uri) => resynced.push(uri));
  const settled = () => new Promise((r) => setImmediate(r));
  return {
    docs,
    asked,
    resynced,
    answer: async (i: number, a: ResyncAnswer | null) => {
      pending[i]!.resolve(a);
      await settled();
    },
    fail: async (i: number, e: Error) => {
      pending[i]!.reject(e);
      await settled();
    },
  };
}

function countingCharCodeAt(action: () => void): number {
  const charCodeAt = String.prototype.charCodeAt;
  let count = 0;
  String.prototype.charCodeAt = function (this: string, index: number) {
    count++;
    return charCodeAt.call(this, index);
  };
  try {
    action();
  } finally {
    String.prototype.charCodeAt = charCodeAt;
  }
  return count;
}

function span(startLine: number, startCharacter: number, endLine: number, endCharacter: number) {
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

/** Line and UTF-16 character of an offset the way an editor counts them: \r\n, \r and \n each end a line. */
function position(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text[i] === "\r" && text[i + 1] === "\n") i++;
    if (text[i] === "\r" || text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart };
}

/** A random offset an editor can name: not inside a \r\n or a surrogate pair. */
function boundary(text: string, random: () => number): number {
  for (;;) {
    const at = Math.floor(random() * (text.length + 1));
    const inCrlf = text[at - 1] === "\r" && text[at] === "\n";
    const inPair = /[\uD800-\uDBFF]/.test(text[at - 1] ?? "") && /[\uDC00-\uDFFF]/.test(text[at] ?? "");
    if (!inCrlf && !inPair) return at;
  }
}

const PIECES = ["a", "b", " ", "é", "😀", "𝔘", "\n", "\r\n", "\r", "\t", "}"];

function randomText(random: () => number, length: number): string {
  let text = "";
  for (let i = 0; i < Math.floor(length); i++) text += pick(random, PIECES);
  return text;
}

/** A file URI as VS Code writes it (vscode-uri): every path character but letters, digits, "-", ".", "_", "~" and "/" escaped. */
function vscodeUri(path: string): string {
  return `file://${path
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/")}`;
}
