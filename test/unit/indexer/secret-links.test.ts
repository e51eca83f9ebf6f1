// A hard link to a git-ignored .env under a name that parses as code (settings.py) is not
// indexed: its definitions' lines are the keys, and find_symbol, the repository map and the
// completions' context show them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { linkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findDefinitions } from "../../../src/indexer/lookup.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

describe("index: other names of files that look like secrets", () => {
  it("a hard link to .env named settings.py, found by the scan or made later, is left out and counted; an ordinary hard-linked file is indexed", async () => {
    const { dir: root, cleanup } = tempDir();
    try {
      writeFileSync(join(root, ".gitignore"), ".env\n");
      writeFileSync(join(root, ".env"), "API_KEY = 'sk-live-123'\n");
      writeFileSync(join(root, "app.py"), "API_KEY = None\n");
      writeFileSync(join(root, "util.py"), "def helper():\n    return 1\n");
      linkSync(join(root, ".env"), join(root, "settings.py"));
      linkSync(join(root, "util.py"), join(root, "util_copy.py"));
      const index = await indexOf(root, { history: false });
      try {
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
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
    }
  });
});
