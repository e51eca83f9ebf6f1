// Builds Hearth: one esbuild context per process.
//   node esbuild.mjs            development build (sourcemaps, no minify)
//   node esbuild.mjs --watch    rebuild on change
//   node esbuild.mjs --production   minified, for the VSIX
import * as esbuild from "esbuild";
import { cp, mkdir, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");
const pkg = JSON.parse(await readFile(new URL("./package.json", import.meta.url), "utf8"));

// Native packages stay outside the bundles and ship in the VSIX's node_modules.
const nativeExternals = ["node-llama-cpp", "tree-sitter", "tree-sitter-*", "@node-llama-cpp/*"];

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: "warning",
  define: { HEARTH_VERSION: JSON.stringify(pkg.version) },
  legalComments: "none",
};

// ESM output for the runtime and the CLI because node-llama-cpp is ESM-only; bundled
// CommonJS dependencies still need `require`, so give them one.
const esmNodeBanner = [
  "import { createRequire as __hearthCreateRequire } from 'node:module';",
  "const require = __hearthCreateRequire(import.meta.url);",
].join("\n");

/** An ESM bundle for Node at out/<name>.mjs whose dynamic imports become chunks. */
function splitNodeEsm(name, entry, banner) {
  return {
    name,
    entryPoints: { [name]: entry },
    outdir: "out",
    splitting: true,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    external: nativeExternals,
    banner: { js: banner },
  };
}

const targets = [
  {
    name: "extension",
    entryPoints: ["src/extension/main.ts"],
    outfile: "out/extension.cjs",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
  },
  // The runtime and the CLI are split: what a dynamic import() loads (node-llama-cpp's
  // backend, ~1 s of native binaries) becomes a chunk in out/chunks, read only when used,
  // so a runtime answers its first status and `hearth --help` prints without it.
  splitNodeEsm("runtime", "src/runtime/main.ts", esmNodeBanner),
  splitNodeEsm("cli", "src/cli/main.ts", "#!/usr/bin/env node\n" + esmNodeBanner),
  {
    // Worker threads of the indexer (parsing and the whole index off the caller's thread);
    // the runtime and the CLI find it next to themselves.
    name: "indexer-worker",
    entryPoints: ["src/indexer/worker-entry.ts"],
    outfile: "out/indexer-worker.mjs",
    platform: "node",
    format: "esm",
    target: "node20",
    external: nativeExternals,
    banner: { js: esmNodeBanner },
  },
  {
    name: "webview",
    entryPoints: ["src/webview/main.ts"],
    outfile: "out/webview.js",
    platform: "browser",
    format: "iife",
    target: "es2022",
  },
];

async function copyAssets() {
  // Data files read at run time by path (tree-sitter queries); paths are passed in explicitly.
  if (existsSync("src/indexer/queries")) {
    await rm("out/queries", { recursive: true, force: true });
    await cp("src/indexer/queries", "out/queries", { recursive: true });
  }
}

await rm("out/chunks", { recursive: true, force: true }); // stale chunks would ship in the VSIX
await mkdir("out", { recursive: true });
const contexts = await Promise.all(targets.map(({ name: _name, ...options }) => esbuild.context({ ...common, ...options })));
if (watch) {
  await copyAssets();
  await Promise.all(contexts.map((ctx) => ctx.watch()));
  console.log("[esbuild] watching for changes…");
} else {
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  await copyAssets();
  console.log(`[esbuild] built ${targets.map((t) => t.outfile ?? `out/${Object.keys(t.entryPoints)[0]}.mjs`).join(", ")}${production ? " (production)" : ""}`);
}
