// Files in the encodings a real repository holds, through every tool that reads or writes
// text: the bytes outside the edited region must come back exactly (BOM, encoding, line
// ends), and what read_file shows must be what edit_file matches.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { applyPatchTool } from "../../../src/tools/apply-patch.ts";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { maskSecrets } from "../../../src/tools/secret-values.ts";
import { searchTool } from "../../../src/tools/search.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { workspaceWith } from "./helpers/setup.ts";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe("UTF-8 with a BOM", () => {
  // Two BOMs (a file concatenated from BOM files): the decoder dropped the second as a BOM
  // of its own, and every edit wrote the file back one BOM short.
  it("keeps a second BOM, which is text, through edit_file, write_file and apply_patch", async () => {
    const file = Buffer.concat([BOM, BOM, Buffer.from("x = 1\ny = 2\n")]);
    const { root, ctx } = workspaceWith({ "a.py": file, "b.py": file, "c.py": file });
    const bytes = (name: string) => readFileSync(join(root, name));
    const expected = Buffer.concat([BOM, BOM, Buffer.from("x = 1\ny = 3\n")]);
    const e = await runTool(editFileTool, { path: "a.py", old_text: "y = 2", new_text: "y = 3" }, ctx);
    assert.equal(e.ok, true, e.text);
    assert.deepEqual(bytes("a.py"), expected);
    const read = await runTool(readFileTool, { path: "b.py" }, ctx);
    assert.equal(read.text, "1| \ufeffx = 1\n2| y = 2");
    const w = await runTool(writeFileTool, { path: "b.py", content: "\ufeffx = 1\ny = 3\n" }, ctx);
    assert.equal(w.ok, true, w.text);
    assert.deepEqual(bytes("b.py"), expected);
    const p = await runTool(applyPatchTool, { patch: "--- a/c.py\n+++ b/c.py\n@@ -1,2 +1,2 @@\n \ufeffx = 1\n-y = 2\n+y = 3\n" }, ctx);
    assert.equal(p.ok, true, p.text);
    assert.deepEqual(bytes("c.py"), expected);
  });
});

/** UTF-16 bytes of `text` with its BOM, little- or big-endian. */
function utf16(text: string, order: "le" | "be", bom = true): Buffer {
  const le = Buffer.from(text, "utf16le");
  const body = order === "le" ? le : Buffer.from(le).swap16();
  return bom ? Buffer.concat([Buffer.from(order === "le" ? [0xff, 0xfe] : [0xfe, 0xff]), body]) : body;
}

// Windows tools write UTF-16 with a BOM (.reg exports, PowerShell 5 redirections, .rc and
// some .sln/.vcxproj files): they were "binary files", neither readable nor editable.
describe("UTF-16 with a BOM", () => {
  for (const order of ["le", "be"] as const) {
    it(`UTF-16${order.toUpperCase()}: read_file shows the text, edit_file, write_file and apply_patch keep BOM, encoding and CRLF`, async () => {
      const text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Café]\r\n\"Name\"=\"old\"\r\n";
      const file = utf16(text, order);
      const { root, ctx } = workspaceWith({ "a.reg": file, "b.reg": file, "c.reg": file });
      const bytes = (name: string) => readFileSync(join(root, name));
      const expected = utf16(text.replace('"old"', '"new 😀"'), order);
      const read = await runTool(readFileTool, { path: "a.reg" }, ctx);
      assert.equal(read.ok, true, read.text);
      assert.match(read.text, /^3\| \[HKEY_CURRENT_USER\\Software\\Café\]\n4\| "Name"="old"$/m);
      const e = await runTool(editFileTool, { path: "a.reg", old_text: '"Name"="old"', new_text: '"Name"="new 😀"' }, ctx);
      assert.equal(e.ok, true, e.text);
      assert.deepEqual(bytes("a.reg"), expected);
      await runTool(readFileTool, { path: "b.reg" }, ctx);
      const w = await runTool(writeFileTool, { path: "b.reg", content: text.replace(/\r\n/g, "\n").replace('"old"', '"new 😀"') }, ctx);
      assert.equal(w.ok, true, w.text);
      assert.deepEqual(bytes("b.reg"), expected);
      const p = await runTool(applyPatchTool, { patch: '--- a/c.reg\n+++ b/c.reg\n@@ -3,2 +3,2 @@\n [HKEY_CURRENT_USER\\Software\\Café]\n-"Name"="old"\n+"Name"="new 😀"\n' }, ctx);
      assert.equal(p.ok, true, p.text);
      assert.deepEqual(bytes("c.reg"), expected);
    });
  }

  it("a BOM followed by bytes that are not UTF-16 (odd length, a lone surrogate) is binary, and nothing is written", async () => {
    const odd = Buffer.concat([utf16("x = 1\n", "le"), Buffer.from([0x41])]);
    const lone = Buffer.concat([utf16("x = 1\n", "le"), Buffer.from([0x00, 0xd8, 0x41, 0x00])]);
    const { root, ctx } = workspaceWith({ "odd.txt": odd, "lone.txt": lone });
    for (const [name, content] of [["odd.txt", odd], ["lone.txt", lone]] as const) {
      const e = await runTool(editFileTool, { path: name, old_text: "x = 1", new_text: "x = 2" }, ctx);
      assert.equal(!e.ok && e.code, "binary-file", e.text);
      assert.deepEqual(readFileSync(join(root, name)), content);
    }
  });

  // Without a BOM nothing says the file is UTF-16 (VS Code opens such a file as UTF-8, and
  // saving it would ruin it): refused, but as what it is, with what to do.
  it("UTF-16 without a BOM is refused by name, with how to convert it", async () => {
    const { ctx } = workspaceWith({ "notes.txt": utf16("hello\r\nworld\r\n", "le", false) });
    const r = await runTool(readFileTool, { path: "notes.txt" }, ctx);
    assert.equal(!r.ok && r.code, "unsupported-encoding", r.text);
    assert.match(r.text, /looks like UTF-16 text without a byte-order mark/);
    assert.match(r.text, /iconv/);
  });
});

// Classic Mac line ends (Excel's "CSV (Macintosh)", old Mac sources): read_file showed the
// whole file as one line, edit_file put LF line ends into it and write_file turned it LF.
describe("CR-only line ends", () => {
  it("read_file shows the lines; edit_file, write_file and apply_patch keep CR line ends", async () => {
    const file = "id,name\r1,alpha\r2,beta\r3,gamma\r";
    const expected = Buffer.from("id,name\r1,alpha\r2,BETA\r2b,new\r3,gamma\r");
    const { root, ctx } = workspaceWith({ "a.csv": file, "b.csv": file, "c.csv": file });
    const bytes = (name: string) => readFileSync(join(root, name));
    const read = await runTool(readFileTool, { path: "a.csv" }, ctx);
    assert.equal(read.text, "1| id,name\n2| 1,alpha\n3| 2,beta\n4| 3,gamma");
    const e = await runTool(editFileTool, { path: "a.csv", old_text: "1,alpha\n2,beta\n", new_text: "1,alpha\n2,BETA\n2b,new\n" }, ctx);
    assert.equal(e.ok, true, e.text);
    assert.deepEqual(bytes("a.csv"), expected);
    const one = await runTool(editFileTool, { path: "a.csv", old_text: "2b,new", new_text: "2b,new\n2c,more" }, ctx);
    assert.equal(one.ok, true, one.text);
    assert.deepEqual(bytes("a.csv"), Buffer.from("id,name\r1,alpha\r2,BETA\r2b,new\r2c,more\r3,gamma\r"));
    await runTool(readFileTool, { path: "b.csv" }, ctx);
    const w = await runTool(writeFileTool, { path: "b.csv", content: "id,name\n1,alpha\n2,BETA\n2b,new\n3,gamma\n" }, ctx);
    assert.equal(w.ok, true, w.text);
    assert.deepEqual(bytes("b.csv"), expected);
    const p = await runTool(applyPatchTool, { patch: "--- a/c.csv\n+++ b/c.csv\n@@ -2,3 +2,4 @@\n 1,alpha\n-2,beta\n+2,BETA\n+2b,new\n 3,gamma\n" }, ctx);
    assert.equal(p.ok, true, p.text);
    assert.deepEqual(bytes("c.csv"), expected);
  });

  // search split lines at LF only: the whole file was its line 1, where read_file and the
  // editor say line 3 — the model then read or edited the wrong line.
  it("search numbers and shows the lines as read_file does", async () => {
    const { ctx } = workspaceWith({ "a.csv": "id,name\r1,alpha\r2,beta\r3,gamma\r" });
    const found = await runTool(searchTool, { pattern: "beta" }, ctx);
    assert.equal(found.text, "a.csv:3: 2,beta");
  });

  it("a stray CR in an LF file stays part of its line", async () => {
    const { root, ctx } = workspaceWith({ "t.py": 's = "a\rb"\nx = 1\n' });
    const read = await runTool(readFileTool, { path: "t.py" }, ctx);
    assert.equal(read.text, '1| s = "a\rb"\n2| x = 1');
    const e = await runTool(editFileTool, { path: "t.py", old_text: "x = 1", new_text: "x = 1\ny = 2" }, ctx);
    assert.equal(e.ok, true, e.text);
    assert.equal(readFileSync(join(root, "t.py"), "latin1"), 's = "a\rb"\nx = 1\ny = 2\n');
  });
});

// é as e + U+0301 (files from macOS file names, some editors): read_file shows "café", the
// model writes "café" with U+00E9, and edit_file found no match — its "did you mean" showed
// the same-looking line, so the model could not correct itself.
describe("Unicode normalization (NFC vs NFD)", () => {
  const nfd = "cafe\u0301";
  const nfc = "caf\u00e9";

  // search matched the bytes: "café" as the model writes it (U+00E9) found nothing in a file
  // read_file shows "café" in (e + U+0301), and edit_file would have taken that very text.
  it("search finds text that differs from its pattern only in normalization, and shows the line as the file has it", async () => {
    const { ctx } = workspaceWith({ "a.py": `name = "${nfd}"\n`, "b.py": `name = "${nfc}"\n` });
    for (const pattern of [nfc, nfd]) {
      const found = await runTool(searchTool, { pattern }, ctx);
      assert.equal(found.text, `a.py:1: name = "${nfd}"\nb.py:1: name = "${nfc}"`, JSON.stringify(pattern));
    }
  });

  // Composing the pattern made [e\u0301] (an e or an acute accent) the class [é], and e\u0301? (an
  // e and maybe an accent) an optional é: such a pattern speaks of code points, and is matched so.
  it("a pattern with a raw combining mark in a class or under a quantifier keeps its meaning", async () => {
    const { ctx } = workspaceWith({ "a.py": "hello\n", "b.py": `name = "${nfd}"\n`, "c.py": "caffeine = 1\n" });
    assert.equal((await runTool(searchTool, { pattern: "cafe\u0301?" }, ctx)).text, `b.py:1: name = "${nfd}"`, "not caffeine");
    assert.equal((await runTool(searchTool, { pattern: "h[e\u0301]l" }, ctx)).text, "a.py:1: hello");
    assert.equal((await runTool(searchTool, { pattern: "[\u0301]" }, ctx)).text, `b.py:1: name = "${nfd}"`);
  });

  // A pattern naming a combining mark by its escape (\u0301, [\u0300-\u036f]: the way to find
  // decomposed text) was matched against the composed lines, where no such mark is left: it
  // found nothing in a file full of them.
  it("a pattern naming a combining mark by its escape finds the mark where the file has it", async () => {
    const { ctx } = workspaceWith({ "b.py": `name = "${nfd}"\n`, "c.py": "name = 'caf\u00e9'\n" });
    for (const pattern of ["\\u0301", "e\\u0301", "[\\u0300-\\u036f]"]) {
      assert.equal((await runTool(searchTool, { pattern }, ctx)).text, `b.py:1: name = "${nfd}"`, pattern);
    }
    assert.equal((await runTool(searchTool, { pattern: "caf\\u00e9" }, ctx)).text.split("\n").length, 2, "an escape of a letter still finds both forms");
  });

  // The match's place was taken in the composed line and applied to the line as the file has it:
  // in a long line of decomposed letters the part shown was far before the match.
  it("search shows a long decomposed line around its match", async () => {
    const { ctx } = workspaceWith({ "v.txt": `${"e\u0301".repeat(400)}needle${"o\u0308".repeat(400)}\n` });
    const found = await runTool(searchTool, { pattern: "needle" }, ctx);
    assert.match(found.text, /needle/, found.text);
  });

  it("edit_file and apply_patch match text that differs from the file only in normalization, and keep the other lines as they were", async () => {
    const file = `# ${nfd} menu\nprice = {"${nfd}": 3}\nname = "${nfd}"\n`;
    const { root, ctx } = workspaceWith({ "a.py": file, "b.py": file });
    const e = await runTool(editFileTool, { path: "a.py", old_text: `price = {"${nfc}": 3}`, new_text: `price = {"${nfc}": 4}` }, ctx);
    assert.equal(e.ok, true, e.text);
    assert.equal(readFileSync(join(root, "a.py"), "utf8"), `# ${nfd} menu\nprice = {"${nfc}": 4}\nname = "${nfd}"\n`);
    const p = await runTool(applyPatchTool, { patch: `--- a/b.py\n+++ b/b.py\n@@ -1,3 +1,3 @@\n # ${nfc} menu\n-price = {"${nfc}": 3}\n+price = {"${nfc}": 4}\n name = "${nfc}"\n` }, ctx);
    assert.equal(p.ok, true, p.text);
    assert.equal(readFileSync(join(root, "b.py"), "utf8"), `# ${nfd} menu\nprice = {"${nfc}": 4}\nname = "${nfd}"\n`);
  });
});

// A match that ends inside a character: a model reads "café" (é as e + U+0301), writes
// old_text "cafe", and the exact search found it in "cafe" + U+0301, so "tea" took the
// accent ("teá"), a word no one wrote; "👨" in "👨‍👩‍👧" replaced one person of the family.
describe("a match that would cut a character in two", () => {
  it("edit_file refuses old_text that ends before a combining mark or inside an emoji sequence, names what follows, and writes nothing", async () => {
    const files = { "menu.txt": "cafe\u0301 au lait\n", "fam.txt": "family \u{1F468}\u200d\u{1F469}\u200d\u{1F467} here\n", "tone.txt": "wave \u{1F44B}\u{1F3FD}\n" };
    const { root, ctx } = workspaceWith(files);
    const tries = [
      ["menu.txt", "cafe", "tea", /U\+0301/],
      ["fam.txt", "family \u{1F468}", "family \u{1F469}", /U\+200D/],
      ["fam.txt", "\u{1F467} here", "\u{1F466} here", /U\+200D/],
      ["tone.txt", "wave \u{1F44B}", "wave \u{1F590}", /U\+1F3FD/],
    ] as const;
    for (const [path, old_text, new_text, named] of tries) {
      const e = await runTool(editFileTool, { path, old_text, new_text }, ctx);
      assert.equal(!e.ok && e.code, "no-match", e.text);
      assert.match(e.text, /inside a character/);
      assert.match(e.text, named);
      assert.equal(readFileSync(join(root, path), "utf8"), files[path]);
    }
  });

  it("edit_file takes the occurrence that is a whole character, and a match through the whole character", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "cafe\u0301 or cafe\n", "b.txt": "cafe\u0301 au lait\n" });
    const e = await runTool(editFileTool, { path: "a.txt", old_text: "cafe", new_text: "tea" }, ctx);
    assert.equal(e.ok, true, e.text);
    assert.equal(readFileSync(join(root, "a.txt"), "utf8"), "cafe\u0301 or tea\n");
    const whole = await runTool(editFileTool, { path: "b.txt", old_text: "cafe\u0301", new_text: "tea" }, ctx);
    assert.equal(whole.ok, true, whole.text);
    assert.equal(readFileSync(join(root, "b.txt"), "utf8"), "tea au lait\n");
  });
});

// A minified line too long to show whole: read_file shows its start and says how to read on
// with cut. GNU cut -c counts bytes, and the note counted UTF-16 units, so on a line of CJK
// text or emoji the command it gave showed a part already read, cut inside characters.
describe("a line too long to show, of text that is not ASCII", () => {
  const readOn = (text: string) => /cut -([bc]) (\d+)-(\d+)/.exec(text);

  it("read_file's way to read on counts bytes, from the first character not shown (after a BOM too)", async () => {
    const line = "const s = '" + "中文".repeat(40_000) + "';";
    const { root, ctx } = workspaceWith({ "bundle.min.js": `${line}\n`, "bom.min.js": Buffer.concat([BOM, Buffer.from(`${line}\n`)]) });
    for (const path of ["bundle.min.js", "bom.min.js"]) {
      const read = await runTool(readFileTool, { path }, ctx);
      const shown = /^1\| (.*)$/m.exec(read.text)![1]!;
      const [, flag, from, to] = readOn(read.text)!;
      assert.equal(flag, "b", read.text);
      // What sed -n '1p' FILE | cut -b FROM-TO prints.
      const next = readFileSync(join(root, path)).subarray(Number(from) - 1, Number(to)).toString("utf8");
      assert.ok(next.length > 0 && line.startsWith(shown + next), `${path}: the part the command shows follows the part read_file showed, whole characters`);
      assert.ok(!next.includes("\ufffd"));
    }
  });

  // search showed a long line's first 240 characters, so a match past them (the one thing
  // asked for, in a minified bundle) was not in its answer.
  it("search shows a long line around its match, not only the line's start", async () => {
    const { ctx } = workspaceWith({ "m.js": `${"中".repeat(3000)}needle();${"文".repeat(3000)}\n` });
    const found = await runTool(searchTool, { pattern: "needle" }, ctx);
    assert.match(found.text, /^m\.js:1: …中+needle\(\);文+…$/, found.text);
    assert.ok(found.text.length < 400, found.text);
  });

  // read_file numbers a classic-Mac file's lines at its CRs; sed numbers them at line feeds,
  // of which such a file has none: sed -n '2p' printed nothing, and the model read nothing on.
  it("the way to read on in a file whose lines end in a lone CR shows the next part of that line", async () => {
    const long = "y".repeat(60_000) + "z".repeat(60_000);
    const { root, ctx } = workspaceWith({ "mac.csv": `a,b\r${long}\rc,d\r` });
    const read = await runTool(readFileTool, { path: "mac.csv", start_line: 2 }, ctx);
    const command = /read on with run_command: (.*?)\. edit_file/.exec(read.text)?.[1];
    assert.ok(command, read.text);
    const shown = /^2\| (.*)$/m.exec(read.text)![1]!;
    assert.ok(root && root.length > 1, "a workspace folder to run the command in");
    const next = execFileSync("bash", ["-c", command], { cwd: root, encoding: "utf8" }).replace(/\n$/, "");
    assert.ok(next.length > 0 && long.startsWith(shown + next), `${command} printed ${JSON.stringify(next.slice(0, 40))}`);
  });

  // read_file masks a secret before it cuts, and the command's offsets were counted in the
  // masked text: with tokens masked earlier in the line (each mask shorter than its token)
  // the command began before the part not shown, inside a token the mask had hidden, and
  // printed that token's tail, which run_command's masking does not know for one.
  it("the way to read on counts in the file's line, not the line with its secrets masked", async () => {
    const token = (i: number) => `ghp_${String(i).padStart(4, "0")}aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z`;
    const early = Array.from({ length: 100 }, (_, i) => token(i)).join(", ");
    const hidden = token(9999);
    // Each mask is 13 characters shorter than its token: the masked line's first 47,996
    // characters (what read_file shows) end 1,313 characters later in the file's line, and
    // the file's character 47,997 is inside `hidden`.
    const line = `${early}, ${"a".repeat(47_973 - early.length)} ${hidden} ${Array.from({ length: 15_000 }, (_, i) => i).join(",")}`;
    const { root, ctx } = workspaceWith({ "keys.min.js": `${line}\n` });
    const read = await runTool(readFileTool, { path: "keys.min.js" }, ctx);
    const shown = /^1\| (.*)$/m.exec(read.text)![1]!;
    assert.ok(!read.text.includes("aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z"), "read_file masks the tokens");
    const command = /read on with run_command: (.*?)\. edit_file/.exec(read.text)?.[1];
    assert.ok(command, read.text);
    assert.ok(root && root.length > 1, "a workspace folder to run the command in");
    const next = execFileSync("bash", ["-c", command], { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 }).replace(/\n$/, "");
    const at = line.indexOf(next);
    assert.ok(next.length > 0 && at > 0, command);
    assert.equal(maskSecrets(line.slice(0, at)).text, shown, `${command} starts where the part shown ends`);
    assert.ok(!next.includes(hidden.slice(-20)) || next.includes(hidden), "no token is printed in part");
  });

  // A cut inside a URL's scheme and user, its password masked after it: the command began at
  // the cut, and printed 'res://app:PASSWORD@host', no URL to run_command's masking.
  it("the way to read on prints a secret the cut falls inside whole, where run_command masks it", async () => {
    const url = "postgres://app:s3cretPassw0rd@db.internal/x";
    const { root, ctx } = workspaceWith({ "k.json": `${"x".repeat(47_990)} ${url} ${"y".repeat(60_000)}\n` });
    const read = await runTool(readFileTool, { path: "k.json" }, ctx);
    assert.match(read.text, /^1\| x+ postg$/m);
    const command = /read on with run_command: (.*?)\. edit_file/.exec(read.text)?.[1];
    assert.ok(command && root && root.length > 1, read.text);
    const next = execFileSync("bash", ["-c", command], { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 });
    assert.ok(next.startsWith(`${url} y`), `${command} printed ${JSON.stringify(next.slice(0, 50))}`);
  });

  it("an ASCII line keeps cut -c; a UTF-16 file gets no cut command, which would read its bytes", async () => {
    const ascii = "x".repeat(120_000);
    const { ctx } = workspaceWith({ "a.js": `${ascii}\n`, "w.txt": utf16(`${"中".repeat(60_000)}\r\n`, "le") });
    assert.equal(readOn((await runTool(readFileTool, { path: "a.js" }, ctx)).text)?.[1], "c");
    const wide = await runTool(readFileTool, { path: "w.txt" }, ctx);
    assert.equal(wide.ok, true, wide.text);
    assert.equal(readOn(wide.text), null, wide.text);
  });
});

describe("latin1 (not UTF-8) files", () => {
  // A file that is not UTF-8 was read a byte per character as Latin-1: a Windows-1252 file's
  // ” (0x94) showed as U+0094, a C1 control, so the model saw and quoted invisible characters.
  it("a Windows-1252 file's 0x80–0x9F bytes read as its characters (” for 0x94), and edits write the same bytes back", async () => {
    const file = Buffer.from("say = \x93caf\xe9\x94 \x80 \x85\nx = 1\nodd = '\x81\x8d\x8f\x90\x9d'\n", "latin1");
    const { root, ctx } = workspaceWith({ "w.py": file, "v.py": file, "u.py": file });
    const bytes = (name: string) => readFileSync(join(root, name));
    const read = await runTool(readFileTool, { path: "w.py" }, ctx);
    assert.equal(read.text.split("\n")[0], "1| say = \u201ccaf\u00e9\u201d \u20ac \u2026", read.text);
    const expected = Buffer.from(file.toString("latin1").replace("x = 1", "x = \x93\x80 \x96\x94"), "latin1");
    const e = await runTool(editFileTool, { path: "w.py", old_text: "x = 1", new_text: "x = \u201c\u20ac \u2013\u201d" }, ctx);
    assert.equal(e.ok, true, e.text);
    assert.deepEqual(bytes("w.py"), expected);
    const quoted = await runTool(editFileTool, { path: "v.py", old_text: "say = \u201ccaf\u00e9\u201d", new_text: "say = \u201cthe caf\u00e9\u201d" }, ctx);
    assert.equal(quoted.ok, true, quoted.text);
    assert.deepEqual(bytes("v.py"), Buffer.from(file.toString("latin1").replace("say = \x93caf", "say = \x93the caf"), "latin1"));
    const p = await runTool(applyPatchTool, { patch: "--- a/u.py\n+++ b/u.py\n@@ -1,2 +1,2 @@\n say = \u201ccaf\u00e9\u201d \u20ac \u2026\n-x = 1\n+x = \u201c\u20ac \u2013\u201d\n" }, ctx);
    assert.equal(p.ok, true, p.text);
    assert.deepEqual(bytes("u.py"), expected);
  });


  // A UTF-8 file with one stray byte (a Latin-1 line pasted in, a cut-off character) was
  // read as Latin-1 all through: the model saw 'cafÃ©' with nothing said, and a new 'ï' was
  // written as one Latin-1 byte into the UTF-8 file — a second broken character in the editor.
  it("a UTF-8 file with a stray byte: read_file says so, and a new character it would write broken is refused, nothing written", async () => {
    const file = Buffer.concat([Buffer.from("name = 'café'\nx = 1\ny = '"), Buffer.from([0xff]), Buffer.from("'\n")]);
    const { root, ctx } = workspaceWith({ "m.py": file });
    const read = await runTool(readFileTool, { path: "m.py" }, ctx);
    assert.match(read.text, /is not valid UTF-8 \(1 byte is not, line 3\) yet holds UTF-8 characters \('é' in UTF-8, 'Ã©' in Windows-1252 \(line 1\)\).*'Ã©' is 'é'/, read.text);
    for (const new_text of ["x = 'naïve'", "x = '3 €'"]) {
      const e = await runTool(editFileTool, { path: "m.py", old_text: "x = 1", new_text }, ctx);
      assert.equal(!e.ok && e.code, "unsupported-encoding", e.text);
      assert.match(e.text, /is not valid UTF-8 \(1 byte is not, line 3\)/);
      assert.deepEqual(readFileSync(join(root, "m.py")), file);
    }
    const ascii = await runTool(editFileTool, { path: "m.py", old_text: "x = 1", new_text: "x = 2" }, ctx);
    assert.equal(ascii.ok, true, ascii.text);
    assert.deepEqual(readFileSync(join(root, "m.py")), Buffer.from(file.toString("latin1").replace("x = 1", "x = 2"), "latin1"));
  });

  // The check counted the stray bytes only: an edit that took the stray byte out and wrote a
  // new Latin-1 'è' elsewhere kept the count at 1, and wrote one new broken character, 'Edited'.
  it("a UTF-8 file with a stray byte: a new broken character is refused though the edit takes the stray one out", async () => {
    const file = Buffer.concat([Buffer.from("name = 'café'\ny = '"), Buffer.from([0xff]), Buffer.from("'\n")]);
    const { root, ctx } = workspaceWith({ "m.py": file });
    const e = await runTool(editFileTool, { path: "m.py", old_text: "y = '\u00ff'", new_text: "y = 'cr\u00e8me'" }, ctx);
    assert.equal(!e.ok && e.code, "unsupported-encoding", e.text);
    assert.deepEqual(readFileSync(join(root, "m.py")), file);
    const kept = await runTool(editFileTool, { path: "m.py", old_text: "y = '\u00ff'", new_text: "y = '\u00ff' # as it was" }, ctx);
    assert.equal(kept.ok, true, kept.text);
  });

  // A Windows-1252 file can hold bytes that pair as UTF-8 by chance ('CAFÉ”' is C9 94, UTF-8's
  // 'ɔ'): taken for a UTF-8 file with a stray byte, it was told of as one ('Ã©' is 'é', the
  // stray bytes to be repaired), and its new 'é' was refused saying it would be a broken
  // character — in a file where one byte is just how 'é' is written.
  it("a file that reads as UTF-8 with a stray byte or as Windows-1252 is told of as both", async () => {
    const file = Buffer.from("title = 'CAF\xc9\x94'\nx = 1\nname = 'na\xefve'\n", "latin1");
    const { root, ctx } = workspaceWith({ "w.py": file });
    const read = await runTool(readFileTool, { path: "w.py" }, ctx);
    assert.match(read.text, /'ɔ' in UTF-8, 'É”' in Windows-1252 \(line 1\)/, read.text);
    assert.match(read.text, /or a Windows-1252 \(Latin-1\) file/, read.text);
    const e = await runTool(editFileTool, { path: "w.py", old_text: "x = 1", new_text: "x = 'caf\u00e9'" }, ctx);
    assert.equal(!e.ok && e.code, "unsupported-encoding", e.text);
    assert.match(e.text, /'ɔ' in UTF-8, 'É”' in Windows-1252 \(line 1\).*or a Windows-1252 \(Latin-1\) file.*Nothing was written/s, e.text);
    assert.deepEqual(readFileSync(join(root, "w.py")), file);
  });

  it("a new character the file cannot hold is refused naming it and what to do, and nothing is written", async () => {
    const file = Buffer.from("price = 'caf\xe9'\n", "latin1");
    const { root, ctx } = workspaceWith({ "p.py": file });
    const e = await runTool(editFileTool, { path: "p.py", old_text: "price = 'caf\u00e9'", new_text: "price = '3 \u2192 4'" }, ctx);
    assert.equal(!e.ok && e.code, "unsupported-encoding", e.text);
    assert.match(e.text, /"→" \(U\+2192\)/);
    // U+0094, a C1 control, would be written as 0x94, which reads back as ”.
    const control = await runTool(editFileTool, { path: "p.py", old_text: "price = 'caf\u00e9'", new_text: "price = '\u0094'" }, ctx);
    assert.equal(!control.ok && control.code, "unsupported-encoding", control.text);
    assert.match(control.text, /\(U\+0094\)/);
    assert.match(e.text, /escape.*convert the file to UTF-8/s);
    assert.deepEqual(readFileSync(join(root, "p.py")), file);
  });
});
