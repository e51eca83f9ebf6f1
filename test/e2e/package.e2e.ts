// `npm run package` makes a VSIX that carries exactly the native parts it needs, and that
// code-server installs with --install-extension and activates: the runtime starts and
// node-llama-cpp loads from the VSIX's own node_modules.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT, type Workbench, startWorkbench } from "./workbench.ts";
import { tempDir } from "../fixtures/temp.ts";

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
const target = `${process.platform}-${process.arch}`;

describe("the packaged VSIX", () => {
  let vsix: string;
  let entries: string[];
  let wb: Workbench | undefined;

  before(() => {
    vsix = process.env.HEARTH_VSIX ?? join(REPO_ROOT, `${pkg.name}-${pkg.version}-${target}.vsix`);
    if (!process.env.HEARTH_VSIX) execFileSync(process.execPath, [join(REPO_ROOT, "scripts/package.mjs")], { cwd: REPO_ROOT, stdio: "inherit" });
    assert.ok(existsSync(vsix), `${vsix} was not produced`);
    entries = execFileSync("unzip", ["-Z1", vsix], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).split("\n").filter(Boolean);
  }, { timeout: 900_000 });
  after(async () => wb?.close(), { timeout: 900_000 });

  it("carries the bundles, this target's llama.cpp binaries and tree-sitter, and nothing that only serves a build", { timeout: 900_000 }, () => {
    for (const file of ["extension/out/extension.cjs", "extension/out/runtime.mjs", "extension/out/webview.js", "extension/media/chat.css", "extension/package.json"]) {
      assert.ok(entries.includes(file), `${file} missing`);
    }
    assert.ok(entries.some((e) => e.startsWith("extension/node_modules/node-llama-cpp/dist/")));
    assert.ok(entries.some((e) => e.startsWith("extension/node_modules/tree-sitter/build/Release/") && e.endsWith(".node")));
    const binaries = JSON.parse(readFileSync(join(REPO_ROOT, "native/targets.json"), "utf8")).targets[target].llamaBinaries as string[];
    for (const name of binaries) assert.ok(entries.some((e) => e.startsWith(`extension/node_modules/${name}/bins/`)), `${name} binaries missing`);
    // README's screenshots travel with it: relative links the extension page resolves in the VSIX.
    const images = [...readFileSync(join(REPO_ROOT, "README.md"), "utf8").matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!).filter((link) => !/^\w+:/.test(link));
    assert.ok(images.length > 0, "README.md shows screenshots");
    for (const image of images) assert.ok(entries.includes(`extension/${image}`), `${image} (shown by README.md) is missing from the VSIX`);
    const forbidden = [/linux-x64-cuda/, /gitRelease\.bundle$/, /\/src\/parser\.c$/, /\.wasm$/, /^extension\/src\//, /^extension\/test\//, /prebuilds\/(darwin|win32)-/, /node_modules\/vscode-languageclient\//];
    for (const pattern of forbidden) {
      const hit = entries.find((e) => pattern.test(e));
      assert.equal(hit, undefined, `${hit} should not be in the VSIX`);
    }
  });

  it("its own node_modules load every tree-sitter grammar the indexer uses", { timeout: 900_000 }, () => {
    const dir = tempDir("hearth-vsix-");
    execFileSync("unzip", ["-q", vsix, "-d", dir]);
    const ext = join(dir, "extension", "node_modules");
    const script = `
      const Parser = require(${JSON.stringify(join(ext, "tree-sitter"))});
      const ts = require(${JSON.stringify(join(ext, "tree-sitter-typescript"))});
      const langs = { typescript: ts.typescript, tsx: ts.tsx };
      for (const name of ["javascript", "python", "go", "rust", "java", "c", "cpp"]) langs[name] = require(${JSON.stringify(ext)} + "/tree-sitter-" + name);
      const out = {};
      for (const [name, lang] of Object.entries(langs)) { const p = new Parser(); p.setLanguage(lang); out[name] = p.parse("x").rootNode.type; }
      console.log(JSON.stringify(out));`;
    const parsed = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
    assert.deepEqual(Object.keys(parsed).sort(), ["c", "cpp", "go", "java", "javascript", "python", "rust", "tsx", "typescript"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("installs with code-server --install-extension and activates: runtime ready, node-llama-cpp loaded", { timeout: 900_000 }, async () => {
    const folder = tempDir("hearth-ws-");
    writeFileSync(join(folder, "README.md"), "# demo\n");
    wb = await startWorkbench({ folder, vsix });
    await wb.page.locator('.activitybar a[aria-label="Hearth"], .activitybar [aria-label^="Hearth"]').first().click();
    const view = wb.hearthView();
    await view.locator('[data-state="ready"]').waitFor({ timeout: 60_000 });
    // The compute line appears once the runtime has loaded node-llama-cpp's binaries from the VSIX.
    await view.locator('[data-compute]:not([data-compute="probing"])').waitFor({ timeout: 60_000 });
    assert.match(await view.locator("[data-compute]").innerText(), /Compute: (CPU|VULKAN|CUDA)/);
    await wb.screenshot("package-vsix-installed");
  });
});
