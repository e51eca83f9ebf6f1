// A file rewritten in place with the same size and its modification time put back (touch -r,
// cp -p or rsync -t of a copy with that time, an editor or tool that keeps file times) is told
// changed by git only through its ctime, which no tool can set. Users set core.trustctime=false
// or core.checkStat=minimal in ~/.gitconfig (advice for network drives, Cygwin, backup tools
// touching ctimes): the checkpoints' git read that config too.
import assert from "node:assert/strict";
import { mkdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { CheckpointStore } from "../../../src/tools/index.ts";
import { userGitHome } from "../../fixtures/user-git-home.ts";

const OLD = new Date("2020-01-02T03:04:05Z");

for (const setting of ["[core]\n\ttrustctime = false\n", "[core]\n\tcheckStat = minimal\n"]) {
  it(`a same-size change with its mtime put back is in the next checkpoint, whatever the user's git config says (${setting.split("\n")[1]!.trim()})`, async (t) => {
    const { dir, configure } = userGitHome(t, "hearth-cp-stat-");
    const root = join(dir, "work");
    mkdirSync(root);
    configure(setting);
    const file = join(root, "a.txt");
    writeFileSync(file, "one\n");
    utimesSync(file, OLD, OLD);
    const store = await CheckpointStore.open({ workspaceRoot: root, storageDir: join(dir, "state") });
    const first = await store.create("first");
    const recorded = Math.floor(statSync(file).ctimeMs / 1000);
    // git compares whole seconds of ctime: rewritten until the ctime is in a later second (a condition, not a timed race).
    do {
      await delay(50);
      writeFileSync(file, "two\n");
      utimesSync(file, OLD, OLD);
    } while (Math.floor(statSync(file).ctimeMs / 1000) === recorded);
    assert.equal(statSync(file).mtimeMs, OLD.getTime());
    const second = await store.create("second");
    assert.match(await store.diff(first.id, second.id), /^-one$\n^\+two$/m);
  });
}
