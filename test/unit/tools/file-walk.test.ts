import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { workspaceFiles } from "../../../src/tools/file-walk.ts";
import { createListFilesTool, listFilesTool } from "../../../src/tools/list-files.ts";
import { MATCH_LIMIT_MS } from "../../../src/tools/line-matcher.ts";
import { createSearchTool } from "../../../src/tools/search.ts";
import { type ToolResult, runTool } from "../../../src/tools/tool.ts";
import { workspaceWith, writeFiles } from "./helpers/setup.ts";

const SHOP = join(import.meta.dirname, "../../fixtures/indexer/shop");

/** A big folder sorted first (30 files, breadth first from the root) and a small one deep in the last. */
function bigTree() {
  const files: Record<string, string> = { "top.txt": "needle at the top\n" };
  for (let i = 0; i < 30; i++) files[`aa/bb/f${String(i).padStart(2, "0")}.txt`] = "needle in the big folder\n";
  for (const name of ["one.py", "two.py", "three.py"]) files[`zz/deep/wanted/${name}`] = `needle = "${name}"\n`;
  return workspaceWith(files);
}

const paths = (r: ToolResult) => (r.data as { paths: string[] }).paths;
const hitPaths = (r: ToolResult) => (r.data as { hits: { path: string }[] }).hits.map((h) => h.path);
const stopped = (r: ToolResult) => (r.data as { stopped?: unknown }).stopped;

describe("list_files and search in a tree past their walk's limit", () => {
  const listFiles = createListFilesTool(10);
  const search = createSearchTool(MATCH_LIMIT_MS, 10);

  it("a path deep in the tree lists and searches all of its files, walking only that folder", async () => {
    const { ctx } = bigTree();
    const listed = await runTool(listFiles, { path: "zz/deep/wanted" }, ctx);
    assert.deepEqual(paths(listed), ["zz/deep/wanted/one.py", "zz/deep/wanted/three.py", "zz/deep/wanted/two.py"]);
    assert.equal(stopped(listed), undefined, listed.text);
    assert.doesNotMatch(listed.text, /Too many files/);
    const found = await runTool(search, { pattern: "needle", path: "zz/deep" }, ctx);
    assert.deepEqual(hitPaths(found), ["zz/deep/wanted/one.py", "zz/deep/wanted/three.py", "zz/deep/wanted/two.py"]);
    assert.equal(stopped(found), undefined, found.text);
    const one = await runTool(search, { pattern: "needle", path: "zz/deep/wanted/two.py" }, ctx);
    assert.deepEqual(hitPaths(one), ["zz/deep/wanted/two.py"]);
  });

  it("a walk that stops keeps the files nearest the folder and says it did not look everywhere, and where to narrow", async () => {
    const { ctx } = bigTree();
    const listed = await runTool(listFiles, {}, ctx);
    assert.equal(paths(listed).length, 10);
    assert.equal(paths(listed).at(-1), "top.txt", "breadth first: the root's own file is kept");
    assert.deepEqual(stopped(listed), { maxFiles: 10, foldersLeft: 2 }); // aa/bb half done, zz/deep not entered
    assert.equal(
      listed.text.split("\n").at(-1),
      "[Too many files: only the 10 files nearest the workspace root were listed; 2 folders under it were not walked, or only in part. This is not all of the workspace root: narrow with path to a folder below it (a glob only filters the files walked).]",
    );
    const found = await runTool(search, { pattern: "needle", path: "aa", max_results: 100 }, ctx);
    assert.equal(hitPaths(found).length, 10);
    assert.match(found.text, /\[Too many files: only the 10 files nearest aa were searched; 1 folder under it was not walked, or only in part\. This is not all of aa: narrow with path/);
    const glob = await runTool(listFiles, { glob: "*.py" }, ctx);
    assert.equal(glob.text.split("\n")[0], "No files match.");
    assert.match(glob.text, /Too many files/, "a glob that matched nothing in the part walked is no proof there is nothing");
  });

  it("the ignore rules and excluded folders above the path still apply", async () => {
    const { ctx, root } = workspaceWith({
      ".gitignore": "*.log\ngen/\n",
      ".git/info/exclude": "local.txt\n",
      "sub/.gitignore": "secret.ts\n",
      "sub/deep/keep.ts": "needle\n",
      "sub/deep/secret.ts": "needle\n",
      "sub/deep/debug.log": "needle\n",
      "sub/deep/local.txt": "needle\n",
      "sub/deep/gen/out.ts": "needle\n",
      "gen/inner/a.ts": "needle\n",
      "node_modules/pkg/lib/index.js": "needle\n",
    });
    mkdirSync(join(root, "sub/deep/node_modules"));
    writeFiles(root, { "sub/deep/node_modules/x.js": "needle\n" });
    symlinkSync(join(root, "sub"), join(root, "sub/deep/up"));
    const listed = await runTool(listFiles, { path: "sub/deep" }, ctx);
    assert.deepEqual(paths(listed), ["sub/deep/keep.ts"]);
    const found = await runTool(search, { pattern: "needle", path: "sub/deep" }, ctx);
    assert.deepEqual(hitPaths(found), ["sub/deep/keep.ts"]);
    for (const path of ["gen/inner", "node_modules/pkg/lib", "sub/deep/secret.ts", "sub/deep/debug.log", "sub/deep/up/deep"]) {
      const r = await runTool(listFiles, { path }, ctx);
      assert.equal(r.text, "No files match.", path);
    }
  });

  // "No matches in 0 files" for a folder that is not there read as a folder without the text.
  it("a path that does not exist, or names a pipe, is an error, not an empty answer", async () => {
    const { root, ctx } = workspaceWith({ "src/a.ts": "needle\n" });
    execFileSync("mkfifo", [join(root, "src/pipe")]);
    const search = createSearchTool(MATCH_LIMIT_MS, 100);
    for (const tool of [listFilesTool, search]) {
      const missing = await runTool(tool, { path: "srcs", pattern: "needle" }, ctx);
      assert.equal(missing.text, 'Error (not-found): "srcs" does not exist', tool.definition.name);
      const underFile = await runTool(tool, { path: "src/a.ts/x", pattern: "needle" }, ctx);
      assert.match(underFile.text, /^Error \(not-found\)/, tool.definition.name);
      const pipe = await runTool(tool, { path: "src/pipe", pattern: "needle" }, ctx);
      assert.equal(pipe.text, 'Error (not-a-file): "src/pipe" is not a file or folder (a pipe, socket or device)', tool.definition.name);
    }
  });

  it("cancelling stops the walk", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`d${i}/e/f.txt`] = "x\n";
    const { ctx, controller } = workspaceWith(files);
    setTimeout(() => controller.abort(), 0);
    const r = await runTool(listFilesTool, {}, ctx);
    assert.equal(!r.ok && r.code, "cancelled", r.text);
  });
});

describe("a walk from a folder", () => {
  it("finds what the whole workspace's walk finds under that folder, links and ignores included", async () => {
    const { root } = workspaceWith();
    cpSync(SHOP, root, { recursive: true });
    writeFiles(root, { "src/users/.gitignore": "secret.ts\n", "src/users/secret.ts": "x\n", "src/users/admin/a.ts": "x\n", "dist/b.js": "x\n" });
    symlinkSync(join(root, "src/users"), join(root, "src/people"));
    symlinkSync(join(root, "src"), join(root, "src/util/loop"));
    symlinkSync(join(root, "dist"), join(root, "src/built"));
    const whole = await workspaceFiles(root, ".", { maxFiles: 1000 });
    const folders = new Set(whole.paths.flatMap((p) => p.split("/").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("/"))));
    assert.ok(folders.has("src/people") && folders.has("src/users/admin"), [...folders].join(", "));
    for (const dir of [...folders, "src/util/loop", "src/built"]) {
      const from = await workspaceFiles(root, dir, { maxFiles: 1000 });
      assert.deepEqual(from.paths, whole.paths.filter((p) => p.startsWith(`${dir}/`)), dir);
    }
  });
});
