import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, constants, cpSync, mkdirSync, openSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { IgnoreRules, globTest, isIgnored } from "../../../src/indexer/ignore.ts";
import { rewrite } from "../../../src/indexer/enclosing-ignores.ts";
import { isPathExcluded, scanRepository } from "../../../src/indexer/scan.ts";
import { DEFAULT_LIMITS, buildRepoMap, stoppedMessage } from "../../../src/indexer/index.ts";
import { FIXTURES, indexOf, tempDir } from "./helpers/setup.ts";

describe("gitignore rules", () => {
  const rules = IgnoreRules.parse("", ["# comment", "*.log", "!keep.log", "/build", "docs/**/*.tmp", "cache/", "a?c", "[xy].txt", "\\#hash"].join("\n"));
  const cases: [string, boolean, boolean][] = [
    ["debug.log", false, true],
    ["deep/dir/debug.log", false, true],
    ["keep.log", false, false],
    ["build", true, true],
    ["src/build", true, false],
    ["docs/a/b/c.tmp", false, true],
    ["docs/c.tmp", false, true],
    ["cache", true, true],
    ["cache", false, false],
    ["abc", false, true],
    ["x.txt", false, true],
    ["z.txt", false, false],
    ["#hash", false, true],
  ];
  for (const [path, isDir, expected] of cases) {
    it(`${path}${isDir ? "/" : ""} → ${expected ? "ignored" : "kept"}`, () => {
      assert.equal(isIgnored([rules], path, isDir), expected);
    });
  }

  it("applies a nested .gitignore relative to its folder, after the root's", () => {
    const root = IgnoreRules.parse("", "*.gen.ts\n");
    const nested = IgnoreRules.parse("pkg", "!keep.gen.ts\n/local.ts\n");
    assert.equal(isIgnored([root, nested], "pkg/keep.gen.ts", false), false);
    assert.equal(isIgnored([root, nested], "pkg/other.gen.ts", false), true);
    assert.equal(isIgnored([root, nested], "pkg/local.ts", false), true);
    assert.equal(isIgnored([root, nested], "pkg/sub/local.ts", false), false);
  });

  // Hostile size: trailing spaces were dropped with /(?<!\\) +$/, which from each space of a run scanned to its end
  // (quadratic): a line of 1 MB of spaces then a letter held the index some 10 minutes. Here and in enclosing-ignores.ts.
  it("reads a line of 400,000 spaces and a letter at once, and drops trailing spaces but an escaped one, as before", () => {
    const long = `${" ".repeat(400_000)}x`;
    const rules = IgnoreRules.parse("", `${long}\nsecret.ts   \nkeep\\ \n`);
    assert.equal(isIgnored([rules], "secret.ts", false), true);
    assert.equal(isIgnored([rules], "keep ", false), true);
    assert.equal(isIgnored([rules], "keep", false), false);
    assert.equal(isIgnored([rules], long, false), true);
    assert.deepEqual(rewrite(`${long}\nsecret.ts   \n`, ["app"]), [long, "secret.ts"]);
  });

  it("leaves out a line that is no valid pattern (a range out of order), not the whole file", () => {
    const rules = IgnoreRules.parse("", "secret.ts\n[z-a].ts\n*.log\n");
    assert.equal(isIgnored([rules], "secret.ts", false), true);
    assert.equal(isIgnored([rules], "x/debug.log", false), true);
    assert.equal(isIgnored([rules], "m.ts", false), false);
  });

  it("matches patterns of many stars as git does", () => {
    const rules = IgnoreRules.parse("", ["a*b*c", "docs/**/gen/**/*.tmp*", "**/x*y*/", "*[0-9]*[0-9]*.bak"].join("\n"));
    const cases: [string, boolean, boolean][] = [
      ["aXbYc", false, true], ["deep/aXXbc", false, true], ["abcd", false, false], ["a/b/c", false, false],
      ["docs/gen/f.tmp", false, true], ["docs/a/b/gen/c/f.tmp1", false, true], ["docs/gen/f.tm", false, false], ["docsgen/f.tmp", false, false],
      ["p/xay", true, true], ["p/xay", false, false], ["x/y", true, false],
      ["v1.2.bak", false, true], ["d/v1.bak", false, false],
    ];
    for (const [path, isDir, expected] of cases) assert.equal(isIgnored([rules], path, isDir), expected, path);
  });

  // As `git check-ignore` answers: a class never matches the slash, in a path pattern too, and
  // `**` next to anything but a slash (or the pattern's ends) is a plain `*`.
  // Crafted many-star lines, each holding the plain text of `src/x.ts` (`**/*s*r*c*/**/*.*t*s*[!a]`,
  // 8,000 of them, each with its own class): every path still ran all 8,000, 70 ms a path.
  // Past their share of work the wildcard lines are given up, and the scan says so; plain
  // names and endings still apply.
  // The work is counted (IgnoreRules.steps), not timed: the 3,000 paths took 450 M steps
  // without giving up, some 20 M with it (most before it gives up).
  it("gives up a file's wildcard lines once they cost too much, and says so", async () => {
    const lines = ["secret.txt", "*.log"];
    for (let i = 0; i < 8000; i++) lines.push(`**/*s*r*c*/**/*.*t*s*[!${String.fromCharCode(0x4e00 + i)}]`);
    const rules = IgnoreRules.parse("", lines.join("\n"));
    let kept = 0;
    for (let i = 0; i < 3000; i++) {
      if (!isIgnored([rules], `src/x${i}.ts`, false)) kept++;
      assert.ok(rules.steps <= 20_000_000, `${rules.steps} steps by path ${i}`);
    }
    assert.equal(kept, 3000);
    assert.deepEqual(["src/secret.txt", "src/a.log", "src/x.tsz"].map((p) => isIgnored([rules], p, false)), [true, true, false]);
    assert.notEqual(rules.gaveUpAt, undefined);
    assert.equal(rules.wildcardLines, 8000);
    const { dir, cleanup } = tempDir();
    try {
      const lines = [];
      for (let i = 0; i < 8000; i++) lines.push(`**/*s*r*c*/**/*.*t*s*[!${String.fromCharCode(0x4e00 + i)}]`);
      writeFileSync(join(dir, ".gitignore"), lines.join("\n"));
      mkdirSync(join(dir, "src"));
      for (let i = 0; i < 100; i++) writeFileSync(join(dir, "src", `x${i}.ts`), "");
      const scan = await scanRepository(dir, { excludeDirs: [".git"], useGitignore: true, maxFileBytes: 1 << 20 });
      assert.equal(scan.files.filter((f) => f.path.startsWith("src/")).length, 100);
      assert.match(scan.skipped.find((s) => s.path === ".gitignore")?.detail ?? "", /^its 8,000 wildcard lines cost too much to check: not applied from src\/x\d+\.ts on/);
    } finally {
      cleanup();
    }
  });

  it("matches a class and a ** inside a name as git does, never across a slash", () => {
    const rules = IgnoreRules.parse("", ["d/a*[!x]*y", "foo**bar", "q/**z", "[!.]tmp"].join("\n"));
    const cases: [string, boolean][] = [
      ["d/azzy", true], ["d/ab/cy", false], ["foobazbar", true], ["foo/x/bar", false], ["q/az", true], ["q/a/z", false], ["q/z", true],
      ["xtmp", true], ["a/tmp", false],
    ];
    for (const [path, expected] of cases) assert.equal(isIgnored([rules], path, false), expected, path);
  });

  // As `git check-ignore` answers: a `]` first in a class is itself, POSIX classes are classes,
  // `\` escapes in a class, and a class never closed (or naming no POSIX class) matches nothing.
  it("reads a class as git does: a leading ], [:digit:], escapes; an unclosed one matches nothing", () => {
    const rules = IgnoreRules.parse("", ["[!]a]x", "[]a]y", "*.[[:digit:]]", "q[\\]]z", "r[a-]s", "[ab", "[[:bogus:]]w"].join("\n"));
    const cases: [string, boolean][] = [
      ["bx", true], ["]x", false], ["ax", false], ["]y", true], ["ay", true], ["by", false],
      ["a.1", true], ["a.d", false], ["a.d]", false], ["q]z", true], ["q\\z", false], ["r-s", true], ["ras", true], ["rbs", false],
      ["[ab", false], ["xw", false],
    ];
    for (const [path, expected] of cases) assert.equal(isIgnored([rules], path, false), expected, path);
  });

  it("matches a character beyond U+FFFF (an emoji) written in a wildcard line, as git does", () => {
    // Answers of git check-ignore: each of these lines ignores its file.
    const rules = IgnoreRules.parse("", ["\u{1F511}*.ts", "*\u{1F512}*.md", "d/**/\u{1F5DD}.js", "q\\\u{1F511}?"].join("\n"));
    for (const path of ["\u{1F511}x.ts", "a\u{1F512}b.md", "d/e/\u{1F5DD}.js", "d/\u{1F5DD}.js", "q\u{1F511}z"]) assert.equal(isIgnored([rules], path, false), true, path);
    for (const path of ["x.ts", "a.md", "d/e/x.js"]) assert.equal(isIgnored([rules], path, false), false, path);
    assert.equal(globTest("*.\u{1F511}", false)("a/b.\u{1F511}"), true);
  });

  it("reads ? and a class as git does on a name beyond ASCII: one byte of its UTF-8", () => {
    // Answers of git check-ignore: ? is one byte, so ?? is an é and ???? an emoji.
    const rules = IgnoreRules.parse("", ["????.ts", "??.md", "[!a].js", "*\u00e9*.txt", "d/?/x.ts", "c?.css", "[\u00e9]x", "[\u03b1-\u03c9].py"].join("\n"));
    const cases: [string, boolean][] = [
      ["\u{1F600}.ts", true], ["\u00e9.md", true], ["\u{1F600}.js", false], ["a\u00e9b.txt", true], ["d/\u00e9/x.ts", false],
      ["c\u00e9.css", false], ["\u00e9x", false], ["\u03b2.py", false], ["b.js", true], ["d/e/x.ts", true],
    ];
    for (const [path, expected] of cases) assert.equal(isIgnored([rules], path, false), expected, path);
  });

  it("trims only a line's trailing spaces, as git does: a tab or a no-break space at its end is part of the name", () => {
    // Answers of git check-ignore.
    const rules = IgnoreRules.parse("", ["a.ts\t", "e.ts \t ", "f\u00a0", "g.ts  ", "h\\  ", "i.ts\r"].join("\n"));
    const cases: [string, boolean][] = [
      ["a.ts", false], ["a.ts\t", true], ["e.ts", false], ["e.ts \t", true], ["f", false], ["f\u00a0", true], ["g.ts", true], ["h ", true], ["h", false],
      ["i.ts", true], // a CR ending the last line, as a CRLF file without its last LF
    ];
    for (const [path, expected] of cases) assert.equal(isIgnored([rules], path, false), expected, JSON.stringify(path));
  });

  it("a line ending in a lone backslash matches nothing, as git; an escaped one is a backslash", () => {
    // Answers of git check-ignore.
    const rules = IgnoreRules.parse("", ["a.ts\\", "b*\\", "c\\\\", "d\\ "].join("\n"));
    const cases: [string, boolean][] = [["a.ts\\", false], ["a.ts", false], ["bx\\", false], ["c\\", true], ["d ", true]];
    for (const [path, expected] of cases) assert.equal(isIgnored([rules], path, false), expected, JSON.stringify(path));
  });

  it("the last matching rule wins, whether rules are plain names or patterns, in any order", () => {
    // Plain names and paths are looked up, patterns run: the answer must be the one of
    // reading every rule in order (each rule alone, last match kept), for random rule files.
    const pool = ["a", "b.txt", "d", "d/a", "/a", "/d/b.txt", "a/", "d/", "!a", "!b.txt", "!d/a", "!d/", "*.txt", "!*.txt", "a*", "d/**", "!d/**", "**/a", "[ab]", "?.txt", "\\!a", "e/d/a"];
    const paths = ["a", "b.txt", "d", "d/a", "d/b.txt", "e/d/a", "x/a", "x/b.txt", "!a", "d/c.txt"];
    let seed = 7;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 300; round++) {
      const lines = Array.from({ length: 1 + random(12) }, () => pool[random(pool.length)]!);
      const rules = IgnoreRules.parse("", lines.join("\n"));
      for (const path of paths) {
        for (const isDir of [false, true]) {
          let expected: boolean | undefined;
          for (const line of lines) expected = IgnoreRules.parse("", line).match(path, isDir) ?? expected;
          assert.equal(rules.match(path, isDir), expected, `${JSON.stringify(lines)} on ${path}${isDir ? "/" : ""}`);
        }
      }
    }
  });

  // A hostile .gitignore: as regular expressions these patterns backtrack exponentially on a
  // long name. Checked in a child process so that, without the fix, the test fails at the
  // child's (generous) time limit instead of hanging this file.
  it("checks a long name against patterns of many stars in linear time", () => {
    const code = `
      import { IgnoreRules, isIgnored } from ${JSON.stringify(new URL("../../../src/indexer/ignore.ts", import.meta.url).href)};
      const rules = IgnoreRules.parse("", "**a**a**a**a**a**a**a**a**a**a**a**a**b\\n*a*a*a*a*a*a*a*a*a*a*a*a*a*b\\n");
      const name = "a".repeat(200);
      process.stdout.write(String(isIgnored([rules], name, false)) + String(isIgnored([rules], "d/" + name, false)));`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000 });
    assert.equal(child.signal, null, "the check did not finish");
    assert.equal(child.stdout, "falsefalse", child.stderr);
  });

  // The tests below count the work of each path (IgnoreRules.steps: each rule looked at, each
  // step of an automaton) and bound it, rather than time it: a slow matcher fails at its first
  // path, whatever the machine's load.
  const stepsOf = (rules: IgnoreRules, path: string, isDir = false): { ignored: boolean; steps: number } => {
    const before = rules.steps;
    const ignored = isIgnored([rules], path, isDir);
    return { ignored, steps: rules.steps - before };
  };

  // A generated .gitignore of thousands of many-star lines: each path was run through every
  // line's automaton (some 300,000 steps a path, 120 ms here), so a 10,000-file repository took
  // 20 minutes to scan. A path now runs only the lines whose plain text it holds in order: a
  // step for each line, and a few automata. A name pattern is matched against the last name
  // only, as git does: `a*[!x]*y` does not ignore `ab/cy`.
  it("checks thousands of paths against thousands of many-star patterns", () => {
    const lines = ["**/**/**/**/a*b*c*d*e*f"];
    for (let i = 0; i < 4000; i++) lines.push(`**/*a*b*c*d*e*f*g*h*${i}*/**/*x*y*z*`, `*q*r*s*t*${i}*u*v`);
    lines.push("!**/keep*me*", "a*[!x]*y");
    const rules = IgnoreRules.parse("", lines.join("\n"));
    for (let i = 0; i < 3000; i++) {
      const path = `src/module${i}/deep/file${i}.ts`;
      const { ignored, steps } = stepsOf(rules, path);
      assert.equal(ignored, false, path);
      assert.ok(steps <= lines.length + 2_000, `${path}: ${steps} steps`);
    }
    const ignored = ["abcdefgh3999/q/xyz", "src/aybzcdeff", "lib/qqrrsst17uuv", "src/a/b/c/d/qrst3x1uv", "abzy"].map((p) => isIgnored([rules], p, false));
    const notIgnored = ["src/abcdefgh3999", "qrst17uv/sub.ts", "abcdefgh7/q/xyz/keep_me", "ab/cy"].map((p) => isIgnored([rules], p, false));
    assert.deepEqual([ignored, notIgnored], [[true, true, true, true, true], [false, false, false, false]]);
  });

  // Nearly 1 MiB of one-star lines (`*.e1` … `*.e110000`, under the limit for ignore files):
  // each path ran 110,000 regular expressions, 0.1 to 1.2 s a path. A pattern of one star and
  // a plain ending is looked up by the name's ending: a few lookups a path.
  it("checks paths against a hundred thousand one-star patterns", () => {
    const lines = [];
    for (let i = 0; i < 110000; i++) lines.push(`*.e${i}`);
    const rules = IgnoreRules.parse("", lines.join("\n"));
    for (let i = 0; i < 1500; i++) {
      const path = `src/components/module${i}/file${i}.ts`;
      const { ignored, steps } = stepsOf(rules, path);
      assert.equal(ignored, false, path);
      assert.ok(steps <= 100, `${path}: ${steps} steps`);
    }
    assert.deepEqual(["src/a.e5", "deep/er/b.e109999", "c.e110000", "d.e1x", "e.e77/f.ts"].map((p) => isIgnored([rules], p, false)), [true, true, false, false, false]);
  });

  // The same lines against names that hold a pattern's plain text (`x.e1.ts` holds `.e1`): each
  // path still went through all 110,000 lines, 11 ms a path, so 8,000 files took 90 s. Looked
  // up by the name's ending, a path costs a few steps; last match wins as before.
  it("looks up one-star patterns by the name's ending", () => {
    const lines = [];
    for (let i = 0; i < 110000; i++) lines.push(`*.e${i}`);
    lines.push("!keep.e5", "*.d/", "/*.top", "[ab]*.e7");
    const rules = IgnoreRules.parse("", lines.join("\n"));
    for (let i = 0; i < 8000; i++) {
      const path = `src/module${i}/x.e${i}x.ts`;
      const { ignored, steps } = stepsOf(rules, path);
      assert.equal(ignored, false, path);
      assert.ok(steps <= 100, `${path}: ${steps} steps`);
    }
    const checks = ([["src/a.e5", false], ["keep.e5", false], ["sub/keep.e5", false], [".e42", false], ["x.d", false], ["x.d", true], ["a/x.top", false], ["x.top", false]] as const)
      .map(([p, dir]) => isIgnored([rules], p, dir));
    assert.deepEqual(checks, [true, false, false, true, false, true, false, true]);
  });
});

describe("scanning a repository", () => {
  it("honours .gitignore (nested), .hearthignore, excluded folders; reports symlink loops", async () => {
    const { dir, cleanup } = tempDir();
    try {
      cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
      mkdirSync(join(dir, "generated"));
      writeFileSync(join(dir, "generated/ignored.ts"), "export const X = 1;\n");
      writeFileSync(join(dir, "debug.log"), "noise\n");
      writeFileSync(join(dir, "src/users/.gitignore"), "secret.ts\n");
      writeFileSync(join(dir, "src/users/secret.ts"), "export const S = 1;\n");
      writeFileSync(join(dir, ".hearthignore"), "src/util/\n");
      mkdirSync(join(dir, "node_modules/dep"), { recursive: true });
      writeFileSync(join(dir, "node_modules/dep/index.js"), "module.exports = 1;\n");
      symlinkSync(dir, join(dir, "src/loop"));
      symlinkSync(join(dir, "missing-target"), join(dir, "src/dangling.ts"));
      const scan = await scanRepository(dir, DEFAULT_LIMITS);
      assert.deepEqual(
        scan.files.map((f) => f.path),
        [".gitignore", ".hearthignore", "README.md", "src/cart.ts", "src/checkout.ts", "src/inventory.ts",
          "src/payments/stripe.ts", "src/pricing.ts", "src/users/.gitignore", "src/users/session.ts"],
      );
      const reasons = Object.fromEntries(scan.skipped.map((s) => [s.path, s.reason]));
      assert.deepEqual(reasons, {
        "debug.log": "ignored",
        generated: "ignored",
        node_modules: "excluded-dir",
        "src/dangling.ts": "unreadable",
        "src/loop": "symlink-loop",
        "src/users/secret.ts": "ignored",
        "src/util": "ignored",
      });
    } finally {
      cleanup();
    }
  });

  it("stops at the file limit with the files nearest the root, the same ones every run, and says how many folders it left", async () => {
    const { dir, cleanup } = tempDir();
    try {
      // A home folder in small: one deep tree sorts first and would fill the limit walked depth first.
      const files: Record<string, string> = { "zz_top.py": "", "mm/b.py": "", "mm/a.py": "", "nn/c.py": "" };
      for (let i = 0; i < 30; i++) files[`aa/deep/deeper/f${String(i).padStart(2, "0")}.py`] = "";
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(join(dir, path, ".."), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const scan = await scanRepository(dir, { ...DEFAULT_LIMITS, maxFiles: 4 });
      assert.deepEqual(scan.files.map((f) => f.path), ["mm/a.py", "mm/b.py", "nn/c.py", "zz_top.py"]);
      assert.deepEqual(scan.stopped, { maxFiles: 4, foldersLeft: 1 }); // aa/deep/deeper, not started
      const again = await scanRepository(dir, { ...DEFAULT_LIMITS, maxFiles: 5 });
      assert.deepEqual(again.files.map((f) => f.path), ["aa/deep/deeper/f00.py", "mm/a.py", "mm/b.py", "nn/c.py", "zz_top.py"]);
      assert.deepEqual(again.stopped, { maxFiles: 5, foldersLeft: 1 }); // aa/deep/deeper, left half done
      const all = await scanRepository(dir, { ...DEFAULT_LIMITS, maxFiles: 34 });
      assert.equal(all.files.length, 34);
      assert.equal(all.stopped, undefined, "exactly the limit is not past it");

      const index = await indexOf(dir, { limits: { maxFiles: 4 } });
      try {
        assert.deepEqual((await index.summary()).stopped, { maxFiles: 4, foldersLeft: 1 });
        // A new file waits for a place; a removed one makes one.
        writeFileSync(join(dir, "zz_new.py"), "def fresh(): pass\n");
        assert.equal(await index.updateFile("zz_new.py"), "skipped");
        index.removeFile("nn/c.py");
        assert.equal(await index.updateFile("zz_new.py"), "parsed");
        assert.equal(index.files.size, 4);
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("the .git file of a worktree or a submodule is git's, not the project's: not indexed, on a build or a one-file update", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, ".git"), "gitdir: /home/me/project/.git/worktrees/feature\n");
      mkdirSync(join(dir, "sub"));
      writeFileSync(join(dir, "sub/.git"), "gitdir: ../.git/modules/sub\n");
      writeFileSync(join(dir, "sub/lib.ts"), "export const L = 1;\n");
      const scan = await scanRepository(dir, DEFAULT_LIMITS);
      assert.deepEqual(scan.files.map((f) => f.path), ["sub/lib.ts"]);
      assert.deepEqual(scan.skipped.map((s) => `${s.path} ${s.reason}`), [".git excluded-dir", "sub/.git excluded-dir"]);
      assert.equal(await isPathExcluded(dir, ".git", DEFAULT_LIMITS), true);
      assert.equal(await isPathExcluded(dir, "sub/.git", DEFAULT_LIMITS), true);
    } finally {
      cleanup();
    }
  });

  it("a generated folder that fills the file limit on its own is named, with what to do about it", async () => {
    const { dir, cleanup } = tempDir();
    try {
      // A dataset nobody listed in .gitignore sorts before the code and takes every place.
      mkdirSync(join(dir, "data/samples"), { recursive: true });
      for (let i = 0; i < 12; i++) writeFileSync(join(dir, `data/samples/s${String(i).padStart(2, "0")}.json`), `{"a":${i}}\n`);
      mkdirSync(join(dir, "src/app"), { recursive: true });
      writeFileSync(join(dir, "src/app/handler.py"), "def handle(): pass\n");
      writeFileSync(join(dir, "setup.py"), "NAME = 'x'\n");
      const index = await indexOf(dir, { limits: { maxFiles: 10 } });
      try {
        const { stopped } = index.summary();
        assert.deepEqual(stopped, { maxFiles: 10, foldersLeft: 2, crowded: { folder: "data/samples", files: 9 } });
        assert.equal(
          stoppedMessage(stopped!),
          "stopped at 10 files, the ones nearest the root (2 folders not fully indexed); 9 of them are in data/samples: list it in .hearthignore if Hearth need not read it, or open the project's own folder",
        );
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("hands each entered folder's ignore rules to isPathExcluded, which then reads no ignore file", async () => {
    const { dir, cleanup } = tempDir();
    try {
      cpSync(join(FIXTURES, "shop"), dir, { recursive: true });
      writeFileSync(join(dir, "src/users/.gitignore"), "secret.ts\n");
      const rulesCache = new Map<string, IgnoreRules[]>();
      await scanRepository(dir, { ...DEFAULT_LIMITS, rulesCache });
      assert.ok(["", "src", "src/users", "src/payments"].every((d) => rulesCache.has(d)), [...rulesCache.keys()].join(","));
      assert.equal(rulesCache.get("src/users")!.length, 1);
      assert.equal(rulesCache.get("src/payments")!.length, 0);
      // With the disk changed behind its back, the check still answers from the scan's rules.
      writeFileSync(join(dir, "src/users/.gitignore"), "# nothing\n");
      assert.equal(await isPathExcluded(dir, "src/users/secret.ts", DEFAULT_LIMITS, rulesCache), true);
      assert.equal(await isPathExcluded(dir, "src/users/secret.ts", DEFAULT_LIMITS, new Map()), false);
    } finally {
      cleanup();
    }
  });
});

describe("links out of the workspace (issue 13)", () => {
  /** A repository with links out (a folder, a file), into .git, inside it, and in a cycle. */
  function linkedRepo(): { dir: string; cleanup: () => void } {
    const repo = tempDir();
    const outside = tempDir("hearth-indexer-outside-");
    mkdirSync(join(outside.dir, "lib"));
    writeFileSync(join(outside.dir, "lib/secret.ts"), "export function outsideSecret() { return 1; }\n");
    const { dir } = repo;
    mkdirSync(join(dir, "src"));
    mkdirSync(join(dir, ".git"));
    mkdirSync(join(dir, "a"));
    mkdirSync(join(dir, "b"));
    writeFileSync(join(dir, ".git/config"), "[core]\n");
    writeFileSync(join(dir, "src/app.ts"), "export function insideApp() { return 2; }\n");
    symlinkSync(join(outside.dir, "lib"), join(dir, "ext"));
    symlinkSync(join(outside.dir, "lib/secret.ts"), join(dir, "leak.ts"));
    symlinkSync(join(dir, ".git"), join(dir, "gitlink"));
    symlinkSync(join(dir, ".git/config"), join(dir, "settings.ini"));
    symlinkSync(join(dir, "src"), join(dir, "alias"));
    symlinkSync(join(dir, "b"), join(dir, "a/to-b"));
    symlinkSync(join(dir, "a"), join(dir, "b/to-a"));
    return { dir, cleanup: () => (repo.cleanup(), outside.cleanup()) };
  }

  it("does not follow links out of the root or into an excluded folder, keeps links inside, stops at cycles", async () => {
    const { dir, cleanup } = linkedRepo();
    try {
      const scan = await scanRepository(dir, DEFAULT_LIMITS);
      assert.deepEqual(scan.files.map((f) => f.path), ["alias/app.ts", "src/app.ts"]);
      const reasons = Object.fromEntries(scan.skipped.map((s) => [s.path, s.reason]));
      assert.deepEqual(reasons, {
        ".git": "excluded-dir",
        "a/to-b/to-a": "symlink-loop",
        "b/to-a/to-b": "symlink-loop",
        ext: "link-outside",
        gitlink: "excluded-dir",
        "leak.ts": "link-outside",
        "settings.ini": "excluded-dir",
      });
    } finally {
      cleanup();
    }
  });

  it("enters a folder once through links: two links a level to the next do not make 2^depth copies", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const depth = 14;
      for (let i = 0; i <= depth; i++) mkdirSync(join(dir, `d${i}`));
      writeFileSync(join(dir, `d${depth}/x.ts`), "export const X = 1;\n");
      for (let i = 0; i < depth; i++) {
        symlinkSync(`../d${i + 1}`, join(dir, `d${i}/left`));
        symlinkSync(`../d${i + 1}`, join(dir, `d${i}/right`));
      }
      const scan = await scanRepository(dir, DEFAULT_LIMITS);
      // The real file, and one copy through the first chain of links that reached each folder.
      assert.equal(scan.files.length, 2, `${scan.files.length} files`);
      assert.ok(scan.files.some((f) => f.path === `d${depth}/x.ts`));
      assert.ok(scan.skipped.some((s) => s.reason === "link-duplicate"));
    } finally {
      cleanup();
    }
  });

  // VS Code's explorer shows a link loop as a folder that opens for ever; a file opened through
  // it (src/loop/src/app.ts) was indexed again under that name on its didOpen and each edit.
  it("a one-file update through a link loop is skipped, as the scan skips the loop", async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, "src"));
      writeFileSync(join(dir, "src/app.ts"), "export function insideApp() { return 2; }\n");
      symlinkSync(".", join(dir, "src/self"));
      symlinkSync("..", join(dir, "src/up"));
      const index = await indexOf(dir, { history: false });
      try {
        assert.deepEqual([...index.files.keys()], ["src/app.ts"]);
        for (const path of ["src/self/app.ts", "src/self/self/app.ts", "src/up/src/app.ts"]) {
          assert.equal(await isPathExcluded(dir, path, DEFAULT_LIMITS), true, path);
          assert.equal(await index.updateFile(path, "export function insideApp() { return 3; }\n"), "skipped", path);
          assert.equal(await index.updateFile(path), "skipped", path);
        }
        assert.deepEqual([...index.files.keys()], ["src/app.ts"]);
        assert.equal(await isPathExcluded(dir, "src/app.ts", DEFAULT_LIMITS), false);
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });

  it("keeps outside files out of the index and the repo map, on a build and on a one-file update", async () => {
    const { dir, cleanup } = linkedRepo();
    const index = await indexOf(dir);
    try {
      assert.deepEqual([...index.files.keys()].sort(), ["alias/app.ts", "src/app.ts"]);
      assert.equal(await index.updateFile("ext/secret.ts"), "skipped");
      assert.equal(await index.updateFile("leak.ts"), "skipped");
      assert.equal(index.files.has("ext/secret.ts") || index.files.has("leak.ts"), false);
      const map = buildRepoMap(index, { tokens: 2000 });
      assert.match(map.text, /insideApp/);
      assert.doesNotMatch(map.text, /outsideSecret/);
    } finally {
      await index.close();
      cleanup();
    }
  });
});

describe("pipes, sockets and devices in the tree", () => {
  it("are never read and are named as skipped (ignored ones as ignored)", async () => {
    const { dir, cleanup } = tempDir();
    const server = createServer();
    try {
      writeFileSync(join(dir, "a.ts"), "export const A = 1;\n");
      writeFileSync(join(dir, ".gitignore"), "ignored.pipe\n");
      execFileSync("mkfifo", [join(dir, "data.pipe")]);
      execFileSync("mkfifo", [join(dir, "ignored.pipe")]);
      await new Promise<void>((ready) => server.listen(join(dir, "app.sock"), ready));
      const scan = await scanRepository(dir, DEFAULT_LIMITS);
      assert.deepEqual(scan.files.map((f) => f.path), [".gitignore", "a.ts"]);
      assert.deepEqual(scan.skipped.map((s) => `${s.path} ${s.reason}`).sort(), ["app.sock not-regular", "data.pipe not-regular", "ignored.pipe ignored"]);
    } finally {
      server.close();
      cleanup();
    }
  });
});

describe("hostile ignore files", () => {
  // A read that waits for a writer fails the test by the time limit rather than hanging the file.
  it("an ignore file that is a FIFO, a link out (to /dev/zero, to a file outside) or too large is not read; the scan says so", { timeout: 10_000 }, async () => {
    const { dir, cleanup } = tempDir();
    const outside = tempDir("hearth-indexer-outside-");
    const fifo = join(dir, "pipe/.gitignore");
    try {
      for (const folder of ["pipe", "zero", "linked", "big"]) mkdirSync(join(dir, folder));
      for (const file of ["a.ts", "pipe/x.ts", "zero/y.ts", "linked/z.ts", "big/w.ts"]) writeFileSync(join(dir, file), "export const A = 1;\n");
      execFileSync("mkfifo", [fifo]);
      symlinkSync("/dev/zero", join(dir, "zero/.gitignore"));
      writeFileSync(join(outside.dir, "rules"), "*.ts\n");
      symlinkSync(join(outside.dir, "rules"), join(dir, "linked/.gitignore"));
      writeFileSync(join(dir, "big/.gitignore"), "*.ts\n" + "# padding\n".repeat(120_000));
      const scan = await scanRepository(dir, DEFAULT_LIMITS);
      assert.deepEqual(scan.files.map((f) => f.path), ["a.ts", "big/w.ts", "linked/z.ts", "pipe/x.ts", "zero/y.ts"]);
      const reasons = Object.fromEntries(scan.skipped.map((s) => [s.path, `${s.reason}: ${s.detail}`]));
      assert.match(reasons["pipe/.gitignore"] ?? "", /^unreadable: not a regular file/);
      assert.match(reasons["big/.gitignore"] ?? "", /^too-large: .*rules are not applied/);
      assert.match(reasons["zero/.gitignore"] ?? "", /^link-outside/);
      assert.match(reasons["linked/.gitignore"] ?? "", /^link-outside/);
      assert.equal(await isPathExcluded(dir, "linked/z.ts", DEFAULT_LIMITS), false);
    } finally {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)); // a reader stuck waiting for a writer sees end-of-file
      } catch {
        // ENXIO: nobody is waiting to read it.
      }
      cleanup();
      outside.cleanup();
    }
  });

  it("a .gitignore linked to a file inside the workspace is not applied, as git, and the scan says so", async () => {
    const { dir, cleanup } = tempDir();
    try {
      // A shared ignore file linked in (dotfile managers, monorepo templates): git warns and applies none of it.
      mkdirSync(join(dir, "conf"));
      writeFileSync(join(dir, "conf/gitignore"), "gen/\n");
      symlinkSync("conf/gitignore", join(dir, ".gitignore"));
      mkdirSync(join(dir, "gen"));
      writeFileSync(join(dir, "gen/a.ts"), "export const A = 1;\n");
      const scan = await scanRepository(dir, DEFAULT_LIMITS);
      assert.deepEqual(scan.files.map((f) => f.path), ["conf/gitignore", "gen/a.ts"]);
      assert.deepEqual(scan.skipped.map((s) => `${s.path} ${s.reason}: ${s.detail}`), [
        ".gitignore unreadable: a symbolic link: its rules are not applied (git does not follow it either)",
      ]);
    } finally {
      cleanup();
    }
  });
});
