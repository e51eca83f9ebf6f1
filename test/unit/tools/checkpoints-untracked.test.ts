// Issue 13.6: every file the agent writes is checkpointed and restorable, whatever git
// ignores — files the workspace's .gitignore (or the shadow repo's own excludes) leave out
// and files inside nested repositories, which git would only see as a gitlink.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { agentOn } from "./helpers/checkpoint-agent.ts";
import { tempDir } from "./helpers/setup.ts";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd, encoding: "utf8" });
}

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString("utf8") : undefined);

describe("checkpoints of files git does not see", () => {
  it("lists, diffs and restores agent writes to .gitignored files (an edit undone, a created file removed)", async () => {
    const { root, store, call } = await agentOn({ ".gitignore": ".env\n*.secret\n", ".env": "KEY=old\n", "app.py": "v = 1\n" });
    const start = await store.create("start");
    await call("edit_file", { path: ".env", old_text: "KEY=old", new_text: "KEY=new" });
    await call("write_file", { path: "keys/new.secret", content: "s3cret\n" });
    await call("edit_file", { path: "app.py", old_text: "v = 1", new_text: "v = 2" });

    assert.deepEqual((await store.changedFiles(start.id)).sort(), [".env", "app.py", "keys/new.secret"]);
    const diff = await store.diff(start.id);
    assert.match(diff, /^-KEY=old$\n^\+KEY=new$/m);
    assert.match(diff, /new file mode 100644[\s\S]*^\+s3cret$/m);
    assert.equal(text(await store.fileAt(start.id, ".env")), "KEY=old\n");
    assert.equal(await store.fileAt(start.id, "keys/new.secret"), undefined);

    await store.restore(start.id);
    assert.equal(readFileSync(join(root, ".env"), "utf8"), "KEY=old\n");
    assert.equal(existsSync(join(root, "keys/new.secret")), false);
    assert.equal(existsSync(join(root, "keys")), false, "the folder the agent created goes too");
    assert.equal(readFileSync(join(root, "app.py"), "utf8"), "v = 1\n");
    assert.deepEqual(await store.changedFiles(start.id), []);

    // The restore is itself undoable, ignored files included.
    const undo = (await store.list())[0]!;
    await store.restore(undo.id);
    assert.equal(readFileSync(join(root, ".env"), "utf8"), "KEY=new\n");
    assert.equal(readFileSync(join(root, "keys/new.secret"), "utf8"), "s3cret\n");
  });

  it("restores one step on an ignored file, and a per-step review sees it", async () => {
    const { root, store, call } = await agentOn({ ".gitignore": "*.log\n" });
    await call("write_file", { path: "run.log", content: "one\n" });
    await call("edit_file", { path: "run.log", old_text: "one", new_text: "two" });
    const [edit, create] = await store.list();
    assert.deepEqual([edit!.label, create!.label], ["before edit_file run.log", "before write_file run.log"]);
    assert.deepEqual(await store.changedFiles(edit!.id), ["run.log"]);
    assert.match(await store.diff(edit!.id), /^-one$\n^\+two$/m);
    await store.restore(edit!.id);
    assert.equal(readFileSync(join(root, "run.log"), "utf8"), "one\n");
    await store.restore(create!.id);
    assert.equal(existsSync(join(root, "run.log")), false);
  });

  // git hash-object --stdin-paths reads a line starting with '"' as a C-quoted name: '"run".log'
  // was hashed as 'run' (no such file), and every later checkpoint, diff and undo failed.
  it("snapshots, lists and restores files whose names start with a double quote", async () => {
    const { root, store, call } = await agentOn({ ".gitignore": "*.log\n", '"notes".txt': "n = 1\n" });
    await call("write_file", { path: '"run".log', content: "one\n" });
    await call("edit_file", { path: '"run".log', old_text: "one", new_text: "two" });
    await call("edit_file", { path: '"notes".txt', old_text: "n = 1", new_text: "n = 2" });
    await store.create("after edit_file", ['"notes".txt']);
    const [, notes, edit, create] = await store.list();
    assert.deepEqual(notes!.label, 'before edit_file "notes".txt');
    assert.deepEqual(await store.changedFiles(create!.id), ['"notes".txt', '"run".log']);
    // What the undo asks before putting files back: both hold what Hearth wrote.
    assert.deepEqual(await store.unrecorded(['"notes".txt', '"run".log']), []);
    await store.restore(edit!.id);
    assert.equal(readFileSync(join(root, '"run".log'), "utf8"), "one\n");
    assert.equal(readFileSync(join(root, '"notes".txt'), "utf8"), "n = 1\n");
    await store.restore(create!.id);
    assert.equal(existsSync(join(root, '"run".log')), false);
  });

  it("diffs an ignored file the agent wrote beside a file named as the extras' tree hash (git would take it for a path)", async () => {
    // The agent's ignored file did not exist at the start: the extras' 'from' tree is the empty tree.
    const emptyTree = execFileSync("git", ["hash-object", "-t", "tree", "--stdin"], { input: "", encoding: "utf8" }).trim();
    const { store, call } = await agentOn({ ".gitignore": "*.secret\n", [emptyTree]: "a file whose name is a tree's hash\n" });
    const start = await store.create("start");
    await call("write_file", { path: "new.secret", content: "s3cret\n" });
    const diff = await store.diff(start.id);
    assert.match(diff, /new file mode 100644[\s\S]*^\+s3cret$/m);
  });

  it("snapshots and restores files inside nested repositories, with and without a commit, leaving their .git alone", async () => {
    const { root, store, call } = await agentOn({ "main.py": "m = 1\n", "vendor/lib/lib.py": "l = 1\n", "scratch/notes.txt": "n\n" });
    git(join(root, "vendor/lib"), "init", "-q");
    git(join(root, "vendor/lib"), "add", "-A");
    git(join(root, "vendor/lib"), "commit", "-qm", "lib");
    git(join(root, "scratch"), "init", "-q"); // no commit: plain `git add` refuses the whole tree
    const nestedState = () => [git(join(root, "vendor/lib"), "status", "--porcelain"), git(join(root, "vendor/lib"), "rev-parse", "HEAD"), git(join(root, "scratch"), "status", "--porcelain")].join("|");
    const before = nestedState();

    const start = await store.create("start");
    await call("edit_file", { path: "vendor/lib/lib.py", old_text: "l = 1", new_text: "l = 2" });
    await call("write_file", { path: "scratch/new.txt", content: "created\n" });
    await call("edit_file", { path: "main.py", old_text: "m = 1", new_text: "m = 2" });

    assert.deepEqual((await store.changedFiles(start.id)).sort(), ["main.py", "scratch/new.txt", "vendor/lib/lib.py"]);
    assert.match(await store.diff(start.id, undefined, ["vendor"]), /^-l = 1$\n^\+l = 2$/m);
    assert.equal(text(await store.fileAt(start.id, "vendor/lib/lib.py")), "l = 1\n");

    await store.restore(start.id);
    assert.equal(readFileSync(join(root, "vendor/lib/lib.py"), "utf8"), "l = 1\n");
    assert.equal(existsSync(join(root, "scratch/new.txt")), false);
    assert.equal(readFileSync(join(root, "scratch/notes.txt"), "utf8"), "n\n");
    assert.equal(readFileSync(join(root, "main.py"), "utf8"), "m = 1\n");
    assert.equal(nestedState(), before);
  });

  it("snapshots only the ignored files the agent touches: other ignored files are neither listed nor restored", async () => {
    const { root, store, call } = await agentOn({ ".gitignore": ".env\nbuild/\n", ".env": "A=1\n", "build/out.js": "old build\n" });
    const start = await store.create("start");
    await call("edit_file", { path: ".env", old_text: "A=1", new_text: "A=2" });
    writeFileSync(join(root, "build/out.js"), "new build\n"); // a build the user ran meanwhile
    writeFileSync(join(root, "node_modules.txt"), "x\n");
    assert.deepEqual((await store.changedFiles(start.id)).sort(), [".env", "node_modules.txt"]);
    await store.restore(start.id);
    assert.equal(readFileSync(join(root, "build/out.js"), "utf8"), "new build\n");
    assert.equal(readFileSync(join(root, ".env"), "utf8"), "A=1\n");
  });

  it("restore never writes or deletes through a link put in place of an ignored file or its folder since the checkpoint", async () => {
    const { root, store, call } = await agentOn({ ".gitignore": ".env\nkeys\n", ".env": "KEY=old\n" }); // "keys", not "keys/": the link stays ignored
    git(root, "init", "-q");
    const config = readFileSync(join(root, ".git/config"), "utf8");
    const outside = tempDir("hearth-outside-");
    writeFileSync(join(outside, "new.secret"), "not the agent's\n");
    const start = await store.create("start");
    await call("edit_file", { path: ".env", old_text: "KEY=old", new_text: "KEY=new" });
    await call("write_file", { path: "keys/new.secret", content: "s3cret\n" });
    // Then something (a command, a hostile script) swaps the file and the folder for links.
    rmSync(join(root, ".env"));
    symlinkSync(".git/config", join(root, ".env"));
    renameSync(join(root, "keys"), join(root, "keys-moved"));
    symlinkSync(outside, join(root, "keys"));

    await assert.rejects(store.restore(start.id), /keys\/new\.secret.*link/s);
    assert.equal(readFileSync(join(root, ".git/config"), "utf8"), config, ".git/config is untouched");
    assert.equal(lstatSync(join(root, ".env")).isSymbolicLink(), false, "the link is replaced by the file it was");
    assert.equal(readFileSync(join(root, ".env"), "utf8"), "KEY=old\n");
    assert.equal(readFileSync(join(outside, "new.secret"), "utf8"), "not the agent's\n", "nothing outside is deleted");
  });
  // An ignored file is often a secret kept 0600 (.env, a key); git records only 100644/100755,
  // and the restore used to chmod every such file to 0644 — world-readable, whatever the umask.
  it("restore keeps an ignored file's permissions: a 0600 .env stays 0600, a script keeps its x bit", async () => {
    const { root, store, call } = await agentOn({ ".gitignore": ".env\n*.sh\n", ".env": "KEY=old\n", "run.sh": "echo one\n" });
    chmodSync(join(root, ".env"), 0o600);
    chmodSync(join(root, "run.sh"), 0o700);
    const start = await store.create("start");
    await call("edit_file", { path: ".env", old_text: "KEY=old", new_text: "KEY=new" });
    await call("edit_file", { path: "run.sh", old_text: "one", new_text: "two" });
    await store.restore(start.id);
    assert.equal(readFileSync(join(root, ".env"), "utf8"), "KEY=old\n");
    assert.equal((statSync(join(root, ".env")).mode & 0o777).toString(8), "600");
    assert.equal((statSync(join(root, "run.sh")).mode & 0o777).toString(8), "700");
  });

  it("restore of an ignored file that is gone makes it with the umask's permissions, as git does", async () => {
    const { root, store, call } = await agentOn({ ".gitignore": ".env\n", ".env": "KEY=old\n" });
    const start = await store.create("start");
    await call("edit_file", { path: ".env", old_text: "KEY=old", new_text: "KEY=new" });
    rmSync(join(root, ".env"));
    const umask = process.umask(0o077);
    try {
      await store.restore(start.id);
    } finally {
      process.umask(umask);
    }
    assert.equal(readFileSync(join(root, ".env"), "utf8"), "KEY=old\n");
    assert.equal((statSync(join(root, ".env")).mode & 0o777).toString(8), "600");
  });
});
