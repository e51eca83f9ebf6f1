/**
 * list_files: the workspace's files (ignores honoured), optionally under a folder and
 * matching a glob. Links pointing out of the workspace are not followed; each is shown as
 * skipped.
 */
import { DEFAULT_LIMITS, shownPath } from "../indexer/index.ts";
import { globMatcher, linkOutLine, stoppedNote, unnamedNote, unreadableNote, workspaceFiles } from "./file-walk.ts";
import { type Tool, optionalInt, optionalString } from "./tool.ts";

const DEFAULT_LIMIT = 300;

export const listFilesTool: Tool = createListFilesTool(DEFAULT_LIMITS.maxFiles);

/** The list_files tool, each call's walk stopped after `maxWalkedFiles` files (the index's own limit; tests use a small one). */
export function createListFilesTool(maxWalkedFiles: number): Tool {
  return {
    effect: "read",
    display: { title: "List files", wouldLikeTo: ["list the files in {path}", "list the workspace's files"], keyArguments: ["path", "glob"], body: "arguments" },
    definition: {
      name: "list_files",
      description: "List files in the workspace, skipping .gitignore'd files and folders like node_modules. Optionally under a folder and matching a glob such as \"**/*.py\" or \"*.test.ts\".",
      parameters: {
        type: "object",
        properties: {
          path: { type: "string", description: "Folder to list, relative to the workspace root (default: the root)." },
          glob: { type: "string", description: "Only paths matching this glob; without a / it matches file names." },
          max_results: { type: "integer", description: `At most this many paths (default ${DEFAULT_LIMIT}).` },
        },
        required: [],
      },
    },
    async execute(input, ctx) {
      const dir = await ctx.workspace.resolve(optionalString(input, "path") ?? ".");
      const glob = optionalString(input, "glob");
      const limit = optionalInt(input, "max_results", 1, 10_000) ?? DEFAULT_LIMIT;
      const matches = glob ? globMatcher(glob) : undefined;
      const found = await workspaceFiles(ctx.workspace.root, dir, { maxFiles: maxWalkedFiles, signal: ctx.signal });
      const all = found.paths.filter((p) => !matches || matches(p));
      // Shown whatever the glob: a skipped folder may hold files that would have matched.
      const skipped = found.linksOut;
      const shown = all.slice(0, limit);
      const more = all.length > limit ? `\n[${all.length - limit} more not shown; narrow with path or glob.]` : "";
      const listed = shown.length === 0 ? "No files match." : shown.map(shownPath).join("\n") + more;
      const lines = [listed, ...skipped.map(linkOutLine), ...unreadableNote(found.denied, "listed"), ...unnamedNote(found.unnamed, "listed"), ...(found.stopped ? [stoppedNote(dir, found.stopped, "listed")] : [])];
      return { text: lines.join("\n"), data: { paths: shown, total: all.length, skipped, unreadable: found.denied, ...(found.stopped ? { stopped: found.stopped } : {}) } };
    },
  };
}
