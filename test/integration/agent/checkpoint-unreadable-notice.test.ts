// A workspace file this user may not read (a 0600 log a container left as root in a mounted
// checkout) is left out of every checkpoint (Checkpoint.unreadable): a new chat says so, as
// it does for files over the size limit, or the user trusts Undo with a file it cannot bring
// back. Permissions do not bind root, so the chat runs as nobody: real files, real
// checkpoints, the scripted backend through runConversationTurn.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type TestContext, describe, it } from "node:test";

const checkout = resolve(import.meta.dirname, "../../..");

describe("a new chat in a workspace with a file this user may not read", () => {
  it("says once which files its checkpoints leave out as unreadable", { timeout: 60_000 }, (t: TestContext) => {
    if (process.getuid?.() !== 0) return void t.skip("needs root to run the chat as another user");
    if (spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", join(checkout, "src/agent/conversation-run.ts")]).status !== 0) return void t.skip("user nobody cannot read this checkout");
    const shared = mkdtempSync("/tmp/hearth-shared-");
    t.after(() => rmSync(shared, { recursive: true, force: true }));
    chmodSync(shared, 0o777);
    const root = join(shared, "project");
    mkdirSync(root);
    writeFileSync(join(root, "app.py"), "v = 1\n");
    writeFileSync(join(root, "root.log"), "root's\n");
    chmodSync(join(root, "root.log"), 0o600);
    mkdirSync(join(shared, "tmp"), { mode: 0o777 }); // tsx's cache
    chmodSync(join(shared, "tmp"), 0o777);
    spawnSync("chown", ["-R", "nobody", root, join(shared, "tmp")]);
    spawnSync("chown", ["root", join(root, "root.log")]);
    const script = join(shared, "chat.mts");
    writeFileSync(script, `import { runConversationTurn } from ${JSON.stringify(join(checkout, "src/agent/conversation-run.ts"))};
import { ScriptedBackend } from ${JSON.stringify(join(checkout, "src/models/scripted.ts"))};
import { CheckpointStore, DiskWorkspace } from ${JSON.stringify(join(checkout, "src/tools/index.ts"))};
const [root, storage] = process.argv.slice(2);
const notices = [];
const checkpoints = await CheckpointStore.open({ workspaceRoot: root, storageDir: storage });
for (const [text, messages] of [["hi", []], ["again", [{ role: "system", content: "s" }, { role: "user", content: "hi" }]]]) {
  await runConversationTurn({
    mode: "chat", text, messages, workspace: new DiskWorkspace(root), checkpoints,
    backend: async () => new ScriptedBackend({ turns: [{ text: "Hello." }], contextSize: 65_536 }),
    policy: "ask", approve: async () => false, signal: new AbortController().signal,
    onEvent: (e) => { if (e.type === "notice") notices.push(e.text); },
  });
}
console.log(JSON.stringify(notices));
`);
    const storage = join(shared, "state");
    mkdirSync(storage, { mode: 0o777 });
    chmodSync(storage, 0o777);
    const run = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, "--import", "tsx", script, root, storage], { cwd: checkout, encoding: "utf8", env: { ...process.env, HOME: join(shared, "tmp"), TMPDIR: join(shared, "tmp") } });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split("\n").at(-1)!), [
      "Checkpoints leave out 1 file this user may not read, so Undo and Restore cannot bring back a change a command makes to it: root.log.",
    ]);
  });
});
