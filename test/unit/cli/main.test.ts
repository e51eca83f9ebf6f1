import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError, parseFlags } from "../../../src/cli/command.ts";
import { main } from "../../../src/cli/main.ts";
import { COMMANDS } from "../../../src/cli/commands.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out, err,
    io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), readStdin: async () => "", cwd: process.cwd(), signal: new AbortController().signal },
  };
}

describe("hearth CLI", () => {
  it("--help lists every command with its summary", async () => {
    const c = capture();
    assert.equal(await main(["--help"], c.io), 0);
    const text = c.out.join("");
    for (const command of COMMANDS) assert.match(text, new RegExp(`\\n  ${command.name}\\s+${command.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("--help says the exit codes a script can tell apart, a signal's among them", async () => {
    const c = capture();
    assert.equal(await main(["--help"], c.io), 0);
    assert.match(c.out.join("").replace(/\s+/g, " "), /Exit codes: 0 done, 1 failed, 2 bad usage, 130 cancelled by Ctrl-C \(143 by SIGTERM, 129 by SIGHUP\); hearth fix --help and hearth apply-patch --help say their own\./);
  });

  it("with --json, an error is also a JSON object on stdout, for the script that parses it", async () => {
    const missing = join(tmpdir(), "hearth-no-such-folder-for-json");
    for (const [name, ...given] of [["index"], ["locate", "add subtracts"], ["apply-patch"]] as const) {
      const c = capture();
      assert.equal(await main([name, ...given, "--json", "--repo", missing], c.io), 2);
      assert.deepEqual(JSON.parse(c.out.join("")), { error: { message: `No such folder: ${missing}` } });
      assert.match(c.err.join(""), new RegExp(`^hearth ${name}: No such folder: `));
    }
    const plain = capture();
    assert.equal(await main(["index", "--repo", missing], plain.io), 2);
    assert.equal(plain.out.join(""), "");
  });

  it("hearth status --threads that is no number is bad usage as every command's is: named, the synopsis, JSON with --json", async () => {
    const c = capture();
    assert.equal(await main(["status", "--threads", "four", "--json"], c.io), 2);
    assert.deepEqual(JSON.parse(c.out.join("")), { error: { message: "--threads needs a whole number of CPU threads from 0 to 256 (0 = automatic), not \"four\"" } });
    assert.match(c.err.join(""), /^hearth status: --threads needs a whole number .*\n\nUsage: hearth status /);
  });

  it("with --json, an error after the answer was printed leaves stdout one JSON document", async () => {
    // locate prints its answer, then saves what the query parsed: a cache folder that cannot be
    // made (below a file) fails that save after the JSON is out.
    const dir = mkdtempSync(join(tmpdir(), "hearth-json-once-"));
    try {
      writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a - b\n");
      writeFileSync(join(dir, "not-a-folder"), "");
      const c = capture();
      await main(["locate", "add subtracts", "--json", "--repo", dir, "--cache", join(dir, "not-a-folder", "cache")], c.io);
      const answer = JSON.parse(c.out.join("")) as { files: { path: string }[] };
      assert.equal(answer.files[0]?.path, "calc.py");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("locate whose cache cannot be saved after its answer warns and exits 0: the answer is what it was run for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-locate-unsaved-"));
    try {
      writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a - b\n");
      writeFileSync(join(dir, "not-a-folder"), "");
      const c = capture();
      assert.equal(await main(["locate", "add subtracts", "--repo", dir, "--cache", join(dir, "not-a-folder", "cache")], c.io), 0, c.err.join(""));
      assert.match(c.out.join(""), /calc\.py/);
      assert.match(c.err.join(""), /^hearth locate: warning: the index cache could not be saved \(.*not-a-folder.*\): the next run reads the checkout again\n$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an unknown command exits 2 with the help on stderr", async () => {
    const c = capture();
    assert.equal(await main(["frobnicate"], c.io), 2);
    assert.match(c.err.join(""), /unknown command "frobnicate"[\s\S]*Commands:/);
  });

  it("a usage error stays on screen: the message, the command's synopsis and where the options are, not 30 lines of usage scrolling it away", async () => {
    for (const command of COMMANDS) {
      const c = capture();
      assert.equal(await main([command.name, "--bogus-option"], c.io), 2, command.name);
      const lines = c.err.join("").trimEnd().split("\n");
      assert.equal(lines[0], `hearth ${command.name}: unknown option --bogus-option`);
      assert.ok(lines.length <= 5, `${command.name}: ${lines.length} lines`);
      assert.ok(lines.includes(`Usage: ${command.usage.split("\n")[0]}`), command.name);
      assert.equal(lines.at(-1), `Run hearth ${command.name} --help for every option.`);
    }
  });

  it("a misspelt command names the nearest one (hearth fixx: did you mean hearth fix?)", async () => {
    for (const [typo, meant] of [["fixx", "fix"], ["stauts", "status"], ["model", "models"], ["apply_patch", "apply-patch"], ["loacte", "locate"]]) {
      const c = capture();
      assert.equal(await main([typo!], c.io), 2);
      assert.match(c.err.join(""), new RegExp(`^hearth: unknown command "${typo}": did you mean "hearth ${meant}"\\?`), typo);
    }
    const far = capture();
    assert.equal(await main(["deploy"], far.io), 2);
    assert.doesNotMatch(far.err.join(""), /did you mean/);
  });

  it("hearth help COMMAND prints that command's usage, as hearth COMMAND --help does", async () => {
    const c = capture();
    assert.equal(await main(["help", "fix"], c.io), 0);
    assert.match(c.out.join(""), /^hearth fix \[--repo DIR\]/);
    const typo = capture();
    assert.equal(await main(["help", "fixx"], typo.io), 2);
    assert.match(typo.err.join(""), /^hearth: unknown command "fixx": did you mean "hearth fix"\?/);
  });

  it("a command's --help prints its usage without running it", async () => {
    const c = capture();
    assert.equal(await main(["status", "--help"], c.io), 0);
    assert.match(c.out.join(""), /^hearth status/);
  });

  it("a bad flag exits 2 with the command's usage", async () => {
    const c = capture();
    assert.equal(await main(["status", "--bogus"], c.io), 2);
    assert.match(c.err.join(""), /unknown option --bogus[\s\S]*hearth status/);
  });
});

describe("parseFlags", () => {
  const spec = { repo: "string", json: "boolean", top: "string" } as const;
  it("reads --name value, --name=value, booleans and positionals", () => {
    assert.deepEqual(parseFlags(["--repo", "/r", "--top=5", "--json", "x"], spec), { flags: { repo: "/r", top: "5", json: true }, positional: ["x"] });
  });
  it("reads a ~ the shell left in --name=~/… as the home folder, as it reads --name ~/… (--out=~/fix.diff made a folder named ~ here)", () => {
    const spec = { repo: "string", model: "string", out: "string", issue: "string", "test-cmd": "string" } as const;
    const home = homedir();
    assert.deepEqual(parseFlags(["--model=~/models/q.gguf", "--repo=~", "--out=~other/fix.diff", "--issue=~/x is not y", "--test-cmd=~/bin/t"], spec).flags, {
      model: join(home, "models/q.gguf"), repo: home, out: "~other/fix.diff", issue: "~/x is not y", "test-cmd": "~/bin/t",
    });
    // Given apart, a ~ the shell did not expand was quoted: it is left as written.
    assert.deepEqual(parseFlags(["--repo", "~/p"], spec).flags, { repo: "~/p" });
  });
  it("rejects unknown flags, missing values and values on booleans", () => {
    assert.throws(() => parseFlags(["--nope"], spec), UsageError);
    assert.throws(() => parseFlags(["--repo"], spec), /needs a value/);
    assert.throws(() => parseFlags(["--repo", "--json"], spec), /needs a value/);
    assert.throws(() => parseFlags(["--json=1"], spec), /takes no value/);
  });
  it("a misspelt option names the nearest one (--jsn: did you mean --json?); a far one does not", () => {
    assert.throws(() => parseFlags(["--jsn"], spec), /^Error: unknown option --jsn: did you mean --json\?$/);
    assert.throws(() => parseFlags(["--tpo", "3"], spec), /unknown option --tpo: did you mean --top\?/);
    assert.throws(() => parseFlags(["--repository=x"], spec), /unknown option --repository: did you mean --repo\?/);
    assert.throws(() => parseFlags(["--verbose"], spec), /^Error: unknown option --verbose$/);
  });
  it("-- ends the options: what follows is text, -- itself is not", () => {
    assert.deepEqual(parseFlags(["--json", "--", "--top", "-n", "x"], spec), { flags: { json: true }, positional: ["--top", "-n", "x"] });
  });
  it("a short option (-n, -y, -p1) is refused, not taken as text; - and text that starts with a dash are text", () => {
    for (const arg of ["-n", "-y", "-p1", "-rf"]) assert.throws(() => parseFlags([arg], spec), new RegExp(`unknown option ${arg} \\(options start with --`));
    assert.deepEqual(parseFlags(["-", "-1 is returned for []", "-my.diff"], spec).positional, ["-", "-1 is returned for []", "-my.diff"]);
  });
});

describe("arguments a command does not take", () => {
  it("hearth index DIR and hearth map DIR are refused, naming --repo, instead of indexing the current folder", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hearth-cli-args-"));
    try {
      writeFileSync(join(cwd, "here.py"), "def here():\n    pass\n");
      for (const command of ["index", "map"]) {
        const c = capture();
        const code = await main([command, "--no-cache", "--quiet", "/some/checkout"], { ...c.io, cwd });
        assert.equal(code, 2, `${command}: ${c.err.join("")}`);
        assert.match(c.err.join(""), new RegExp(`^hearth ${command}: unexpected argument "/some/checkout": give the folder with --repo DIR`));
        assert.equal(c.out.join(""), "", `${command} printed nothing`);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
  it("hearth fix -- --help is an issue text, not a request for help", async () => {
    const c = capture();
    const code = await main(["fix", "--repo", "/nonexistent-hearth-folder", "--", "--help"], c.io);
    assert.equal(code, 2);
    assert.match(c.err.join(""), /No such folder/);
  });
});

describe("files named on the command line", () => {
  it("a missing file, a folder or a file over 32 MB is refused with a clear message, and nothing is written; a usual one is read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-cli-files-"));
    try {
      writeFileSync(join(dir, "a.txt"), "one\n");
      mkdirSync(join(dir, "patches"));
      // Sparse: 33 MB of nothing on disk, made at once.
      const big = join(dir, "big.diff");
      writeFileSync(big, "");
      truncateSync(big, 33 * 1024 * 1024);
      const run = async (...args: string[]) => {
        const c = capture();
        const code = await main(args, { ...c.io, cwd: dir });
        return { code, err: c.err.join("") };
      };
      const missing = await run("apply-patch", "--repo", dir, "gone.diff");
      assert.equal(missing.code, 2, missing.err);
      assert.match(missing.err, /Cannot read the patch file .*gone\.diff: there is no such file/);
      const folder = await run("apply-patch", "--repo", dir, "patches");
      assert.equal(folder.code, 2, folder.err);
      assert.match(folder.err, /The patch file .*patches is a folder: give a file/);
      const tooBig = await run("apply-patch", "--repo", dir, "big.diff");
      assert.equal(tooBig.code, 2, tooBig.err);
      assert.match(tooBig.err, /The patch file .*big\.diff is over 32 MB/);
      const issue = await run("fix", "--repo", dir, "--issue-file", "big.diff", "--model", "m.gguf");
      assert.equal(issue.code, 2, issue.err);
      assert.match(issue.err, /The issue file .*big\.diff is over 32 MB/);
      assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "one\n");
      assert.deepEqual(readdirSync(dir).sort(), ["a.txt", "big.diff", "patches"]);
      // A patch file of a usual size is read and applied.
      writeFileSync(join(dir, "fix.diff"), "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+two\n");
      const applied = await run("apply-patch", "--repo", dir, "fix.diff");
      assert.equal(applied.code, 0, applied.err);
      assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "two\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("--repo", () => {
  it("a file or a missing folder as the repository is a usage error that says so, for every command that takes one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-cli-repo-"));
    try {
      writeFileSync(join(dir, "setup.py"), "print('hi')\n");
      writeFileSync(join(dir, "fix.diff"), "--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-a\n+b\n");
      const run = async (...args: string[]) => {
        const c = capture();
        const code = await main(args, { ...c.io, cwd: dir, readStdin: async () => "add returns the wrong sum" });
        return { code, err: c.err.join("") };
      };
      for (const command of [["index"], ["locate"], ["map"], ["apply-patch", "fix.diff"], ["fix", "--issue", "add is wrong", "--model", "m.gguf"], ["chat", "hello", "--model", "m.gguf"]]) {
        const file = await run(...command, "--repo", "setup.py");
        assert.equal(file.code, 2, `${command[0]}: ${file.err}`);
        assert.match(file.err, /setup\.py is a file, not a folder: give the repository's folder/, command[0]);
        const gone = await run(...command, "--repo", "gone");
        assert.equal(gone.code, 2, `${command[0]}: ${gone.err}`);
        assert.match(gone.err, /No such folder: .*gone/, command[0]);
      }
      assert.deepEqual(readdirSync(dir).sort(), ["fix.diff", "setup.py"], "nothing written");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("waiting on the user", () => {
  it("stdin on a terminal: says it is reading and how to end, before it waits", async () => {
    const c = capture();
    let saidFirst = false;
    const io = { ...c.io, inIsTerminal: true, readStdin: async () => ((saidFirst = c.err.join("").length > 0), "") };
    assert.equal(await main(["locate", "--repo", tmpdir(), "--no-cache", "--quiet"], io), 2);
    assert.ok(saidFirst, "the hint came before the read");
    assert.match(c.err.join(""), /^hearth locate: reading stdin from the terminal: type or paste it, then press Ctrl-D on a line of its own \(or pipe it: hearth locate < FILE\)\n/);
    const piped = capture();
    await main(["locate", "--repo", tmpdir(), "--no-cache", "--quiet"], piped.io);
    assert.doesNotMatch(piped.err.join(""), /reading stdin/);
  });

  it("Ctrl-C while indexing: 'cancelled' and exit 130, not 'This operation was aborted' and 1", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hearth-cli-cancel-"));
    try {
      writeFileSync(join(cwd, "a.py"), "def a():\n    pass\n");
      for (const command of [["index"], ["map"], ["locate", "a"]]) {
        const c = capture();
        const controller = new AbortController();
        controller.abort();
        const code = await main([...command, "--no-cache", "--quiet"], { ...c.io, cwd, signal: controller.signal });
        assert.equal(code, 130, `${command[0]}: ${c.err.join("")}`);
        assert.equal(c.err.join(""), `hearth ${command[0]}: cancelled\n`);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
