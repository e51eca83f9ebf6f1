/**
 * The workspace's files as list_files and search see them: the indexer's scan (nested
 * .gitignore, .hearthignore, excluded folders like node_modules), plus the files the
 * index leaves out for its own reasons (lock files, minified, large) — those are still
 * files a person can ask about.
 */
import { DEFAULT_EXCLUDED_DIRS, shownPath } from "../indexer/index.ts";
// scan.ts is not re-exported by the indexer's index.ts; it is the one walker that honours
// ignore files the same way the index does, so the tools share it.
import { scanRepository } from "../indexer/scan.ts";

/** What the walk found. Paths are workspace-relative with forward slashes, sorted. */
export interface WorkspaceFiles {
  readonly paths: string[];
  /** Symbolic links (to files or folders) whose real path is outside the workspace: not followed. */
  readonly linksOut: string[];
}

/** The workspace's files; links pointing out of it are not followed but reported. */
export async function workspaceFiles(root: string, signal?: AbortSignal): Promise<WorkspaceFiles> {
  const scan = await scanRepository(root, {
    excludeDirs: DEFAULT_EXCLUDED_DIRS,
    useGitignore: true,
    maxFileBytes: Number.MAX_SAFE_INTEGER,
    ...(signal ? { signal } : {}),
  });
  const kept = scan.skipped.filter((s) => s.reason === "generated" || s.reason === "minified").map((s) => s.path);
  const linksOut = scan.skipped.filter((s) => s.reason === "link-outside").map((s) => s.path).sort();
  return { paths: [...scan.files.map((f) => f.path), ...kept].sort(), linksOut };
}

/** The line list_files and search show for a link they did not follow. */
export function linkOutLine(path: string): string {
  return `${shownPath(path)} → outside the workspace, skipped`;
}

/** A glob (`*`, `**`, `?`, `{a,b}`) as a regex over workspace-relative paths. Without a `/` it matches the file name. */
export function globRegex(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*" && glob[i + 1] === "*") {
      out += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "{") {
      const close = glob.indexOf("}", i);
      if (close === -1) out += "\\{";
      else {
        out += `(?:${glob.slice(i + 1, close).split(",").map(escape).join("|")})`;
        i = close;
      }
    } else out += escape(ch);
  }
  return new RegExp(glob.includes("/") ? `^${out}$` : `(?:^|/)${out}$`);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Keeps paths under `dir` ("." = all). */
export function under(paths: readonly string[], dir: string): string[] {
  if (dir === ".") return [...paths];
  return paths.filter((p) => p === dir || p.startsWith(`${dir}/`));
}
