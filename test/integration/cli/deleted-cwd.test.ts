// The built CLI (out/cli.mjs) started in a folder that no longer exists: a shell left in a
// checkout that was removed and cloned again (rm -rf repo && git clone … repo), a build
// folder a script deleted. Every command, --help too, died on a stack trace from
// process.cwd() before it parsed a word.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** `hearth ARGS` run in `gone`, removed after the shell went into it (`made`: then made again, as a new clone is, holding `made`'s files). */
function inDeletedFolder(gone: string, args: string[], pwd = true, made?: Record<string, string>) {
  if (!gone) throw new Error("a folder to delete is needed");
  mkdirSync(gone);
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const again = made ? ` && mkdir '${gone}'${Object.entries(made).map(([name, text]) => ` && printf '%s' '${text}' > '${join(gone, name)}'`).join("")}` : "";
  return spawnSync("sh", ["-c", `cd '${gone}' && rmdir '${gone}'${again} && exec ${pwd ? "" : "env -u PWD "}'${process.execPath}' '${CLI}' ${quoted}`], { encoding: "utf8", env: { ...process.env, PWD: gone } });
}

/**
 * `hearth map --repo other` run where the shell went in through `link`, after `real` (the
 * folder the link reached) was removed: it works, and warns the current folder is gone.
 */
function mapsAfterRemoving(link: string, real: string, other: string): void {
  writeFileSync(join(other, "calc.py"), "def add(a, b):\n    return a - b\n");
  const script = `cd '${link}' && rm -r '${real}' && exec '${process.execPath}' '${CLI}' map --no-cache --repo '${other}'`;
  const map = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...process.env, PWD: link } });
  assert.equal(map.status, 0, map.stderr);
  assert.match(map.stdout, /calc\.py/);
  assert.match(map.stderr, new RegExp(`^hearth: warning: the current folder ${link} no longer exists \\(deleted, or replaced by a new clone\\)`, "m"));
}

describe("hearth run in a folder that was deleted", () => {
  it("--help still prints the help, exit 0", () => {
    const result = inDeletedFolder(join(tempDir("hearth-gone-"), "gone"), ["--help"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: hearth <command>/m);
    assert.doesNotMatch(result.stderr, /uv_cwd|\n\s+at /);
  });

  it("a command given --repo elsewhere works, saying the current folder is gone", () => {
    const work = tempDir("hearth-gone-");
    const repo = join(work, "repo");
    mkdirSync(repo);
    writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
    const result = inDeletedFolder(join(work, "gone"), ["map", "--repo", repo, "--no-cache"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /calc\.py/);
    assert.match(result.stderr, new RegExp(`^hearth: warning: the current folder ${join(work, "gone")} no longer exists \\(deleted, or replaced by a new clone\\): relative paths name nothing there; cd into it again$`, "m"));
  });

  it("a command on the current folder says it is gone (exit 2), no stack trace", () => {
    const work = tempDir("hearth-gone-");
    const gone = join(work, "gone");
    const result = inDeletedFolder(gone, ["map"]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^hearth map: No such folder: ${gone}$`, "m"));
    assert.doesNotMatch(result.stderr, /uv_cwd|\n\s+at /);
  });

  it("replaced by a new clone at the same path (rm -rf repo && git clone … repo): --help works, and a command works on the folder now there, saying so", (t) => {
    // Where /proc does not name the deleted folder (macOS, BSD), a PWD that exists is not trusted: hearth refuses it.
    if (!existsSync("/proc/self/cwd")) return void t.skip("needs Linux /proc/self/cwd to tell the folder made again from a PWD left from elsewhere");
    const work = tempDir("hearth-gone-");
    const gone = join(work, "repo");
    const help = inDeletedFolder(gone, ["--help"], true, {});
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: hearth <command>/m);
    rmSync(gone, { recursive: true, force: true });
    const map = inDeletedFolder(gone, ["map", "--no-cache"], true, { "calc.py": "def add(a, b):\n    return a - b\n" });
    assert.equal(map.status, 0, map.stderr);
    assert.match(map.stdout, /calc\.py/);
    assert.match(map.stderr, new RegExp(`^hearth: warning: the current folder ${gone} was removed and made again since the shell went into it \\(a new clone\\?\\): hearth works on the folder there now; cd into it again \\(cd ${gone}\\) for the shell to see it too$`, "m"));
  });

  it("replaced by a new clone where the shell went in through a link to it ($PWD a link, /proc the real path): works there, saying so", (t) => {
    // Where /proc does not name the deleted folder (macOS, BSD), a PWD that exists is not trusted: hearth refuses it.
    if (!existsSync("/proc/self/cwd")) return void t.skip("needs Linux /proc/self/cwd to tell the folder made again from a PWD left from elsewhere");
    const work = tempDir("hearth-gone-");
    const real = join(work, "data", "repo");
    const link = join(work, "repo");
    mkdirSync(real, { recursive: true });
    symlinkSync(real, link);
    const script = `cd '${link}' && rm -r '${real}' && mkdir '${real}' && printf 'def add(a, b):\\n    return a - b\\n' > '${join(real, "calc.py")}' && exec '${process.execPath}' '${CLI}' map --no-cache`;
    const map = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { ...process.env, PWD: link } });
    assert.equal(map.status, 0, map.stderr);
    assert.match(map.stdout, /calc\.py/);
    assert.match(map.stderr, new RegExp(`^hearth: warning: the current folder ${link} was removed and made again since the shell went into it`, "m"));
  });

  it("deleted where the shell went in through a link to it ($PWD a link left dangling): a command given --repo elsewhere works, saying the folder is gone", () => {
    const work = tempDir("hearth-gone-");
    const real = join(work, "data", "repo");
    const link = join(work, "repo");
    const other = join(work, "other");
    mkdirSync(real, { recursive: true });
    mkdirSync(other);
    symlinkSync(real, link);
    mapsAfterRemoving(link, real, other);
  });

  it("deleted where the shell went in through a relative link (../target) in a folder reached through another link: follows it from the link's real folder, as the kernel did", () => {
    // work/alias -> deep/sub, and work/deep/sub/link -> ../target: the shell's PWD is
    // work/alias/link, the kernel's work/deep/target (.. taken from deep/sub, not from alias).
    const work = tempDir("hearth-gone-");
    const real = join(work, "deep", "target");
    const other = join(work, "other");
    mkdirSync(join(work, "deep", "sub"), { recursive: true });
    mkdirSync(real);
    mkdirSync(other);
    symlinkSync(join("deep", "sub"), join(work, "alias"));
    symlinkSync(join("..", "target"), join(work, "deep", "sub", "link"));
    const link = join(work, "alias", "link");
    mapsAfterRemoving(link, real, other);
  });

  it("a relative --out does not make the deleted folder again to write there (exit 2)", () => {
    const work = tempDir("hearth-gone-");
    const repo = join(work, "elsewhere");
    mkdirSync(repo);
    writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
    const model = join(work, "model.json");
    writeFileSync(model, JSON.stringify({ name: "scripted", turns: [{ toolCalls: [{ name: "finish", arguments: { summary: "nothing to do" } }] }] }));
    const gone = join(work, "gone");
    const result = inDeletedFolder(gone, ["fix", "--repo", repo, "--model", model, "--state-dir", join(work, "state"), "--yes", "--no-index", "--out", "results/x.diff", "add() subtracts"]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^hearth fix: cannot write the patch to ${gone}/results/x\\.diff: ${gone}, the current folder, no longer exists \\(deleted, or replaced by a new clone\\) and hearth does not make it again: name a file in a folder that exists, or cd into one$`, "m"));
    assert.equal(existsSync(gone), false);
  });

  it("an absolute --out into the deleted folder is refused without the advice to give an absolute path (exit 2)", () => {
    const work = tempDir("hearth-gone-");
    const repo = join(work, "elsewhere");
    mkdirSync(repo);
    writeFileSync(join(repo, "calc.py"), "def add(a, b):\n    return a - b\n");
    const model = join(work, "model.json");
    writeFileSync(model, JSON.stringify({ name: "scripted", turns: [{ toolCalls: [{ name: "finish", arguments: { summary: "nothing to do" } }] }] }));
    const gone = join(work, "gone");
    const result = inDeletedFolder(gone, ["fix", "--repo", repo, "--model", model, "--state-dir", join(work, "state"), "--yes", "--no-index", "--out", join(gone, "x.diff"), "add() subtracts"]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`^hearth fix: cannot write the patch to ${gone}/x\\.diff: ${gone}, the current folder, no longer exists \\(deleted, or replaced by a new clone\\) and hearth does not make it again: name a file in a folder that exists, or cd into one$`, "m"));
    assert.equal(existsSync(gone), false);
  });

  it("with no PWD to name it: one line saying so, exit 2, no stack trace", () => {
    const result = inDeletedFolder(join(tempDir("hearth-gone-"), "gone"), ["map"], false);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr, "hearth: the current folder no longer exists (deleted, or replaced by a new clone): cd into a folder that does\n");
  });
});
