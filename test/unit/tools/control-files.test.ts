import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { controlFileReason } from "../../../src/tools/control-files.ts";

describe("control files: writes that run or steer things later", () => {
  it("names VS Code's folder and workspace files, dev containers, git hook folders and Hearth's own rules, in any case and at any depth", () => {
    const control = [
      ".vscode/settings.json", ".VSCode/tasks.json", "packages/web/.vscode/launch.json", ".vscode/mcp.json",
      "team.code-workspace", ".devcontainer/devcontainer.json", ".husky/pre-commit", ".githooks/pre-push",
      "AGENTS.md", "sub/AGENTS.md", ".hearth/rules.md", ".hearth/memory.md", ".vscode\\tasks.json",
    ];
    for (const path of control) assert.ok(controlFileReason(path), path);
  });

  it("leaves ordinary files alone, names that only look alike included", () => {
    const ordinary = ["src/vscode/api.ts", ".vscodeignore", "docs/AGENTS.md.bak", "MY_AGENTS.md", "src/husky.js", "hearth/rules.md", "workspace.code-workspace.md", "README.md"];
    for (const path of ordinary) assert.equal(controlFileReason(path), undefined, path);
  });
});
