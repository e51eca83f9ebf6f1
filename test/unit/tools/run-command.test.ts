/**
 * runShell / run_command with real processes: a background child that escapes with
 * `setsid` (new session, so the group kill misses it) and keeps stdout open must not hold
 * the call open, neither after the shell exits nor after a timeout or a Stop; output split
 * inside a UTF-8 character is decoded intact. No assertion here depends on timing: the
 * processes are checked through /proc after the call resolved, and the test's own timeout
 * is only a safety net for the old behaviour (a call that never returns).
 */
import assert from "node:assert/strict";
import { execSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { OutputCollector, runShell } from "../../../src/tools/run-command.ts";
import { USER_NODE_OPTIONS_VARIABLE } from "../../../src/protocol/node-options.ts";
import { runCommandTool } from "../../../src/tools/run-command.ts";
import { type ToolContext, runTool } from "../../../src/tools/tool.ts";
import { FAILURE_SECTIONS, LEADING_SUMMARY, countTests } from "../../../src/tools/test-runners.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";
import { alive } from "../../fixtures/processes.ts";
import { ENTERPRISE_TOKEN_VARIABLES, GITHUB_TOKEN_VARIABLES } from "../../../src/protocol/github-tokens.ts";

const SAFETY_NET = { timeout: 30_000 };

/** The pids a command wrote to `pids` in `dir`, one per line. */
function pidsIn(dir: string): number[] {
  const file = join(dir, "pids");
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number) : [];
}

/** Kills what a test's command left behind, whatever the outcome of the test. */
function killLeftovers(t: TestContext, dir: string): void {
  t.after(() => {
    for (const pid of pidsIn(dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/**
 * A time limit (`ToolContext.timeLimit`, `RunShellOptions.timeLimit`) reached once the command has
 * written `name` in `dir` — after printing what the test asserts —, not after a loaded machine's second.
 */
function limitAtFile(dir: string, name = "printed"): (ms: number) => Promise<void> {
  return async () => {
    while (!existsSync(join(dir, name))) await new Promise((r) => setTimeout(r, 20));
  };
}

/** GnuPG's terminal pinentry, which draws its passphrase dialog on the terminal GPG_TTY names. */
const PINENTRY_CURSES = ["/usr/bin/pinentry-curses", "/usr/local/bin/pinentry-curses", "/opt/homebrew/bin/pinentry-curses"].find((path) => existsSync(path));

/** Why the GPG_TTY case cannot run here, or false. */
function noGpgPrompt(): string | false {
  if (process.platform === "win32") return "no pseudo-terminals on Windows";
  if (!PINENTRY_CURSES) return "pinentry-curses is not installed";
  for (const program of ["gpg", "gpgconf", "python3"]) if (spawnSync(program, ["--version"]).status !== 0) return `${program} is not installed`;
  return false;
}

/**
 * A GnuPG home in `dir` with a passphrase key (pinentry-curses asks for it; its agent stopped
 * and its socket folder removed after the test) and a repository that signs commits with it.
 */
function signingRepository(dir: string, t: { after(fn: () => void): void }): { gnupg: string; ctx: ToolContext } {
  const gnupg = join(dir, "gnupg");
  mkdirSync(gnupg, { mode: 0o700 });
  // The key's passphrase is asked by pinentry-curses, which has no terminal: commands run without one.
  writeFileSync(join(gnupg, "gpg-agent.conf"), `pinentry-program ${PINENTRY_CURSES}\n`);
  const gpgEnv = { ...process.env, GNUPGHOME: gnupg };
  t.after(() => {
    spawnSync("gpgconf", ["--kill", "gpg-agent"], { env: gpgEnv });
    // Where /run/user/UID/gnupg is there, the agent's sockets were in a folder of this home's there.
    spawnSync("gpgconf", ["--remove-socketdir"], { env: gpgEnv });
  });
  const made = spawnSync("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "secret", "--quick-gen-key", "Signer <signer@example.com>", "ed25519", "sign", "0"], { env: gpgEnv, encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  const { root: repo, ctx } = workspaceWith();
  execSync(`git init -q '${repo}' && cd '${repo}' && git config user.name u && git config user.email u@example.com && git config user.signingkey signer@example.com && git config commit.gpgsign true`);
  return { gnupg, ctx };
}

/** Opens a pseudo-terminal, prints its name, then copies what is drawn on it to stdout until killed. */
const PTY_RELAY = "import os,sys\nm,s=os.openpty()\nprint(os.ttyname(s),flush=True)\nwhile True:\n  d=os.read(m,4096)\n  if not d: break\n  sys.stdout.buffer.write(d); sys.stdout.flush()\n";

/** Resolves once the command has written `count` pids (the command is then fully set up). */
async function pidsWritten(dir: string, count: number): Promise<void> {
  while (pidsIn(dir).length < count) await new Promise((r) => setTimeout(r, 20));
}

describe("runShell", () => {
  it("returns when the shell exits although a setsid child still holds stdout, and says it still runs", SAFETY_NET, async (t) => {
    const dir = tempDir();
    killLeftovers(t, dir);
    const outcome = await runShell("setsid sleep 1000 & echo $! > pids; echo started", dir, 600_000, new AbortController().signal);
    const [sleeper] = pidsIn(dir);
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.timedOut, false);
    assert.match(outcome.output, /^started\n/);
    // The call came back while `sleep 1000` still runs: it did not wait for the pipe to close.
    assert.ok(sleeper !== undefined && alive(sleeper), "the background sleep should still be running");
    assert.deepEqual(outcome.stillRunning, [sleeper]);
    assert.match(outcome.output, new RegExp(`still running.*\\b${sleeper}\\b`));
  });

  it("a background process it left running can still write (a dev server started with &), it is not killed by a closed pipe", SAFETY_NET, async (t) => {
    const dir = tempDir();
    killLeftovers(t, dir);
    // The background shell writes a line only when the test says so, after the call returned.
    const outcome = await runShell("mkfifo go; sh -c 'read x < go; echo tick; echo wrote > done' & echo $! > pids; echo started", dir, 600_000, new AbortController().signal);
    const [writer] = pidsIn(dir);
    assert.ok(writer !== undefined && outcome.stillRunning.includes(writer));
    writeFileSync(join(dir, "go"), "now\n");
    while (alive(writer)) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(join(dir, "done")), "the background shell died writing its line (SIGPIPE) instead of going on");
  });

  it("Stop of the run after the command ended stops what it left running (a server started with &, a setsid one), with the grace to exit", SAFETY_NET, async (t) => {
    const dir = tempDir();
    killLeftovers(t, dir);
    const controller = new AbortController();
    // The second ignores SIGTERM: SIGKILL after the grace.
    const outcome = await runShell("sleep 1000 & echo $! > pids; setsid sh -c 'trap \"\" TERM; sleep 1000' & echo $! >> pids; echo started", dir, 600_000, controller.signal, undefined, { killGraceMs: 100 });
    const pids = pidsIn(dir);
    assert.equal(outcome.cancelled, false);
    assert.equal(pids.length, 2);
    assert.deepEqual(pids.filter(alive), pids, "left running when the command ended");
    controller.abort();
    // Behaviour, not timing: the test's own timeout is the safety net for processes never stopped.
    while (pids.some(alive)) await new Promise((r) => setTimeout(r, 20));
  });

  it("a timeout kills the process group and the setsid child, and the call returns", SAFETY_NET, async (t) => {
    const dir = tempDir();
    killLeftovers(t, dir);
    const outcome = await runShell("setsid sleep 1000 & echo $! > pids; sleep 1000 & echo $! >> pids; echo ready; touch printed; wait", dir, 1000, new AbortController().signal, undefined, { timeLimit: limitAtFile(dir) });
    const pids = pidsIn(dir);
    assert.equal(pids.length, 2);
    assert.equal(outcome.timedOut, true);
    assert.match(outcome.output, /ready/);
    assert.deepEqual(pids.filter(alive), [], "every process the command started is gone");
    assert.deepEqual(outcome.stillRunning, []);
  });

  it("Stop (the abort signal) kills the process group and the setsid child, and the call returns", SAFETY_NET, async (t) => {
    const dir = tempDir();
    killLeftovers(t, dir);
    const controller = new AbortController();
    void pidsWritten(dir, 2).then(() => controller.abort());
    const outcome = await runShell("setsid sleep 1000 & echo $! > pids; sleep 1000 & echo $! >> pids; wait", dir, 600_000, controller.signal);
    assert.equal(outcome.cancelled, true);
    assert.deepEqual(pidsIn(dir).filter(alive), []);
  });

  it("Stop also stops a child that left both the process group and the environment marker (a test's detached server with an env of its own)", SAFETY_NET, async (t) => {
    const dir = tempDir();
    killLeftovers(t, dir);
    const controller = new AbortController();
    void pidsWritten(dir, 1).then(() => controller.abort());
    const server = "setsid env -u HEARTH_RUN_ID sh -c 'echo $$ > pids; exec sleep 1000' & wait";
    const outcome = await runShell(server, dir, 600_000, controller.signal);
    assert.equal(outcome.cancelled, true);
    assert.deepEqual(pidsIn(dir).filter(alive), []);
    assert.deepEqual(outcome.stillRunning, []);
  });

  it("names a still-running child that left the group and the marker, as long as its parent runs", SAFETY_NET, async (t) => {
    const dir = tempDir();
    killLeftovers(t, dir);
    // The marked setsid shell stays; its child drops the marker and makes a group of its own.
    // The command ends once the inner shell has said (through a FIFO) that its child runs.
    const command = "mkfifo up; setsid sh -c 'env -u HEARTH_RUN_ID setsid sleep 1000 & echo $! > pids; echo $$ >> pids; echo > up; wait' & read x < up; echo started";
    const outcome = await runShell(command, dir, 600_000, new AbortController().signal);
    const [sleeper] = pidsIn(dir);
    assert.ok(sleeper !== undefined && alive(sleeper));
    assert.ok(outcome.stillRunning.includes(sleeper), `${sleeper} in ${outcome.stillRunning.join(", ")}`);
  });

  it("a descendant that ignores SIGTERM is killed with SIGKILL after the grace period", SAFETY_NET, async (t) => {
    const dir = tempDir();
    killLeftovers(t, dir);
    const controller = new AbortController();
    void pidsWritten(dir, 1).then(() => controller.abort());
    const stubborn = "setsid sh -c 'trap \"\" TERM; echo $$ > pids; while :; do sleep 1; done' & wait";
    const outcome = await runShell(stubborn, dir, 600_000, controller.signal, undefined, { killGraceMs: 100 });
    assert.equal(outcome.cancelled, true);
    assert.deepEqual(pidsIn(dir).filter(alive), []);
  });

  it("decodes a UTF-8 character whose bytes arrive in separate writes", SAFETY_NET, async () => {
    const outcome = await runShell("printf '\\342'; sleep 0.2; printf '\\202\\254'; printf '\\360\\237' >&2; sleep 0.2; printf '\\230\\200\\n' >&2", tempDir(), 60_000, new AbortController().signal);
    // stdout's "€" is a line still open at the end: it comes after stderr's finished line.
    assert.equal(outcome.output, "😀\n€");
  });
});

describe("output that is not UTF-8", () => {
  it("says that bytes were shown as U+FFFD (a Latin-1 file cat'ed, binary output), so the model does not take � for the text", SAFETY_NET, async () => {
    const latin1 = await runShell("printf 'caf\\351\\n'", tempDir(), 60_000, new AbortController().signal);
    assert.match(latin1.output, /^caf\uFFFD\n\[[^\n]*not UTF-8[^\n]*\]\n$/);
    const replacementChar = await runShell("printf '\\357\\277\\275 is U+FFFD\\n'", tempDir(), 60_000, new AbortController().signal);
    assert.equal(replacementChar.output, "\uFFFD is U+FFFD\n", "a real U+FFFD in valid UTF-8 is no sign of other bytes");
  });
});

describe("the environment a command gets", () => {
  /** Runs `command` with `name` set to `value` in Hearth's own environment, as the runtime or the CLI has it. */
  async function withHearthVar(name: string, value: string, command: string): Promise<string> {
    const before = process.env[name];
    process.env[name] = value;
    try {
      return (await runShell(command, tempDir(), 60_000, new AbortController().signal)).output;
    } finally {
      if (before === undefined) delete process.env[name];
      else process.env[name] = before;
    }
  }

  it("has the user's NODE_OPTIONS back, which the editor's runtime was started without (a build needing --openssl-legacy-provider)", SAFETY_NET, async () => {
    assert.equal(await withHearthVar(USER_NODE_OPTIONS_VARIABLE, "--openssl-legacy-provider", `echo "\${NODE_OPTIONS-unset} \${${USER_NODE_OPTIONS_VARIABLE}-unset}"`), "--openssl-legacy-provider unset\n");
  });

  it("does not hold $HEARTH_API_KEY (hearth fix --server runs the agent in its own process, which holds the key)", SAFETY_NET, async () => {
    assert.equal(await withHearthVar("HEARTH_API_KEY", "sk-team-server", 'echo "${HEARTH_API_KEY-unset}"'), "unset\n");
  });

  it("does not hold the GitHub tokens hearth fix reads for the issue ($GH_TOKEN, $GITHUB_TOKEN and the Enterprise ones): an injected issue's command could print them", SAFETY_NET, async () => {
    // The names hearth fix reads (cli/issue-url.ts), from the one list both use: one added there is withheld here too.
    assert.deepEqual([...GITHUB_TOKEN_VARIABLES, ...ENTERPRISE_TOKEN_VARIABLES], ["GH_TOKEN", "GITHUB_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]);
    for (const name of [...GITHUB_TOKEN_VARIABLES, ...ENTERPRISE_TOKEN_VARIABLES]) {
      assert.equal(await withHearthVar(name, "ghp_secret", `echo "\${${name}-unset}"`), "unset\n", name);
    }
  });

  it("keeps other credentials the user started Hearth with (a project's tests may need its cloud's)", SAFETY_NET, async () => {
    assert.equal(await withHearthVar("AWS_PROFILE", "tests", 'echo "${AWS_PROFILE-unset}"'), "tests\n");
  });

  it("starts no editor (git commit without -m waited for vim or `code --wait` until the time limit): git and $EDITOR users fail at once, saying why", SAFETY_NET, async () => {
    const dir = tempDir();
    const git = (args: string) => execSync(`git ${args}`, { cwd: dir, stdio: "ignore" });
    git("init -q");
    // The user's editor, as their git config or shell profile gives it (a real one waits for a person).
    git("config core.editor 'touch editor-was-started'");
    const before = process.env.EDITOR;
    process.env.EDITOR = "touch editor-was-started";
    try {
      const outcome = await runShell('git -c user.name=a -c user.email=a@b commit -q --allow-empty; eval "$EDITOR" notes.txt', dir, 60_000, new AbortController().signal);
      assert.equal(outcome.timedOut, false);
      assert.equal(existsSync(join(dir, "editor-was-started")), false, "no editor was started");
      assert.match(outcome.output, /no editor[^]*-m/);
      assert.notEqual(outcome.exitCode, 0);
    } finally {
      if (before === undefined) delete process.env.EDITOR;
      else process.env.EDITOR = before;
    }
  });

  it("starts no rebase todo editor either (sequence.editor, which git rebase -i runs before core.editor: interactive-rebase-tool, `code --wait`): fails at once, saying how to edit the list without one", SAFETY_NET, async () => {
    const dir = tempDir();
    const git = (args: string) => execSync(`git -c user.name=a -c user.email=a@b ${args}`, { cwd: dir, stdio: "ignore" });
    git("init -q");
    git("commit -q --allow-empty -m one");
    git("commit -q --allow-empty -m two");
    git("config sequence.editor 'touch sequence-editor-was-started'");
    const outcome = await runShell("git rebase -i HEAD~1", dir, 60_000, new AbortController().signal);
    assert.equal(outcome.timedOut, false);
    assert.equal(existsSync(join(dir, "sequence-editor-was-started")), false, "no editor was started");
    assert.match(outcome.output, /no editor[^]*GIT_SEQUENCE_EDITOR/);
    assert.notEqual(outcome.exitCode, 0);
  });

  it("asks for no password (git push, fetch of a private remote): the user's or VS Code's terminal askpass is not started — a dialog waited for a person until the time limit — and git fails at once, saying so", SAFETY_NET, async (t) => {
    const dir = tempDir();
    // A remote that wants a password, as a private repository's https URL does.
    const server = createServer((_request, response) => response.writeHead(401, { "WWW-Authenticate": 'Basic realm="private"', "Content-Length": "0" }).end());
    await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
    t.after(() => server.close());
    const { port } = server.address() as { port: number };
    // The askpass programs a desktop or VS Code's integrated terminal sets (a real one opens a dialog and waits).
    const askpass = join(dir, "askpass.sh");
    writeFileSync(askpass, `#!/bin/sh\ntouch '${join(dir, "askpass-was-started")}'\nexit 1\n`);
    chmodSync(askpass, 0o755);
    const vars = { HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_ASKPASS: askpass, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0", VSCODE_GIT_IPC_HANDLE: join(dir, "vscode-git.sock"), VSCODE_GIT_ASKPASS_MAIN: join(dir, "askpass-main.js") };
    const before = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    Object.assign(process.env, vars);
    try {
      const outcome = await runShell(`git ls-remote http://127.0.0.1:${port}/private.git; echo "\${SSH_ASKPASS-unset} \${SSH_ASKPASS_REQUIRE} \${VSCODE_GIT_IPC_HANDLE-unset} \${VSCODE_GIT_ASKPASS_MAIN-unset}"`, dir, 60_000, new AbortController().signal);
      assert.equal(outcome.timedOut, false);
      assert.equal(existsSync(join(dir, "askpass-was-started")), false, "no askpass was started");
      assert.match(outcome.output, /could not read Username for 'http:\/\/127\.0\.0\.1:\d+': terminal prompts disabled/);
      // ssh (a git@ remote) asks no passphrase or host key question through a dialog either.
      assert.match(outcome.output, /^unset never unset unset$/m);
    } finally {
      for (const [name, value] of Object.entries(before)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("draws no passphrase prompt on the user's terminal: GPG_TTY (exported by the user's shell, as GnuPG asks) is not passed on, so a signed git commit fails at once instead of pinentry-curses taking over hearth's terminal until the time limit", { ...SAFETY_NET, skip: noGpgPrompt() }, async (t) => {
    const dir = tempDir();
    const { gnupg, ctx } = signingRepository(dir, t);
    // The user's terminal: a pseudo-terminal whose name the command's environment holds as GPG_TTY.
    const terminal = spawn("python3", ["-c", PTY_RELAY], { stdio: ["pipe", "pipe", "inherit"] });
    t.after(() => terminal.kill("SIGKILL"));
    const [name, drawn] = await new Promise<[string, Promise<void>]>((named) => {
      let before = "";
      let drew: () => void = () => undefined;
      const onScreen = new Promise<void>((resolve) => (drew = resolve));
      terminal.stdout.on("data", (data: Buffer) => {
        if (before.includes("\n")) return drew();
        before += data.toString();
        const end = before.indexOf("\n");
        if (end >= 0) named([before.slice(0, end), onScreen]);
        if (end >= 0 && end < before.length - 1) drew();
      });
    });
    const vars = { GNUPGHOME: gnupg, GPG_TTY: name, HOME: dir, GIT_CONFIG_NOSYSTEM: "1" };
    const before = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
    Object.assign(process.env, vars);
    try {
      // The time limit is reached when something is drawn on that terminal (pinentry's dialog, which waits for keys).
      const r = await runTool(runCommandTool, { command: "git commit -q --allow-empty -m change; rc=$?; echo \"rc=$rc GPG_TTY=${GPG_TTY-unset}\"; exit $rc" }, { ...ctx, timeLimit: () => drawn });
      assert.equal(r.ok, true, `a prompt was drawn on the user's terminal: ${r.text}`);
      assert.match(r.text, /^rc=128 GPG_TTY=unset$/m);
      // Said why, and not to sign no more: git's own words name no cause.
      assert.match(r.text, /gpg failed to sign the data[^]*no terminal, so gpg cannot ask for a signing key's passphrase[^]*Do not turn signing off/);
    } finally {
      for (const [key, value] of Object.entries(before)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("says why a signed commit failed when git speaks the user's language: git's 'gpg failed to sign the data' is 'Fehler: gpg beim Signieren der Daten fehlgeschlagen' in German, 'erreur : gpg n'a pas pu signer les données' in French, '错误：gpg 无法为数据签名' in Chinese", { ...SAFETY_NET, skip: noGpgPrompt() }, async (t) => {
    const dir = tempDir();
    // git's messages follow LANGUAGE unless the locale is C; C.UTF-8 is not C and is in every glibc.
    const german = spawnSync("git", ["rev-parse"], { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_CEILING_DIRECTORIES: dir, LC_ALL: "C.UTF-8", LANGUAGE: "de" } });
    if (!/Kein Git-Repository/.test(german.stderr)) return t.skip(`git has no German messages here: ${german.stderr.trim()}`);
    const { gnupg, ctx } = signingRepository(dir, t);
    const vars = { GNUPGHOME: gnupg, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C.UTF-8" };
    const before = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
    Object.assign(process.env, vars);
    try {
      for (const [language, words] of [["de", /^Fehler: gpg beim Signieren der Daten fehlgeschlagen$/m], ["fr", /^erreur : gpg n'a pas pu signer les données$/m], ["zh_CN", /^错误：gpg 无法为数据签名$/m]] as const) {
        const r = await runTool(runCommandTool, { command: `LANGUAGE=${language} git commit -q --allow-empty -m change` }, ctx);
        assert.match(r.text, /\[exit code 128,/);
        // Where the catalogue is installed (git's own messages come in one package) git said it in that language.
        if (language === "de") assert.match(r.text, words);
        assert.match(r.text, /no terminal, so gpg cannot ask for a signing key's passphrase[^]*Do not turn signing off/, `${language}: ${r.text}`);
      }
      // A failure that is not gpg's names no gpg: no note.
      const other = await runTool(runCommandTool, { command: "LANGUAGE=de git commit -q -m nothing" }, ctx);
      assert.doesNotMatch(other.text, /gpg cannot ask/);
    } finally {
      for (const [key, value] of Object.entries(before)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("gives the gpg note only where a command failed with git's own line, not for grep's output over files that mention gpg ('./release.sh:gpg --armor …', 'release.sh:gpg …', 'sign: gpg --detach-sign …'), exit 0 or not", SAFETY_NET, async () => {
    const { root, ctx } = workspaceWith({
      "release.sh": "#!/bin/sh\ngpg --armor --detach-sign dist.tar.gz\n",
      "ci.yml": "sign: gpg --detach-sign dist.tar.gz\n",
      "docs/signing.md": "# Signed commits\n\nWhere git says\n\n```\nerror: gpg failed to sign the data\n```\n\nunlock the key first. On a new machine you may see\n\n```\nhint: gpg is not installed\n```\n",
    });
    const note = /gpg could not sign the commit/;
    for (const [command, exit, shown] of [
      ["grep -r gpg .", 0, "./release.sh:gpg --armor"],
      ["grep -r gpg", 0, "release.sh:gpg --armor"],
      ["grep -h gpg ci.yml", 0, "sign: gpg --detach-sign"],
      // A project's own text quoting git's line, found: the command did not fail.
      ["grep -h 'gpg failed' docs/signing.md", 0, "\nerror: gpg failed to sign the data\n"],
      ["grep -h '^hint' docs/signing.md", 0, "\nhint: gpg is not installed\n"],
      // The same output from a command that failed after it (no signature there yet): a path, or a command line, is not git's line.
      ["grep -r gpg . && test -f dist.tar.gz.asc", 1, "./release.sh:gpg --armor"],
      ["grep -r gpg && test -f dist.tar.gz.asc", 1, "release.sh:gpg --armor"],
      ["grep -h gpg ci.yml && test -f dist.tar.gz.asc", 1, "sign: gpg --detach-sign"],
    ] as const) {
      const r = await runTool(runCommandTool, { command }, ctx);
      assert.match(r.text, new RegExp(`\\[exit code ${exit},`), r.text);
      assert.ok(r.text.includes(shown), r.text);
      assert.doesNotMatch(r.text, note, `${command}: ${r.text}`);
    }
    // git's own line, from a real commit whose signing program fails (no gpg needed), still gets it.
    execSync(`git init -q '${root}' && cd '${root}' && git config user.name u && git config user.email u@example.com`);
    const signed = await runTool(runCommandTool, { command: "git -c gpg.format=openpgp -c gpg.program=false commit -q --allow-empty -S -m release" }, ctx);
    assert.match(signed.text, /\[exit code 128,[^]*^error: gpg failed to sign the data$[^]*no terminal, so gpg cannot ask/m, signed.text);
  });

  it("runs git on the repository of the folder it runs in, not one GIT_DIR / GIT_WORK_TREE / GIT_INDEX_FILE name (hearth fix from a git hook, a dotfiles setup's exported GIT_DIR), as Hearth's own git does", SAFETY_NET, async () => {
    const git = (dir: string, args: string) => execSync(`git -c user.name=a -c user.email=a@b ${args}`, { cwd: dir, encoding: "utf8", env: { ...process.env, GIT_DIR: undefined, GIT_WORK_TREE: undefined, GIT_INDEX_FILE: undefined } });
    // The repository the variables name: the one whose hook runs hearth, or ~/.dotfiles.
    const named = tempDir();
    git(named, "init -q");
    writeFileSync(join(named, "other.py"), "x = 1\n");
    git(named, "add other.py");
    git(named, "commit -q -m other");
    const workspace = tempDir();
    git(workspace, "init -q");
    writeFileSync(join(workspace, "calc.py"), "def add(a, b):\n    return a - b\n");
    git(workspace, "add calc.py");
    git(workspace, "commit -q -m calc");
    writeFileSync(join(workspace, "calc.py"), "def add(a, b):\n    return a + b\n");
    const before = { dir: process.env.GIT_DIR, tree: process.env.GIT_WORK_TREE, index: process.env.GIT_INDEX_FILE };
    Object.assign(process.env, { GIT_DIR: join(named, ".git"), GIT_WORK_TREE: named, GIT_INDEX_FILE: join(named, ".git", "index") });
    try {
      const outcome = await runShell("git rev-parse --show-toplevel && git status --porcelain && git add calc.py", workspace, 60_000, new AbortController().signal);
      assert.equal(outcome.output, `${realpathSync(workspace)}\n M calc.py\n`);
      assert.equal(outcome.exitCode, 0);
    } finally {
      for (const [name, value] of [["GIT_DIR", before.dir], ["GIT_WORK_TREE", before.tree], ["GIT_INDEX_FILE", before.index]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    // The agent's git add went to the workspace's index; the named repository's is as it was.
    assert.equal(git(workspace, "diff --cached --name-only"), "calc.py\n");
    assert.equal(git(named, "status --porcelain"), "");
  });

  it("does not hold an exported CDPATH: the model's `cd build` left the workspace for a folder of that name elsewhere, and a script's $(cd src && pwd) got the folder twice", SAFETY_NET, async () => {
    const workspace = tempDir();
    mkdirSync(join(workspace, "src"));
    // CDPATH=.:~/projects, exported from the user's shell profile: ~/projects has a build/, the workspace none.
    const projects = tempDir();
    mkdirSync(join(projects, "build"));
    const before = process.env.CDPATH;
    process.env.CDPATH = `.:${projects}`;
    let outcome;
    try {
      outcome = await runShell('echo "dir=$(cd src && pwd)"; cd build && pwd', workspace, 60_000, new AbortController().signal);
    } finally {
      if (before === undefined) delete process.env.CDPATH;
      else process.env.CDPATH = before;
    }
    const [first, second] = outcome.output.split("\n");
    assert.equal(first, `dir=${realpathSync(join(workspace, "src"))}`);
    // The shell's own line on the cd it could not do, not the folder a second time.
    assert.match(second ?? "", /cd/);
    assert.equal(outcome.output.includes(projects), false, `the cd stayed in the workspace: ${outcome.output}`);
    assert.notEqual(outcome.exitCode, 0);
  });

  it("does not hold the runtime's ELECTRON_RUN_AS_NODE (a project's `electron .` or VS Code extension tests would start Electron as plain Node)", SAFETY_NET, async () => {
    assert.equal(await withHearthVar("ELECTRON_RUN_AS_NODE", "1", 'echo "${ELECTRON_RUN_AS_NODE-unset}"'), "unset\n");
  });
});

describe("OutputCollector", () => {
  it("keeps every character intact wherever the chunks split the bytes", () => {
    const bytes = Buffer.from("a€b😀c\n", "utf8");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const collector = new OutputCollector(1000);
      collector.push("stdout", bytes.subarray(0, cut));
      collector.push("stdout", bytes.subarray(cut));
      assert.equal(collector.end().text, "a€b😀c\n", `cut at byte ${cut}`);
    }
  });

  it("keeps head and tail of a long stream in bounded memory without splitting a character", () => {
    const collector = new OutputCollector(100);
    collector.push("stdout", Buffer.from("HEAD\n"));
    for (let i = 0; i < 10_000; i++) collector.push("stdout", Buffer.from("😀".repeat(50)));
    collector.push("stdout", Buffer.from("\nTAIL\n"));
    assert.ok(collector.heldChars() <= 100);
    const { text, omitted } = collector.end();
    assert.ok(text.startsWith("HEAD\n"));
    assert.ok(text.endsWith("\nTAIL\n"));
    const kept = text.replace(/\n\[… \d+ characters omitted …\]\n/, "");
    assert.equal(omitted + kept.length, 5 + 10_000 * 100 + 6, "every character is either kept or counted as omitted");
    assert.ok(kept.length <= 100);
    assert.doesNotMatch(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""), /[\uD800-\uDFFF]/, "no lone surrogate halves");
  });
});

describe("OutputCollector keeps a test summary from the cut middle", () => {
  it("shows the summary lines whole, where they were, however the output was split", () => {
    const details = Array.from({ length: 50 }, (_, i) => `  ${i + 1}) suite test ${i + 1}: AssertionError: expected ${i} to equal -1\n`).join("");
    const long = `  9 passing ${"y".repeat(400)}\n`;
    const output = `${"x".repeat(150)}\n  3 passing (1ms)\r\n  2 failing\n${long}${details}end\n`;
    for (let size = 1; size <= 13; size++) {
      const collector = new OutputCollector(200, LEADING_SUMMARY);
      for (let at = 0; at < output.length; at += size) collector.push("stdout", Buffer.from(output.slice(at, at + size)));
      const { text } = collector.end();
      assert.match(text, /characters omitted; the test summary lines among them: …\]\n {2}3 passing \(1ms\)\n {2}2 failing\n\[…\]\n/, `pieces of ${size}`);
      assert.deepEqual(countTests(text), { passed: 3, failed: 2, skipped: 0 }, `pieces of ${size}`);
    }
  });
});

describe("run_command", () => {
  it("tells the model which background processes are still running when the command ends", SAFETY_NET, async (t) => {
    const { root, ctx } = workspaceWith();
    killLeftovers(t, root);
    const r = await runTool(runCommandTool, { command: "setsid sleep 1000 & echo $! > pids; echo started" }, ctx);
    const [sleeper] = pidsIn(root);
    assert.equal(r.ok, true, r.text);
    assert.ok(sleeper !== undefined && alive(sleeper));
    assert.match(r.text, new RegExp(`started\\n[^]*still running[^]*\\b${sleeper}\\b`));
  });

  it("a timeout is a timeout error with the output so far, and its processes are gone", SAFETY_NET, async (t) => {
    const { root, ctx } = workspaceWith();
    killLeftovers(t, root);
    const r = await runTool(runCommandTool, { command: "(sleep 1000; touch child-survived) & echo $! > pids; echo started; touch printed; sleep 1000", timeout_seconds: 1 }, { ...ctx, timeLimit: limitAtFile(root) });
    assert.equal(!r.ok && r.code, "timeout");
    assert.match(r.text, /ran past 1 s[^]*started/);
    assert.deepEqual(pidsIn(root).filter(alive), []);
  });

  it("a command that never ends (a dev server, a watch mode) is told as such at its time limit, with what to run instead: not only 'ran past', which a model answers with a longer timeout_seconds", SAFETY_NET, async (t) => {
    const { root, ctx } = workspaceWith();
    killLeftovers(t, root);
    const r = await runTool(runCommandTool, { command: "echo $$ > pids; echo 'Local: http://localhost:3000/'; touch printed; exec sleep 1000", timeout_seconds: 1 }, { ...ctx, timeLimit: limitAtFile(root) });
    assert.equal(!r.ok && r.code, "timeout");
    assert.match(r.text, /Local: http:\/\/localhost:3000\/\n/);
    assert.match(r.text, /does not end by itself[^]*server[^]*watch[^]*> \S+\.log 2>&1 &[^]*larger timeout_seconds/);
    assert.deepEqual(pidsIn(root).filter(alive), []);
  });

  it("vim opened by a command (vi FILE, vimdiff a b) is told at its time limit as an editor waiting for keys, with how to edit instead — not as a server to start in the background", SAFETY_NET, async (t) => {
    const { root, ctx } = workspaceWith();
    killLeftovers(t, root);
    // Vim without a terminal, stdin /dev/null: it warns so on stderr, draws its screen and waits for keys, for ever.
    // Where no vim is installed, a stand-in prints what vim 9 prints there.
    const vim = spawnSync("vim", ["--version"]).status === 0
      ? `echo $$ > pids; exec vim -c 'call writefile([], "printed")' notes.txt`
      : `echo $$ > pids; printf 'Vim: Warning: Output is not to a terminal\\nVim: Warning: Input is not from a terminal\\n"notes.txt" [New]~'; touch printed; exec sleep 1000`;
    // The limit is reached once vim has warned and started (its -c command runs after the warnings), not after 1 s.
    const r = await runTool(runCommandTool, { command: vim, timeout_seconds: 1 }, { ...ctx, timeLimit: limitAtFile(root) });
    assert.equal(!r.ok && r.code, "timeout", r.text);
    assert.match(r.text, /Input is not from a terminal/);
    assert.match(r.text, /\[vim, a text editor, waited for keys[^]*no terminal[^]*edit_file[^]*sed -i[^]*vim -es[^]*\]/);
    assert.doesNotMatch(r.text, /in the background/);
    assert.deepEqual(pidsIn(root).filter(alive), []);
  });

  it("vim speaking the user's language ('Vim: Achtung: Die Eingabe kommt nicht von einem Terminal', French 'Vim : Alerte : …') is told as an editor waiting for keys too", SAFETY_NET, async (t) => {
    const { root, ctx } = workspaceWith();
    killLeftovers(t, root);
    // vim's words follow LANGUAGE unless the locale is C; C.UTF-8 is not C and is in every glibc.
    // Where no vim with German messages is installed, a stand-in prints what vim 9 prints there.
    const german = spawnSync("vim", ["--version"], { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8", LANGUAGE: "de" } });
    const vim = /kompiliert am/.test(german.stdout ?? "")
      ? `echo $$ > pids; LC_ALL=C.UTF-8 LANGUAGE=de exec vim -c 'call writefile([], "printed")' notes.txt`
      : `echo $$ > pids; printf 'Vim: Achtung: Die Ausgabe erfolgt nicht auf einem Terminal\\nVim: Achtung: Die Eingabe kommt nicht von einem Terminal\\n'; touch printed; exec sleep 1000`;
    const r = await runTool(runCommandTool, { command: vim, timeout_seconds: 1 }, { ...ctx, timeLimit: limitAtFile(root) });
    assert.equal(!r.ok && r.code, "timeout", r.text);
    assert.match(r.text, /Vim: Achtung: Die Eingabe kommt nicht von einem Terminal/);
    assert.match(r.text, /\[vim, a text editor, waited for keys[^]*no terminal[^]*edit_file[^]*\]/);
    assert.doesNotMatch(r.text, /in the background/);
    assert.deepEqual(pidsIn(root).filter(alive), []);
    // French puts a space before its colons.
    const french = await runTool(runCommandTool, { command: `printf "Vim : Alerte : La sortie ne s'effectue pas sur un terminal\\nVim : Alerte : L'entrée ne se fait pas sur un terminal\\n"; touch printed-fr; exec sleep 1000`, timeout_seconds: 1 }, { ...ctx, timeLimit: limitAtFile(root, "printed-fr") });
    assert.match(french.text, /\[vim, a text editor, waited for keys/, french.text);
  });

  it("a command that stopped at a prompt (npm init's 'package name:', a [Y/n] question) is said to have waited for input, with what to do instead; a failure ending in a full line is not", SAFETY_NET, async () => {
    const { ctx } = workspaceWith();
    for (const prompt of ["package name: (demo) ", "Continue? [Y/n] ", "Ok to proceed? (y) "]) {
      const r = await runTool(runCommandTool, { command: `printf '%s\\n' 'This utility will walk you through it.'; printf '%s' '${prompt}'; read answer || exit 1` }, ctx);
      assert.equal(r.ok, true, r.text);
      assert.match(r.text, /exit code 1/);
      assert.match(r.text, new RegExp(`${prompt.replace(/[?()[\]]/g, "\\$&")}\\n\\[it stopped at a question waiting for an answer[^]*-y[^]*\\]`), prompt);
    }
    const failed = await runTool(runCommandTool, { command: "echo 'error: no such file: a.txt' >&2; exit 1" }, ctx);
    assert.doesNotMatch(failed.text, /waiting for an answer/);
    const ended = await runTool(runCommandTool, { command: "printf 'done: '; exit 0" }, ctx);
    assert.doesNotMatch(ended.text, /waiting for an answer/);
  });

  it("a failure whose output merely ends without a newline (an HTML error body, 'Error: … (see log)', 'FAILED (failures=1)') is not said to have waited at a question; a password or REPL prompt is", SAFETY_NET, async () => {
    const { ctx } = workspaceWith();
    // curl --fail-with-body prints the server's page, often without a last newline, and exits 22.
    for (const end of ["<html><body><h1>502 Bad Gateway</h1></body></html>", "Error: build failed (see build.log)", "FAILED (failures=1)", "error: is the server running?", "expected '>'"]) {
      const r = await runTool(runCommandTool, { command: `printf '%s' "${end}"; exit 22` }, ctx);
      assert.match(r.text, /exit code 22/);
      assert.doesNotMatch(r.text, /waiting for an answer/, end);
    }
    for (const prompt of ["Password: ", "[sudo] password for me: ", "Username for 'https://example.com': ", ">>> ", "> ", "mysql> ", "Proceed (Y/n)? ", "Continue [y/N]"]) {
      const r = await runTool(runCommandTool, { command: `printf '%s' "${prompt}"; exit 1` }, ctx);
      assert.match(r.text, /waiting for an answer/, prompt);
    }
  });

  it("a command too long for the system to start (a file's content in a heredoc) says so and what to do, not 'the tool failed unexpectedly'", SAFETY_NET, async () => {
    const { ctx } = workspaceWith();
    const r = await runTool(runCommandTool, { command: `cat > big.txt <<'EOF'\n${"x".repeat(200_000)}\nEOF` }, ctx);
    assert.equal(!r.ok && r.code, "too-large", r.text);
    assert.match(r.text, /200,0\d\d bytes[^]*write_file/);
    assert.ok(r.text.length < 1000, "the message does not repeat the command");
  });

  it("an environment variable too large to pass on is named (E2BIG), not 'the tool failed unexpectedly'", SAFETY_NET, async () => {
    const { ctx } = workspaceWith();
    process.env.HEARTH_TEST_HUGE = "x".repeat(200_000);
    try {
      const r = await runTool(runCommandTool, { command: "echo hi" }, ctx);
      assert.equal(!r.ok && r.code, "too-large", r.text);
      assert.match(r.text, /HEARTH_TEST_HUGE[^]*200,0\d\d bytes/);
    } finally {
      delete process.env.HEARTH_TEST_HUGE;
    }
  });

  it("a command holding a NUL character is refused as such, not 'the tool failed unexpectedly'", SAFETY_NET, async () => {
    const { ctx } = workspaceWith();
    const r = await runTool(runCommandTool, { command: "printf 'a\u0000b' > out" }, ctx);
    assert.equal(!r.ok && r.code, "invalid-input", r.text);
    assert.match(r.text, /NUL/);
  });

  it("Stop is a cancelled error, and its processes are gone", SAFETY_NET, async (t) => {
    const { root, ctx, controller } = workspaceWith();
    killLeftovers(t, root);
    void pidsWritten(root, 1).then(() => controller.abort());
    const r = await runTool(runCommandTool, { command: "sleep 1000 & echo $! > pids; wait" }, ctx);
    assert.equal(!r.ok && r.code, "cancelled");
    assert.deepEqual(pidsIn(root).filter(alive), []);
  });
});

describe("terminal control sequences in the output", () => {
  const ESC = "\x1b";
  /** What a coloured, progress-drawing run prints (pytest --color=yes, npm, a linter with links). */
  const coloured = [
    `${ESC}[1m${ESC}[31mFAILED${ESC}[0m test_a.py::test_x - ${ESC}[1;31massert 1 == 2${ESC}[39;49;00m\n`,
    `see ${ESC}]8;;https://example.com/rule${ESC}\\no-unused-vars${ESC}]8;;${ESC}\\ and ${ESC}]0;title\x07done\n`,
    `${ESC}[?25lDownloading  10%\rDownloading  55%\rDownloading 100%${ESC}[?25h\n`,
    `spinner |\b/\b-\bok\n`,
    `long line that is cleared\r${ESC}[2Kshort\n`,
    `windows line\r\n`,
    `${ESC}(Bcharset${ESC}7 saved${ESC}8\n`,
  ].join("");
  const plain = "FAILED test_a.py::test_x - assert 1 == 2\nsee no-unused-vars and done\nDownloading 100%\nspinner ok\nshort\nwindows line\r\ncharset saved\n";

  it("are removed from what the model reads, the text kept, and said once", SAFETY_NET, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "out.txt"), coloured);
    const outcome = await runShell("cat out.txt; cat out.txt >&2", dir, 60_000, new AbortController().signal);
    assert.doesNotMatch(outcome.output, /\x1b|\x07|\x08/);
    const [text, ...notes] = outcome.output.split(/\n(?=\[)/);
    assert.equal(`${text}\n`, plain + plain);
    assert.equal(notes.length, 1, outcome.output);
    assert.match(notes[0] ?? "", /^\[[^\n]*control[^\n]*removed[^\n]*\]\n$/);
  });

  it("are removed wherever the chunks split them", () => {
    for (let size = 1; size <= 9; size++) {
      const collector = new OutputCollector(10_000);
      for (let at = 0; at < coloured.length; at += size) collector.push("stdout", Buffer.from(coloured.slice(at, at + size)));
      assert.equal(collector.end().text.split(/\n(?=\[)/)[0] + "\n", plain, `pieces of ${size}`);
    }
  });

  it("plain output is left as it is, with no note", () => {
    const collector = new OutputCollector(10_000);
    collector.push("stdout", Buffer.from("a\tb\r\nc [not a sequence] ~\n"));
    assert.equal(collector.end().text, "a\tb\r\nc [not a sequence] ~\n");
  });

  it("a hostile run of ESC [ with no final byte, or an endless parameter, costs linear time and loses no text", () => {
    const collector = new OutputCollector(1_000_000);
    collector.push("stdout", Buffer.from(`${`${ESC}[`.repeat(200_000)}0\n`));
    collector.push("stdout", Buffer.from(`${ESC}[${"9;".repeat(200_000)}\nafter\n`));
    collector.push("stdout", Buffer.from(`${ESC}]8;;${"x".repeat(200_000)}\nlast\n`));
    const { text } = collector.end();
    assert.doesNotMatch(text, /\x1b/);
    assert.match(text, /^\[*0\n\[(?:9;){200000}\nafter\n\]8;;x{200000}\nlast\n/);
  });
});

describe("terminal redraws with two streams and long lines", () => {
  it("keeps the order of stdout's and stderr's lines as they ended, and a redraw over a very long line starts a line of its own", () => {
    const collector = new OutputCollector(100_000);
    collector.push("stdout", Buffer.from(" 10%\r"));
    collector.push("stderr", Buffer.from("warning\n"));
    collector.push("stdout", Buffer.from(" 55%\r100%\n"));
    collector.push("stdout", Buffer.from(`${"x".repeat(20_000)}\rdone\n`));
    const [text] = collector.end().text.split(/\n(?=\[)/);
    assert.equal(`${text}\n`, `warning\n100%\n${"x".repeat(20_000)}\ndone\n`);
  });

  it("a very long line written over a short one is passed on too: a redraw of it starts a line of its own, none is written into it", () => {
    const collector = new OutputCollector(100_000);
    collector.push("stdout", Buffer.from(`a\r${"x".repeat(20_000)}\rdone\n`));
    const [text] = collector.end().text.split(/\n(?=\[)/);
    assert.equal(`${text}\n`, `${"x".repeat(20_000)}\ndone\n`);
  });
});

describe("terminal redraws over characters outside the BMP (emoji)", () => {
  it("never leave half of a surrogate pair: a shorter redraw, a backspace or a cursor column that lands in an emoji", () => {
    // The redraws come in reads of their own: the line stands half written over an emoji between them.
    const cases: Array<[string[], string]> = [
      [["a🚀 resolving\r", "xy", " resolved!!!\n"], "xy resolved!!!\n"],
      [["ab🚀\r", "xyz", "!\n"], "xyz!\n"],
      [["🌍\b-\n"], "-\n"],
      [["ab🚀cd\x1b[4GX\n"], "abXcd\n"],
      [["ab🚀cd\x1b[4G\x1b[K\n"], "ab\n"],
    ];
    for (const [reads, shown] of cases) {
      const collector = new OutputCollector(10_000);
      for (const read of reads) collector.push("stdout", Buffer.from(read));
      const [text] = collector.end().text.split(/\n(?=\[)/);
      assert.equal(`${text}\n`, shown, JSON.stringify(reads));
    }
  });
});

describe("OutputCollector keeps the first failures' details from the cut middle (pytest)", () => {
  const failure = (i: number, body = `    def test_${i}():\n>       assert ${i} == -1\nE       assert ${i} == -1\n\ntest_a.py:${i}: AssertionError\n`) =>
    `${"_".repeat(20)} test_${i} ${"_".repeat(20)}\n\n${body}`;
  const progress = Array.from({ length: 40 }, (_, i) => `test_a.py::test_${i} FAILED [${i}%]\n`).join("");
  const long = `${"    frame line\n".repeat(300)}E       assert 2 == -1\n\ntest_a.py:2: AssertionError\n`;
  const list = [0, 1, 2, 3, 4].map((i) => failure(i, i === 2 ? long : undefined)).join("");
  const summary = Array.from({ length: 40 }, (_, i) => `FAILED test_a.py::test_${i} - assert ${i} == -1\n`).join("");
  const output = `${progress}\n${"=".repeat(10)} FAILURES ${"=".repeat(10)}\n${list}${"=".repeat(10)} short test summary info ${"=".repeat(10)}\n${summary}${"=".repeat(5)} 40 failed in 1.00s ${"=".repeat(5)}\n`;

  it("shows the first three sections whole or by their end, however the output was split, and keeps the tail's counts", () => {
    for (const size of [1, 2, 3, 7, 13, 4096]) {
      const collector = new OutputCollector(1200, undefined, FAILURE_SECTIONS);
      for (let at = 0; at < output.length; at += size) collector.push("stdout", Buffer.from(output.slice(at, at + size)));
      const { text } = collector.end();
      const details = text.slice(text.indexOf("first failures' details among them: …]\n"), text.indexOf("[…]\n"));
      for (const i of [0, 1]) assert.ok(details.includes(failure(i)), `failure ${i}, pieces of ${size}:\n${text}`);
      assert.match(details, /_ test_2 _+\n\[… \d+ characters of this failure omitted …\]\n( {4}frame line\n)+E {7}assert 2 == -1\n\ntest_a\.py:2: AssertionError\n$/, `pieces of ${size}`);
      assert.doesNotMatch(details, /test_3 _/);
      assert.match(text, /=+ 40 failed in 1\.00s =+\n$/);
    }
  });

  it("gives up only as much of the tail as the details take, though the tail starts with a very long line (pytest -vv's assertion of a long value)", () => {
    const frames = (i: number) => `${"_".repeat(20)} test_${i} ${"_".repeat(20)}\n\n${"    frame\n".repeat(100)}E   assert ${i} == -1\n`;
    const last = `${"_".repeat(20)} test_long ${"_".repeat(20)}\nE   assert '${"x".repeat(14_000)}' == ''\n`;
    const output = `${"test_a.py::t PASSED\n".repeat(1000)}${"=".repeat(10)} FAILURES ${"=".repeat(10)}\n${[0, 1, 2, 3, 4].map(frames).join("")}${last}${"=".repeat(5)} 6 failed in 1.00s ${"=".repeat(5)}\n`;
    const collector = new OutputCollector(24_000, undefined, FAILURE_SECTIONS);
    collector.push("stdout", Buffer.from(output));
    const { text } = collector.end();
    assert.match(text, /first failures' details among them/);
    const tail = text.slice(text.lastIndexOf("[…]\n") + 4);
    assert.ok(tail.length >= 24_000 / 4, `the tail kept ${tail.length} characters`);
    assert.match(tail, /x' == ''\n=+ 6 failed in 1\.00s =+\n$/);
  });

  it("adds nothing when the details are not cut, or are in the head", () => {
    const whole = new OutputCollector(100_000, undefined, FAILURE_SECTIONS);
    whole.push("stdout", Buffer.from(output));
    assert.equal(whole.end().text, output);
    const headFirst = new OutputCollector(2 * (output.indexOf("test_a.py:1: AssertionError") + 30), undefined, FAILURE_SECTIONS);
    headFirst.push("stdout", Buffer.from(`${output}${"x".repeat(50_000)}\n`));
    const { text } = headFirst.end();
    assert.match(text, /characters omitted; the first failures' details among them: …\]\n_+ test_2 _+\n/, "test_0 and test_1 are in the head, test_2 is added");
  });
});

describe("output in UTF-16 (a Windows tool, a file PowerShell wrote)", () => {
  it("is decoded as UTF-16, with or without a BOM, and said so, instead of letters between NULs", SAFETY_NET, async () => {
    const dir = tempDir();
    const text = "Name  größe €\r\nnotes 😀\r\n";
    writeFileSync(join(dir, "le-bom.txt"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    writeFileSync(join(dir, "le.txt"), Buffer.from(text, "utf16le"));
    writeFileSync(join(dir, "be-bom.txt"), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]));
    for (const file of ["le-bom.txt", "le.txt", "be-bom.txt"]) {
      const outcome = await runShell(`cat ${file}; echo done >&2`, dir, 60_000, new AbortController().signal);
      assert.doesNotMatch(outcome.output, /\0|\uFFFD/, file);
      assert.match(outcome.output, /^Name {2}größe €\r\nnotes 😀\r\ndone\n\[[^\n]*UTF-16[^\n]*\]\n$/, file);
    }
  });

  it("is not taken for a NUL-separated list of short names (ls | tr '\\n' '\\0', git ls-files -z): NULs kept, no CJK, no note", SAFETY_NET, async () => {
    const dir = tempDir();
    const names = ["README.md", ..."abcdefghijklmnopqrstuvwxyz", "src"];
    for (const name of names) writeFileSync(join(dir, name), "");
    const outcome = await runShell("LC_ALL=C ls -1 | tr '\\n' '\\0'", dir, 60_000, new AbortController().signal);
    assert.equal(outcome.output, `${names.sort().join("\0")}\0`);
  });

  it("is decoded as UTF-16 when its first read holds a word only (a Windows tool writing a word at a time), and a NUL-separated list read in pieces still is not", () => {
    const split = new OutputCollector(10_000);
    for (const part of ["Progress", ": 50%\r\n", "Done\r\n"]) split.push("stdout", Buffer.from(part, "utf16le"));
    assert.match(split.end().text, /^Progress: 50%\r\nDone\r\n\[[^\n]*UTF-16[^\n]*\]\n$/);
    const bigEndian = new OutputCollector(10_000);
    for (const part of ["Build", "ing…", " 😀\n"]) bigEndian.push("stdout", Buffer.from(part, "utf16le").swap16());
    assert.match(bigEndian.end().text, /^Building… 😀\n\[[^\n]*UTF-16[^\n]*\]\n$/);
    const list = new OutputCollector(10_000);
    for (const part of ["a\0b\0", "c\0d\0e\0f\0", "g\0"]) list.push("stdout", Buffer.from(part));
    assert.equal(list.end().text, "a\0b\0c\0d\0e\0f\0g\0");
  });
});
