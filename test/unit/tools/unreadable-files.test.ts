// Files and folders this user may not read (mode 000, a folder that can be listed but not
// entered): list_files and search must say they left them out, or the model takes "No
// matches" for "not in the code". Permissions do not bind root, so the tools run as nobody.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

const checkout = resolve(import.meta.dirname, "../../..");

describe("list_files and search over files this user may not read", () => {
  it("name the files and folders they could not read instead of leaving them out silently", (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root to run the tools as another user");
    const module = join(checkout, "src/tools/index.ts");
    if (spawnSync("runuser", ["-u", "nobody", "--", "test", "-r", module]).status !== 0) return t.skip("user nobody cannot read this checkout");
    // Not under the test runner's own temp folder, which only root may enter.
    const shared = mkdtempSync("/tmp/hearth-shared-");
    t.after(() => {
      for (const dir of ["locked", "noexec"]) chmodSync(join(shared, "project", dir), 0o755);
      rmSync(shared, { recursive: true, force: true });
    });
    chmodSync(shared, 0o755);
    const root = join(shared, "project");
    for (const dir of ["ok", "locked", "noexec"]) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, "ok/w.ts"), "export const w = 'needle';\n");
    writeFileSync(join(root, "locked/x.ts"), "export const x = 'needle';\n");
    writeFileSync(join(root, "noexec/y.ts"), "export const y = 'needle';\n");
    writeFileSync(join(root, "m000.ts"), "export const z = 'needle';\n");
    chmodSync(root, 0o755);
    chmodSync(join(root, "ok"), 0o755);
    chmodSync(join(root, "locked"), 0o000);
    chmodSync(join(root, "noexec"), 0o644); // its names can be read, its files not reached
    chmodSync(join(root, "m000.ts"), 0o000);
    const script = join(shared, "tools.mts");
    writeFileSync(script, `import { DiskWorkspace, runTool, toolByName } from ${JSON.stringify(module)};
const ctx = { workspace: new DiskWorkspace(process.argv[2]), signal: new AbortController().signal, reads: new Map() };
const list = await runTool(toolByName("list_files"), {}, ctx);
const search = await runTool(toolByName("search"), { pattern: "needle" }, ctx);
console.log(JSON.stringify({ list: list.text, search: search.text }));
`);
    const tmp = join(shared, "tmp"); // tsx's cache
    mkdirSync(tmp);
    chmodSync(tmp, 0o777);
    const run = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, "--import", "tsx", script, root], { cwd: checkout, encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const { list, search } = JSON.parse(run.stdout) as { list: string; search: string };
    assert.equal(list, "m000.ts\nok/w.ts\n[Not listed: 2 files or folders that could not be read: locked/, noexec/y.ts. This user may not enter or read them, so what they hold is not listed; ask the user for access if they matter.]");
    assert.equal(search, "ok/w.ts:1: export const w = 'needle';\n[Not searched: 3 files or folders that could not be read: locked/, m000.ts, noexec/y.ts. This user may not read them (or their read failed), so matches in them are not shown; ask the user for access if they matter.]");
  });
});
