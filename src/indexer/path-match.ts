/**
 * Resolving paths and module names written in an issue to workspace files. A traceback
 * carries the reporter's absolute paths (`/Users/x/git/proj/pkg/core/numbers.py`,
 * `C:\…\site-packages\pkg\…`): the file meant is the workspace path sharing the longest
 * suffix with it, segment by segment.
 */

const MODULE_FILES = [".py", ".pyi", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"];
const PACKAGE_FILES = ["__init__.py", "index.js", "index.ts", "index.mjs", "index.tsx"];

/** Workspace paths by base name, for suffix matching. */
export class PathMatcher {
  private readonly byBase = new Map<string, string[]>();

  constructor(paths: Iterable<string>) {
    for (const path of paths) {
      const base = path.slice(path.lastIndexOf("/") + 1);
      const list = this.byBase.get(base);
      if (list) list.push(path);
      else this.byBase.set(base, [path]);
    }
  }

  /**
   * The workspace files a written path means: those sharing the most trailing segments with
   * it. A path of several segments needs two in common (a lone `utils.py` from someone's
   * site-packages is not ours); a bare base name may match at most `maxBare` files.
   */
  resolve(written: string, maxBare = 2): string[] {
    const segments = written.split("/").filter((s) => s !== "" && s !== "." && s !== "..");
    const candidates = this.byBase.get(segments[segments.length - 1] ?? "");
    if (!candidates) return [];
    let best = 0;
    let found: string[] = [];
    for (const path of candidates) {
      const common = commonSuffix(path.split("/"), segments);
      if (common > best) (best = common), (found = [path]);
      else if (common === best) found.push(path);
    }
    if (segments.length === 1) return found.length <= maxBare ? found : [];
    return best >= 2 ? found : [];
  }

  /**
   * The file a module name means (`pkg.core.numbers`, `lib/utils`): a module file or a
   * package's index, two segments in common at least. Trailing parts that are not modules
   * (`pkg.core.numbers.Float.evalf`) are dropped, two at most.
   */
  resolveModule(name: string): string[] {
    const parts = name.split(/[./]/).filter((p) => p !== "");
    for (let drop = 0; drop <= 2 && parts.length - drop >= 2; drop++) {
      const stem = parts.slice(0, parts.length - drop).join("/");
      const found = new Set<string>();
      for (const ext of MODULE_FILES) for (const p of this.resolve(stem + ext, 0)) found.add(p);
      for (const index of PACKAGE_FILES) for (const p of this.resolve(`${stem}/${index}`, 0)) found.add(p);
      if (found.size > 0) return [...found];
    }
    return [];
  }
}

function commonSuffix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}
