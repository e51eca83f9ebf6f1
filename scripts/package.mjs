// Builds a platform-specific VSIX: `npm run package [-- --target linux-x64]` → hearth-<version>-<target>.vsix.
// The bundles in out/ hold all JavaScript except the native packages, which ship in the
// VSIX's node_modules: node-llama-cpp with the llama.cpp binaries native/targets.json names
// for the target, and tree-sitter with its grammars. `.vscodeignore` is the allowlist for
// Hearth's own files; this script appends one allow line per runtime file of those
// packages (vsce lets any `!` line win, so exclusions are done here, by not listing files).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const config = JSON.parse(readFileSync(join(root, "native/targets.json"), "utf8"));
const hostTarget = `${process.platform}-${process.arch}`;
const target = argValue("--target") ?? hostTarget;
const targetConfig = config.targets[target];
if (!targetConfig) fail(`unknown target ${target}; known: ${Object.keys(config.targets).join(", ")}`);
if (target !== hostTarget) {
  // tree-sitter's core binding has no prebuilds: it is compiled by `npm ci` on the machine
  // that packages, so each target's VSIX is built on that platform (native/README.md).
  fail(`cannot package ${target} on ${hostTarget}: run "npm ci && npm run package" on a ${target} machine`);
}

function argValue(name) {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

/** Directory of `name` as Node would resolve it from `fromDir`. */
function resolvePackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/** The runtime packages and everything they depend on; other platforms' binaries left out. */
function dependencyClosure() {
  const llamaBinaryPackages = new Set(Object.values(config.targets).flatMap((t) => [...t.llamaBinaries, ...t.fetchedOnFirstUse]));
  const wanted = new Set(targetConfig.llamaBinaries);
  const dirs = new Set();
  const visit = (name, fromDir, optional) => {
    if (llamaBinaryPackages.has(name) && !wanted.has(name)) return;
    const dir = resolvePackageDir(name, fromDir);
    if (!dir) {
      if (optional) return;
      fail(`${name} is not installed (needed from ${relative(root, fromDir) || "."}): run npm ci`);
    }
    if (dirs.has(dir)) return;
    dirs.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of config.runtimePackages) visit(name, root, false);
  for (const name of targetConfig.llamaBinaries) visit(name, join(root, "node_modules", "node-llama-cpp"), false);
  return [...dirs].sort();
}

// Files are dropped only from the big native packages, where we know what is unused (a
// generic "vendor/" or "test/" folder can be real code). Every other package ships whole,
// as one allow line: vsce checks each file against every allow line, so per-file lines for
// a hundred small packages would cost minutes for a few hundred KB of docs.
const DROPPED_FILES = /\.(md|markdown|map|d\.ts|d\.mts|d\.cts|tsbuildinfo)$/i;
const GRAMMAR_SOURCES = /\.(wasm|c|cc|cpp|h|hpp|gyp|gypi)$|(^|\/)(binding_test\.js|CMakeLists\.txt|Makefile|grammar\.js)$/i;
const GRAMMAR_DROPPED_DIRS = new Set(["src", "vendor", "test", "tests", "examples", "docs", "script", "scripts", ".github"]);

/** Whether a file inside a package is needed at run time. */
function keep(relPath, packageName) {
  const parts = relPath.split("/");
  if (!isTrimmed(packageName)) return true;
  if (DROPPED_FILES.test(relPath)) return false;
  if (packageName.startsWith("tree-sitter")) {
    if (relPath.endsWith("node-types.json")) return true; // grammar bindings read it (nodeTypeInfo)
    if (GRAMMAR_SOURCES.test(relPath) || parts.slice(0, -1).some((p) => GRAMMAR_DROPPED_DIRS.has(p))) return false;
    if (parts[0] === "bindings" && parts[1] !== "node") return false; // other languages' bindings
    if (parts[0] === "prebuilds" && parts[1] !== target) return false;
    if (parts[0] === "build" && !(parts[1] === "Release" && relPath.endsWith(".node"))) return false;
  }
  if (packageName === "node-llama-cpp") {
    // Sources, CMake files and scaffolding templates serve only a from-source build, which
    // Hearth never runs (build: "never"); the prebuilt binaries come from @node-llama-cpp/*.
    if (parts[0] === "templates" || parts[0] === "bins") return false;
    if (parts[0] === "llama" && !(parts.length === 2 && parts[1].endsWith(".json")) && parts[1] !== "grammars") return false;
  }
  return true;
}

function isTrimmed(packageName) {
  return packageName.startsWith("tree-sitter") || packageName === "node-llama-cpp";
}

/**
 * Allow-lines for the kept files under `dir`, one `dir/**` line for a folder kept whole:
 * vsce matches every file against every line, so thousands of per-file lines cost minutes.
 */
function allowLines(dir, packageDir, packageName) {
  const lines = [];
  let complete = true;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const rel = relative(packageDir, path).split(sep).join("/");
    if (statSync(path).isDirectory()) {
      if (name === "node_modules") continue; // nested packages are visited as packages of their own
      const sub = allowLines(path, packageDir, packageName);
      complete &&= sub.complete && sub.lines.length > 0;
      lines.push(...sub.lines);
    } else if (keep(rel, packageName)) {
      lines.push(`!${relative(root, path).split(sep).join("/")}`);
    } else {
      complete = false;
    }
  }
  const hasNested = existsSync(join(dir, "node_modules"));
  if (complete && !hasNested && dir !== packageDir) return { complete, lines: [`!${relative(root, dir).split(sep).join("/")}/**`] };
  return { complete: complete && !hasNested, lines };
}

execFileSync(process.execPath, [join(root, "esbuild.mjs"), "--production"], { stdio: "inherit", cwd: root });

const allow = [];
for (const dir of dependencyClosure()) {
  const name = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name;
  if (isTrimmed(name)) allow.push(...allowLines(dir, dir, name).lines);
  else allow.push(`!${relative(root, dir).split(sep).join("/")}/**`);
}
const ignoreFile = join(root, "out", `.vscodeignore-${target}`);
writeFileSync(ignoreFile, `${readFileSync(join(root, ".vscodeignore"), "utf8")}\n# runtime packages for ${target}\n${allow.join("\n")}\n`);

const vsix = `${pkg.name}-${pkg.version}-${target}.vsix`;
const vsce = join(root, "node_modules", "@vscode", "vsce", "vsce");
// README's images are relative (docs/screenshots, shipped in the VSIX): Hearth has no public
// repository URL for vsce to rewrite them to, and the extension page resolves them locally.
execFileSync(process.execPath, [vsce, "package", "--target", target, "--ignoreFile", ignoreFile, "--out", vsix, "--allow-missing-repository", "--no-rewrite-relative-links"], {
  stdio: "inherit",
  cwd: root,
});
console.log(`package: ${vsix} (${(statSync(join(root, vsix)).size / 1024 / 1024).toFixed(1)} MiB, ${allow.length} allow lines)`);
