// Where `hearth fix` keeps its checkout's lock: in Hearth's state folder, where a VS Code
// window's agent and every other hearth fix look, whatever --state-dir says — the lock
// belongs to the checkout. Only where that folder cannot be made does it fall back to
// --state-dir, saying so. In-process, with a scripted model.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { hearthStateDir, lockCheckout } from "../../../src/agent/checkout-lock.ts";
import { main } from "../../../src/cli/main.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { smallDisk } from "../../fixtures/small-disk.ts";

/** A checkout and a scripted model that fixes it. */
const setUp = () => calcCheckout("hearth-fix-lock-");

function fix(work: string, repo: string, model: string, stateDir: string): Promise<{ code: number; stderr: string }> {
  const io = captureIo(work);
  return main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", stateDir, "--out", join(work, "fix.diff")], io).then((code) => ({ code, stderr: io.stderr }));
}

describe("hearth fix --state-dir and the checkout's lock", () => {
  ownStateHome("hearth-fix-lock-xdg-");

  it("a run with its own --state-dir is refused while a VS Code window's agent (or a hearth fix with another state folder) works in the checkout", async () => {
    const { work, repo, model } = setUp();
    // The window's runtime holds the lock in Hearth's state folder: a live process (this test's parent) that took it now.
    lockCheckout(hearthStateDir(), repo, "runtime");
    const [name] = readdirSync(join(hearthStateDir(), "locks"));
    writeFileSync(join(hearthStateDir(), "locks", name!), JSON.stringify({ pid: process.ppid, host: hostname(), started: new Date().toISOString(), by: "runtime" }));
    const run = await fix(work, repo, model, join(work, "my-state"));
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /^hearth fix: Hearth's agent in a VS Code window \(.+\) is working in /m);
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/, "the checkout was not touched");
  });

  it("its own run's lock is taken in Hearth's state folder (not --state-dir), and gone after", async () => {
    const { work, repo, model } = setUp();
    const run = await fix(work, repo, model, join(work, "my-state"));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readdirSync(join(hearthStateDir(), "locks")), []);
  });

  it("where Hearth's state folder cannot be made (a home folder that is read-only or a file), the lock is kept in --state-dir, saying what that misses", async () => {
    const { work, repo, model } = setUp();
    const blocked = join(work, "not-a-folder");
    writeFileSync(blocked, "");
    process.env.XDG_STATE_HOME = blocked;
    const run = await fix(work, repo, model, join(work, "my-state"));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`^hearth fix: the checkout's lock cannot be kept in ${join(blocked, "hearth", "locks").replace(/[/.]/g, "\\$&")} \\(ENOTDIR: not a folder\\): it is in ${join(work, "my-state").replace(/[/.]/g, "\\$&")}, where a VS Code window's agent and a hearth fix with another --state-dir do not see it$`, "m"));
    assert.deepEqual(readdirSync(join(work, "my-state", "locks")), []);
  });
});

/**
 * Makes `dir` a folder this process cannot write to, undone after the test: chmod for a user,
 * chattr +i for root (whom modes do not stop). False where neither is possible.
 */
function unwritable(dir: string, t: TestContext): boolean {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    t.after(() => chmodSync(dir, 0o755));
  } else {
    if (spawnSync("chattr", ["+i", dir]).status !== 0) return false;
    t.after(() => spawnSync("chattr", ["-i", dir]));
  }
  try {
    writeFileSync(join(dir, "probe"), "");
    rmSync(join(dir, "probe"));
    return false;
  } catch {
    return true;
  }
}

describe("hearth fix where Hearth's locks folder cannot be written", () => {
  ownStateHome("hearth-fix-lock-xdg-");

  it("a locks folder that exists but cannot be written (another user's, chmod 555): with --state-dir the lock is kept there, saying so", async (t) => {
    const { work, repo, model } = setUp();
    const locks = join(hearthStateDir(), "locks");
    mkdirSync(locks, { recursive: true });
    if (!unwritable(locks, t)) return t.skip("no way here to make a folder this process cannot write");
    const run = await fix(work, repo, model, join(work, "my-state"));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`^hearth fix: the checkout's lock cannot be kept in ${locks.replace(/[/.]/g, "\\$&")} \\((EACCES|EPERM): this user may not write there\\): it is in ${join(work, "my-state").replace(/[/.]/g, "\\$&")}, where a VS Code window's agent and a hearth fix with another --state-dir do not see it$`, "m"));
    assert.doesNotMatch(run.stderr, /permission denied|operation not permitted/, "not the system's raw error");
  });

  it("without another state folder to fall back to, the run stops before anything is touched (exit 2), naming the folder and what to do", async (t) => {
    const { work, repo, model } = setUp();
    const locks = join(hearthStateDir(), "locks");
    mkdirSync(locks, { recursive: true });
    if (!unwritable(locks, t)) return t.skip("no way here to make a folder this process cannot write");
    const run = await fix(work, repo, model, hearthStateDir());
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^hearth fix: the checkout's lock cannot be kept in ${locks.replace(/[/.]/g, "\\$&")} \\((EACCES|EPERM)[^)]*\\): make it writable for this user`, "m"));
    assert.doesNotMatch(run.stderr, /permission denied|operation not permitted/, "not the system's raw error");
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/, "the checkout was not touched");
  });

  // A home on a read-only disk (a container's, a CI's): node's recursive mkdir answers ENOENT
  // when the folders to make are on a read-only file system, which was no folder trouble to
  // Hearth, so hearth fix failed with "no such file or directory" instead of using --state-dir.
  it("a state folder still to be made on a read-only disk: the lock is kept in --state-dir, saying the disk is read-only", async (t) => {
    const { work, repo, model } = setUp();
    const mount = smallDisk(t, { size: "1m", readOnly: true, at: join(work, "read-only-home") });
    if (!mount) return;
    process.env.XDG_STATE_HOME = mount;
    const run = await fix(work, repo, model, join(work, "my-state"));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`^hearth fix: the checkout's lock cannot be kept in ${join(mount, "hearth", "locks").replace(/[/.]/g, "\\$&")} \\(EROFS: the file system is read-only\\): it is in `, "m"));
    assert.doesNotMatch(run.stderr, /no such file or directory/, "not the system's raw error");
  });

  it("a locks folder that is a file: the run stops (exit 2) saying so, not with a raw EEXIST", async () => {
    const { work, repo, model } = setUp();
    const locks = join(hearthStateDir(), "locks");
    mkdirSync(hearthStateDir(), { recursive: true });
    writeFileSync(locks, "");
    const run = await fix(work, repo, model, hearthStateDir());
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^hearth fix: the checkout's lock cannot be kept in ${locks.replace(/[/.]/g, "\\$&")} \\((EEXIST|ENOTDIR)[^)]*\\): .*is a file, not a folder`, "m"));
    assert.doesNotMatch(run.stderr, /file already exists|not a directory/, "not the system's raw error");
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/, "the checkout was not touched");
  });
});

describe("Hearth's state folder with XDG_STATE_HOME empty or relative", () => {
  it("is ~/.local/state/hearth, as the XDG spec says (an empty or relative value is ignored), not ./hearth", () => {
    for (const value of ["", "state", "./state"]) assert.equal(hearthStateDir({ XDG_STATE_HOME: value }), join(homedir(), ".local", "state", "hearth"), JSON.stringify(value));
    assert.equal(hearthStateDir({ XDG_STATE_HOME: "/srv/state" }), "/srv/state/hearth");
  });

  it("hearth fix run in the checkout with XDG_STATE_HOME='' puts no hearth/ folder (checkpoints, trajectory, lock) into the checkout", async (t) => {
    const { work, repo, model } = setUp();
    const saved = { XDG_STATE_HOME: process.env.XDG_STATE_HOME, HOME: process.env.HOME, cwd: process.cwd() };
    t.after(() => {
      for (const name of ["XDG_STATE_HOME", "HOME"] as const) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
      process.chdir(saved.cwd);
    });
    process.env.XDG_STATE_HOME = "";
    process.env.HOME = join(work, "home");
    process.chdir(repo);
    const io = captureIo(repo);
    const code = await main(["fix", "--issue", "add is wrong", "--model", model, "--yes", "--no-index"], io);
    assert.equal(code, 0, io.stderr);
    assert.equal(existsSync(join(repo, "hearth")), false, "nothing of Hearth's state in the checkout");
    assert.match(io.stderr, new RegExp(`trajectory: ${join(work, "home", ".local", "state", "hearth").replace(/[/.]/g, "\\$&")}/fix-\\d+\\.trajectory\\.jsonl$`, "m"));
    assert.doesNotMatch(io.stdout, /hearth\//, "nor in the patch");
  });
});

describe("hearth fix --state-dir inside the checkout", () => {
  it("is refused before anything runs, saying why: the shadow repository of its checkpoints would check itself in (the run failed at its end as 'the model failed')", async () => {
    const { work, repo, model } = setUp();
    for (const stateDir of [join(repo, "state"), join(repo, ".")]) {
      const io = captureIo(repo);
      const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", stateDir, "--out", join(work, "fix.diff")], io);
      assert.equal(code, 2, io.stderr);
      assert.match(io.stderr, /^hearth fix: the state folder .+ is inside the checkout .+: its checkpoints and trajectory would be part of what is checkpointed and of the patch; give --state-dir a folder outside the checkout$/m);
      assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/);
    }
  });
});

// A CI job's container: HOME=/ (or a read-only home) that this user may not write, so the default
// state folder (~/.local/state/hearth) cannot be made. The refusal said only '/ is not writable'.
describe("hearth fix where the default state folder cannot be written (HOME=/ in a CI container)", () => {
  ownStateHome("hearth-fix-default-state-");

  const fixWithDefaultState = (work: string, repo: string, model: string) => {
    const io = captureIo(work);
    return main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--out", join(work, "fix.diff")], io).then((code) => ({ code, stderr: io.stderr }));
  };

  it("is refused before anything is touched (exit 2), saying to give --state-dir or set XDG_STATE_HOME", async (t) => {
    const { work, repo, model } = setUp();
    const home = join(work, "home");
    mkdirSync(home);
    if (!unwritable(home, t)) return t.skip("no way here to make a folder this process cannot write");
    process.env.XDG_STATE_HOME = home;
    const run = await fixWithDefaultState(work, repo, model);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^hearth fix: cannot write the state folder to ${join(home, "hearth").replace(/[/.]/g, "\\$&")}: .*give --state-dir a folder this user can write, or set XDG_STATE_HOME to one$`, "m"));
    assert.match(readFileSync(join(repo, "calc.py"), "utf8"), /return a - b/, "the checkout was not touched");
    assert.ok(!existsSync(join(work, "fix.diff")));
  });

  it("one under a file says the same way out; a --state-dir the user named is refused without it", async () => {
    const { work, repo, model } = setUp();
    const blocked = join(work, "not-a-folder");
    writeFileSync(blocked, "");
    process.env.XDG_STATE_HOME = blocked;
    const run = await fixWithDefaultState(work, repo, model);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /is a file, not a folder; it is Hearth's default state folder \(checkpoints, trajectory\): give --state-dir a folder this user can write, or set XDG_STATE_HOME to one$/m);
    process.env.XDG_STATE_HOME = join(work, "xdg");
    const named = await fix(work, repo, model, join(blocked, "state"));
    assert.equal(named.code, 2, named.stderr);
    assert.match(named.stderr, /is a file, not a folder$/m);
    assert.doesNotMatch(named.stderr, /default state folder/);
  });
});

// A script's --state-dir "$STATE" (or --trajectory "$LOG") with the variable unset: the empty value
// was resolved as the current folder, so the checkpoints/ store and the trajectory were written
// into whatever folder the CI step ran in (its workspace), and the lock's fallback went there too.
describe("hearth fix --state-dir '' and --trajectory ''", () => {
  ownStateHome("hearth-fix-empty-state-");

  it("are none, as an empty --model is: the default state folder and trajectory, nothing written into the current folder", async () => {
    const { work, repo, model } = setUp();
    const io = captureIo(work);
    const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", "", "--trajectory", ""], io);
    assert.equal(code, 0, io.stderr);
    assert.ok(!existsSync(join(work, "checkpoints")), "no checkpoint store in the current folder");
    assert.deepEqual(readdirSync(work).filter((name) => name.endsWith(".trajectory.jsonl")), [], "no trajectory in the current folder");
    assert.match(io.stderr, new RegExp(`trajectory: ${hearthStateDir().replace(/[/.]/g, "\\$&")}/fix-\\d+\\.trajectory\\.jsonl$`, "m"));
    assert.ok(existsSync(join(hearthStateDir(), "checkpoints")), "the checkpoints are in the default state folder");
  });
});
