// A hard link to a git-ignored .env under a name that parses as code (settings.py) is not
// indexed: its definitions' lines are the keys, and find_symbol, the repository map and the
// completions' context show them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findDefinitions } from "../../../src/indexer/lookup.ts";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import type { RepoIndex, RepoIndexOptions } from "../../../src/indexer/repo-index.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

/**
 * A temp folder `prepare` fills, indexed without history (and with the options `prepare`
 * returns); `check` runs on the index, which is closed, and the folder removed, after.
 */
async function withIndexedFolder(prepare: (root: string) => Partial<RepoIndexOptions> | void, check: (index: RepoIndex, root: string) => Promise<void>): Promise<void> {
  const { dir: root, cleanup } = tempDir();
  try {
    const index = await indexOf(root, { history: false, ...prepare(root) });
    try {
      await check(index, root);
    } finally {
      await index.close();
    }
  } finally {
    cleanup();
  }
}

/** A git-ignored .env holding a key as Python reads it, app.py naming the key, util.py defining helper. */
function secretAndCode(root: string): void {
  writeFileSync(join(root, ".gitignore"), ".env\n");
  writeFileSync(join(root, ".env"), "API_KEY = 'sk-live-123'\n");
  writeFileSync(join(root, "app.py"), "API_KEY = None\n");
  writeFileSync(join(root, "util.py"), "def helper():\n    return 1\n");
}

describe("index: other names of files that look like secrets", () => {
  it("a hard link to .env named settings.py, found by the scan or made later, is left out and counted; an ordinary hard-linked file is indexed", async () => {
    await withIndexedFolder(
      (root) => {
        secretAndCode(root);
        linkSync(join(root, ".env"), join(root, "settings.py"));
        linkSync(join(root, "util.py"), join(root, "util_copy.py"));
      },
      async (index, root) => {
        assert.deepEqual(findDefinitions(index, "API_KEY", 10).map((d) => d.path), ["app.py"]);
        assert.deepEqual(findDefinitions(index, "helper", 10).map((d) => d.path).sort(), ["util.py", "util_copy.py"]);
        const report = await index.build();
        assert.equal(report.skippedByReason["secret-link"], 1);
        // A link made after the scan, reported by the watcher.
        linkSync(join(root, ".env"), join(root, "local_settings.py"));
        assert.equal(await index.updateFile("local_settings.py"), "skipped");
        assert.deepEqual(findDefinitions(index, "API_KEY", 10).map((d) => d.path), ["app.py"]);
        // The editor's unsaved text of one (settings.py open and typed in) is its keys too.
        assert.equal(await index.updateFile("settings.py", "API_KEY = 'sk-live-456'\n"), "skipped");
        assert.deepEqual(findDefinitions(index, "API_KEY", 10).map((d) => d.path), ["app.py"]);
      },
    );
  });
});

describe("index: the walk for other names of secret files, in one-file updates", () => {
  it("a burst of updates of hard-linked files (a `cp -al` tree after a checkout) walks the folders once, not once per file; a new secret file or a folder change walks again", async () => {
    // The workspace's folders read (the home folder's .ssh is read by every lookup: one call).
    let readdirs = 0;
    await withIndexedFolder(
      (root) => {
        writeFileSync(join(root, ".gitignore"), ".env*\n");
        writeFileSync(join(root, ".env"), "API_KEY = 'sk-live-123'\n");
        for (const folder of ["a", "b", "c", "d"]) mkdirSync(join(root, folder));
        // Every file has a second name, as in a tree copied with `cp -al`.
        mkdirSync(join(root, "backup"));
        for (let i = 0; i < 12; i++) {
          writeFileSync(join(root, `m${i}.py`), `def f${i}():\n    return ${i}\n`);
          linkSync(join(root, `m${i}.py`), join(root, "backup", `m${i}.py`));
        }
        const fs: ScanFs = { ...nodeScanFs, readdir: (abs) => { if (abs.startsWith(root)) readdirs++; return nodeScanFs.readdir(abs); } };
        return { fs };
      },
      async (index, root) => {
        readdirs = 0;
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => index.updateFile(`m${i}.py`)));
        assert.deepEqual(new Set(results), new Set(["unchanged"]));
        assert.ok(readdirs <= 7, `${readdirs} folder reads for 12 updates of a 7-folder tree`);
        // A secret file made since the build, then another name of it: found.
        writeFileSync(join(root, ".env.local"), "TOKEN = 'ghp_x'\n");
        assert.equal(await index.updateFile(".env.local"), "skipped");
        linkSync(join(root, ".env.local"), join(root, "a", "conf.py"));
        assert.equal(await index.updateFile("a/conf.py"), "skipped");
        assert.equal(index.skipped.get("a/conf.py")?.reason, "secret-link");
        // A folder moved in with a secret file in it (the watcher names the folder only), then another name of that file.
        mkdirSync(join(root, "moved"));
        writeFileSync(join(root, "moved", "id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        await index.updateFile("moved");
        linkSync(join(root, "moved", "id_rsa"), join(root, "b", "key.py"));
        assert.equal(await index.updateFile("b/key.py"), "skipped");
        assert.equal(index.skipped.get("b/key.py")?.reason, "secret-link");
      },
    );
  });
});

describe("index: a symbolic link to a file that looks like it holds secrets", () => {
  it("settings.py -> .env (git-ignored), found by the scan or made later, is left out: its definitions' lines are the keys", async () => {
    await withIndexedFolder(
      (root) => {
        secretAndCode(root);
        symlinkSync(".env", join(root, "settings.py"));
        symlinkSync("util.py", join(root, "util_link.py"));
      },
      async (index, root) => {
        assert.deepEqual(findDefinitions(index, "API_KEY", 10).map((d) => d.path), ["app.py"]);
        assert.deepEqual(findDefinitions(index, "helper", 10).map((d) => d.path).sort(), ["util.py", "util_link.py"]);
        assert.match(index.skipped.get("settings.py")?.detail ?? "", /a symbolic link to \.env/);
        symlinkSync(".env", join(root, "local_settings.py"));
        assert.equal(await index.updateFile("local_settings.py"), "skipped");
        assert.deepEqual(findDefinitions(index, "API_KEY", 10).map((d) => d.path), ["app.py"]);
      },
    );
  });
});
