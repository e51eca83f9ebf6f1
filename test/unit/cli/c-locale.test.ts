// In a C or POSIX locale (LANG=C, LC_ALL=C: many servers, containers, CI runners, a POSIX
// console) the terminal shows UTF-8's bytes as garbage: ✓ is "â\x9c\x93". Hearth's own marks
// and punctuation print as ASCII there; a UTF-8 locale keeps them.
import assert from "node:assert/strict";
import { cpSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { asciiTerminal } from "../../../src/cli/locale.ts";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const NON_ASCII = /[^\x00-\x7f]/;

describe("the locale's character set", () => {
  it("is ASCII in the C and POSIX locales and in one that names another character set; the first of LC_ALL, LC_CTYPE, LANG that is set decides", () => {
    const cases: Array<[NodeJS.ProcessEnv, boolean]> = [
      [{ LC_ALL: "C" }, true],
      [{ LANG: "POSIX" }, true],
      [{ LANG: "en_US.UTF-8", LC_CTYPE: "C" }, true],
      [{ LC_ALL: "", LC_CTYPE: "", LANG: "C" }, true],
      [{ LANG: "de_DE.ISO-8859-1" }, true],
      [{ LC_ALL: "en_US.UTF-8", LANG: "C" }, false],
      [{ LANG: "C.UTF-8" }, false],
      [{ LANG: "en_US.utf8" }, false],
      [{}, false], // no locale at all: most often a container whose terminal is the host's UTF-8 one
    ];
    for (const [env, ascii] of cases) assert.equal(asciiTerminal(env), ascii, JSON.stringify(env));
  });

  // macOS's Terminal sets LC_CTYPE=UTF-8 (a character set with no language) where the user's
  // language and region make no locale of their own, and ssh carries it to Linux servers.
  it("is UTF-8 for a locale that is only the character set, as macOS's Terminal sets LC_CTYPE", () => {
    for (const env of [{ LC_CTYPE: "UTF-8" }, { LC_CTYPE: "UTF-8", LANG: "C" }, { LC_ALL: "utf8" }]) assert.equal(asciiTerminal(env), false, JSON.stringify(env));
  });
});

describe("hearth in a C locale", () => {
  const saved = { LC_ALL: process.env.LC_ALL, LC_CTYPE: process.env.LC_CTYPE, LANG: process.env.LANG, XDG_STATE_HOME: process.env.XDG_STATE_HOME };
  beforeEach(() => {
    process.env.LC_ALL = "C";
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("hearth --help is ASCII", async () => {
    const io = captureIo(tempDir("hearth-c-locale-"));
    assert.equal(await main(["--help"], io), 0);
    assert.doesNotMatch(io.stdout, NON_ASCII);
    assert.match(io.stdout, /^hearth \S+ -- agentic coding with a local model$/m);
  });

  it("hearth fix marks each tool call ok or FAILED in ASCII, and all it says on stderr is ASCII", async () => {
    const work = tempDir("hearth-c-locale-");
    process.env.XDG_STATE_HOME = join(work, "xdg");
    const repo = join(work, "repo");
    cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
    const turns = [
      { toolCalls: [{ name: "read_file", arguments: { path: "missing.py" } }] },
      { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "    return a - b", new_text: "    return a + b" } }] },
      { toolCalls: [{ name: "finish", arguments: { summary: "fixed" } }] },
    ];
    writeFileSync(join(work, "model.json"), JSON.stringify({ name: "scripted", turns }));
    const io = captureIo(work);
    const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", join(work, "model.json"), "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")], io);
    assert.equal(code, 0, io.stderr);
    assert.match(io.stderr, /^ {2}FAILED read_file missing\.py \(\d+ ms\)$/m);
    assert.match(io.stderr, /^ {2}ok edit_file calc\.py \(\d+ ms\)$/m);
    assert.doesNotMatch(io.stderr, NON_ASCII);
  });
});
