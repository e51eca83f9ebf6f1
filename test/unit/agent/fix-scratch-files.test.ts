// hearth fix names the new files of its patch that nothing else in the patch names: the
// reproduce.py, test_bug.py, debug_x.py, notes.md a model leaves after trying things; a new
// module the fix imports, a new test in the project's test folder, a package marker are not named.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { namedNowhere, namedNowhereMessage } from "../../../src/agent/fix-files.ts";
import { buildSystemPrompt, SCRATCH_RULE } from "../../../src/agent/system-prompt.ts";
import { tempDir } from "../../fixtures/temp.ts";

function tree(files: Record<string, string>): string {
  const root = tempDir("hearth-scratch-files-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("namedNowhere", () => {
  it("names a root reproduce.py, test_bug.py and notes.md named nowhere; two naming each other both named; keeps quiet of a module an edited file imports, a test in tests/, a package marker", async () => {
    const root = tree({
      "calc.py": "from mathutil import total\nfrom .pkg.helpers import h\n\ndef add(a, b):\n    return total(a, b)\n",
      "mathutil.py": "def total(a, b):\n    return a + b\n",
      "pkg/__init__.py": "",
      "pkg/helpers.py": "h = 1\n",
      "tests/test_add.py": "from calc import add\n",
      "reproduce.py": "from calc import add\nprint(add(2, 3))\n",
      "test_bug.py": "from calc import add\n\ndef test_bug():\n    assert add(2, 3) == 5\n",
      "notes.md": "add subtracts; run reproduce.py (mathutil is the fix)\n",
      "web/debug_x.js": "require('./calc')\n",
    });
    const added = ["mathutil.py", "notes.md", "pkg/__init__.py", "pkg/helpers.py", "reproduce.py", "test_bug.py", "tests/test_add.py", "web/debug_x.js"];
    const found = await namedNowhere(root, added, ["calc.py", ...added]);
    assert.deepEqual(found, [{ path: "notes.md" }, { path: "reproduce.py" }, { path: "test_bug.py" }, { path: "web/debug_x.js" }]);
  });

  it("a Python module at the top named as the standard library's or a common package's is said to hide it; the same name in a folder is not", async () => {
    const root = tree({ "calc.py": "import json\n", "json.py": "print(1)\n", "requests.py": "x = 1\n", "lib/json.py": "" });
    const found = await namedNowhere(root, ["json.py", "lib/json.py", "requests.py"], ["calc.py", "json.py", "lib/json.py", "requests.py"]);
    // calc.py's `import json` names json, the very module the file hides: still said.
    assert.deepEqual(found.filter((f) => f.shadows), [{ path: "json.py", shadows: "json" }, { path: "requests.py", shadows: "requests" }]);
    const line = namedNowhereMessage(found);
    assert.match(line ?? "", /json\.py \(at the checkout's top, where it hides Python's own json module from every import run there\)/);
    assert.match(line ?? "", /git apply --exclude=PATH leaves one out/);
    assert.equal(namedNowhereMessage([]), undefined);
  });

  it("hearth fix's system prompt asks the model to delete its scratch files; a chat's does not", () => {
    assert.ok(buildSystemPrompt({ workspaceName: "w", platform: "linux", patchTask: true }).includes(SCRATCH_RULE));
    assert.ok(!buildSystemPrompt({ workspaceName: "w", platform: "linux" }).includes(SCRATCH_RULE));
    assert.match(SCRATCH_RULE, /reproduce\.py.*delete it with run_command \(rm\) before you call finish/);
  });
});
