// lexicalRelative (tools/workspace.ts): which absolute paths lie in the workspace.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import { lexicalRelative } from "../../../src/tools/workspace.ts";
import { ToolError } from "../../../src/tools/tool.ts";

describe("lexicalRelative", () => {
  const root = join("/", "work", "repo");

  it("keeps an absolute path to a name that starts with two dots at the root (..foo.ts, ...)", () => {
    assert.equal(lexicalRelative(root, join(root, "..foo.ts")), "..foo.ts");
    assert.equal(lexicalRelative(root, join(root, "...")), "...");
    assert.equal(lexicalRelative(root, join(root, "..d", "x.ts")), "..d/x.ts");
  });

  it("refuses an absolute path outside the workspace, the parent itself included", () => {
    for (const path of [join(root, ".."), join(root, "..", "other", "x.ts"), join("/", "work", "repo2", "x.ts")]) {
      assert.throws(() => lexicalRelative(root, path), (error: unknown) => error instanceof ToolError && /outside/.test(error.message), path);
    }
  });
});
