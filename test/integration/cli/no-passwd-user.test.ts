// The built CLI run as a user id the system does not list — a container started with
// `docker run --user 12345`, OpenShift's random uid — with HOME unset (`env -i`, a service
// manager's bare environment): os.homedir() itself throws there (libuv's uv_os_homedir:
// ENOENT), and hearth models' usage text read the home folder when the CLI loaded, so every
// command — index, locate, --help — died on a stack trace before it began. Now a command that
// keeps files under the home folder says it has none and to set HOME; one that needs none works.
// Docker's own HOME for such a user, "/", which that user cannot write: the index runs and says
// its cache was not written. Run as root (setpriv), else skipped.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** A user id with no entry in the system's user list, or undefined where this test cannot run as one. */
function unlistedUid(): number | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0 || spawnSync("setpriv", ["--version"]).status !== 0) return undefined;
  for (let uid = 12345; uid < 12445; uid++) if (spawnSync("getent", ["passwd", String(uid)]).status === 2) return uid;
  return undefined;
}

const uid = unlistedUid();

/** `hearth ARGS` in `cwd` as `uid`, HOME as `home` (undefined: unset). */
function asUnlisted(cwd: string, args: readonly string[], home: string | undefined) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.HOME;
  delete env.HEARTH_HOME;
  delete env.XDG_CACHE_HOME;
  delete env.XDG_DATA_HOME;
  delete env.XDG_CONFIG_HOME;
  if (home !== undefined) env.HOME = home;
  return spawnSync("setpriv", ["--reuid", String(uid), "--regid", String(uid), "--clear-groups", process.execPath, CLI, ...args], { cwd, env, encoding: "utf8" });
}

const made: string[] = [];
process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A folder of one Python file that any user may read: in /tmp itself, as the test runner's temp folder is its own (0700). */
function project(): string {
  const dir = mkdtempSync("/tmp/hearth-nouser-");
  made.push(dir);
  writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a + b\n");
  chmodSync(dir, 0o755);
  chmodSync(join(dir, "calc.py"), 0o644);
  return dir;
}

describe("hearth as a user id the system does not list", { skip: uid === undefined ? "needs root, setpriv and a free user id" : false }, () => {
  it("with HOME unset, index and locate say there is no home folder and to set HOME (exit 1), with no stack trace", () => {
    const dir = project();
    for (const args of [["index"], ["locate", "add"]]) {
      const run = asUnlisted(dir, args, undefined);
      assert.equal(run.status, 1, `${run.stderr}\n${run.stdout}`);
      assert.equal(run.stderr, `hearth ${args[0]}: Hearth has no home folder to keep its files in: HOME is empty or unset and this user has none in the system's user list; set HOME to a folder this user can write\n`);
    }
  });

  it("with HOME unset, --help and hearth models --help print their help", () => {
    const dir = project();
    const help = asUnlisted(dir, ["--help"], undefined);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^ {2}models {7}list model presets/m);
    const models = asUnlisted(dir, ["models", "--help"], undefined);
    assert.equal(models.status, 0, models.stderr);
    assert.match(models.stdout, /Models are stored in HEARTH_HOME, or under the home folder, but: Hearth has no home folder .*set HOME to a folder this user can write, or HEARTH_HOME\.\n$/);
  });

  it("with docker's HOME=/, which it cannot write, index runs and says its cache was not written", () => {
    const run = asUnlisted(project(), ["index"], "/");
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Cache: +not written \(EACCES: permission denied, mkdir '\/\.cache'\): the next run parses these files again$/m);
  });
});
