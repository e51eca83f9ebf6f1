import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { controlFileReason, controlFileWrite } from "../../../src/tools/control-files.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("control files: writes that run or steer things later", () => {
  it("names VS Code's folder and workspace files, dev containers, git hook folders, CI pipelines and Hearth's own rules, in any case and at any depth", () => {
    const control = [
      ".vscode/settings.json", ".VSCode/tasks.json", "packages/web/.vscode/launch.json", ".vscode/mcp.json",
      "team.code-workspace", ".devcontainer/devcontainer.json", ".husky/pre-commit", ".githooks/pre-push",
      "AGENTS.md", "sub/AGENTS.md", ".hearth/rules.md", ".hearth/memory.md", ".vscode\\tasks.json",
      // The dev container file at the root (its initializeCommand runs on this machine), and the
      // configuration of the hook managers whose installed hooks read it at every commit.
      ".devcontainer.json", ".pre-commit-config.yaml", "lefthook.yml", ".lefthook.yaml", "lefthook-local.yml", ".config/lefthook.yml",
      // lefthook's scripts folders (source_dir, source_dir_local): the scripts its configuration names run at each commit, as .husky/'s do.
      ".lefthook/pre-commit/lint.sh", ".lefthook-local/pre-push/check.sh",
      // CI pipelines: they run on the next push, with the repository's secrets.
      ".github/workflows/ci.yml", ".github/workflows/release.yaml", ".github/actions/setup/action.yml", ".GitHub/Workflows/x.yml",
      ".gitlab-ci.yml", "ci/.gitlab-ci.yml", ".circleci/config.yml", "azure-pipelines.yml", "Jenkinsfile", ".travis.yml", "bitbucket-pipelines.yml", ".buildkite/pipeline.yml",
    ];
    for (const path of control) assert.ok(controlFileReason(path), path);
  });

  it("leaves ordinary files alone, names that only look alike included", () => {
    const ordinary = ["src/vscode/api.ts", ".vscodeignore", "docs/AGENTS.md.bak", "MY_AGENTS.md", "src/husky.js", "hearth/rules.md", "workspace.code-workspace.md", "README.md", "devcontainer.json.md", "docs/lefthook.yml.example", "pre-commit-config.yaml", "lefthook/notes.md", ".github/ISSUE_TEMPLATE/bug.yml", ".github/CODEOWNERS", "docs/workflows/ci.yml", "src/Jenkinsfile.md", "circleci/config.yml"];
    for (const path of ordinary) assert.equal(controlFileReason(path), undefined, path);
  });

  it("sees through links: a write to a file that is a link to .vscode/tasks.json lands there, and is asked as such", async () => {
    const root = tempDir("hearth-control-");
    mkdirSync(join(root, ".vscode"));
    writeFileSync(join(root, ".vscode/tasks.json"), "{}\n");
    writeFileSync(join(root, "README.md"), "# shop\n");
    symlinkSync(".vscode/tasks.json", join(root, "notes.txt"));
    symlinkSync(".vscode", join(root, "editor"));
    assert.match((await controlFileWrite(root, "notes.txt")) ?? "", /^it changes notes\.txt, a link to \.vscode\/tasks\.json: VS Code reads it/);
    assert.match((await controlFileWrite(root, "editor/settings.json")) ?? "", /a link to \.vscode\/settings\.json/);
    assert.match((await controlFileWrite(root, ".vscode/tasks.json")) ?? "", /^it changes \.vscode\/tasks\.json: /);
    assert.equal(await controlFileWrite(root, "README.md"), undefined);
    assert.equal(await controlFileWrite(root, "new/file.ts"), undefined);
    assert.equal(await controlFileWrite(root, "../outside.txt"), undefined, "a write the workspace refuses anyway");
  });
});
