// Holds the import directions of STYLE.md (the first folder under src/ says where code runs):
//   protocol  → protocol only (+ the LSP protocol package); never vscode or node-llama-cpp
//   extension → protocol, github, extension; the only folder that imports `vscode`
//   webview   → protocol, webview; no Node built-ins
//   runtime   → protocol, models, indexer, agent, tools, completions, runtime
//   cli       → protocol, models, indexer, agent, tools, github, cli
//   github    → protocol, github (GitHub issues and a checkout's remotes, for the editor and the CLI)
//   agent     → protocol, models, tools, indexer, agent
//   tools     → protocol, indexer, tools
//   models    → protocol, models;  indexer → protocol, indexer
//   completions → protocol, models, indexer, completions (runtime may import it)
// Nothing imports runtime/ or extension/; only src/models/llama-cpp(.ts|/) imports node-llama-cpp.
// Other folders import src/models through its public src/models/index.ts only.
// File names are kebab-case.
//   node scripts/lint-imports.mjs          lint src/, exit 1 on problems
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ALLOWED = {
  protocol: ["protocol"],
  extension: ["protocol", "github", "extension"],
  webview: ["protocol", "webview"],
  runtime: ["protocol", "models", "indexer", "agent", "tools", "completions", "runtime"],
  cli: ["protocol", "models", "indexer", "agent", "tools", "github", "cli"],
  github: ["protocol", "github"],
  agent: ["protocol", "models", "tools", "indexer", "agent"],
  tools: ["protocol", "indexer", "tools"],
  models: ["protocol", "models"],
  indexer: ["protocol", "indexer"],
  completions: ["protocol", "models", "indexer", "completions"],
};

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** Problems in one file: `path` is relative to the repository root, with forward slashes. */
export function checkFile(path, source) {
  const problems = [];
  const parts = path.split("/");
  const area = parts[1];
  const base = parts.at(-1);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)+$/.test(base)) problems.push(`${path}: file name is not kebab-case`);
  const allowed = ALLOWED[area];
  if (!allowed) return [...problems, `${path}: unknown top-level folder src/${area} (add it to scripts/lint-imports.mjs)`];
  for (const match of source.matchAll(IMPORT_RE)) {
    const spec = match[1] ?? match[2] ?? match[3];
    problems.push(...checkImport(path, area, allowed, spec));
  }
  return problems;
}

function checkImport(path, area, allowed, spec) {
  if (spec === "vscode" && area !== "extension") return [`${path}: only src/extension may import "vscode"`];
  if (spec.startsWith("node-llama-cpp") && !/^src\/models\/llama-cpp(\.ts|\/)/.test(path)) {
    return [`${path}: only src/models/llama-cpp.ts or src/models/llama-cpp/ may import node-llama-cpp`];
  }
  if (area === "webview" && (spec.startsWith("node:") || ["fs", "path", "child_process", "os"].includes(spec))) {
    return [`${path}: webview code runs in a browser and may not import ${spec}`];
  }
  if (area === "protocol" && !spec.startsWith(".") && !spec.startsWith("vscode-languageserver-protocol") && !spec.startsWith("vscode-jsonrpc")) {
    return [`${path}: src/protocol may import only the LSP protocol packages, not ${spec}`];
  }
  if (!spec.startsWith(".")) return [];
  const target = join(dirname(path), spec).split(sep).join("/");
  const targetArea = target.startsWith("src/") ? target.split("/")[1] : undefined;
  if (targetArea && !allowed.includes(targetArea)) return [`${path}: src/${area} may not import src/${targetArea} (${spec})`];
  if (targetArea === "models" && area !== "models" && target !== "src/models/index.ts") {
    return [`${path}: import src/models through src/models/index.ts, not ${spec}`];
  }
  return [];
}

function listSources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listSources(path);
    return /\.(ts|tsx|mts)$/.test(name) ? [path] : [];
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const problems = listSources(join(root, "src")).flatMap((file) =>
    checkFile(relative(root, file).split(sep).join("/"), readFileSync(file, "utf8")),
  );
  for (const problem of problems) console.error(problem);
  console.log(problems.length ? `lint: ${problems.length} problem(s)` : "lint: import directions and file names OK");
  process.exit(problems.length ? 1 : 0);
}
