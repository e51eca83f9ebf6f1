/** find_symbol: where a name is defined (and optionally used), from the repository index. */
import { shownPath } from "../indexer/index.ts";
import { shownLine } from "../indexer/text.ts";
import { looksLikeSecrets } from "../protocol/secret-files.ts";
import { otherSecretNames } from "./secret-reads.ts";
import { maskSecrets, maskedNote } from "./secret-values.ts";
import { type Tool, ToolError, optionalBool, optionalInt, stringArg } from "./tool.ts";

const MAX_RESULTS = 500;

export const findSymbolTool: Tool = {
  effect: "read",
  display: { title: "Find symbol", wouldLikeTo: "find the definition of {name}", keyArguments: ["name"], body: "arguments" },
  definition: {
    name: "find_symbol",
    description: "Find where a function, class, method, type or variable is defined (from the code index), with its signature; optionally also where it is referenced.",
    parameters: {
      type: "object",
      properties: {
        name: { type: "string", description: "The symbol's name, e.g. parseConfig or UserService, or qualified as the language writes it: Store.Get, Parser::parse." },
        references: { type: "boolean", description: "Also list references (calls, type uses, imports). Default false." },
        max_results: { type: "integer", description: "At most this many of each (default 30)." },
      },
      required: ["name"],
    },
  },
  async execute(input, ctx) {
    if (!ctx.index) throw new ToolError("unavailable", "the code index is not ready yet; use search instead");
    const name = stringArg(input, "name").trim();
    const limit = optionalInt(input, "max_results", 1, MAX_RESULTS) ?? 30;
    // One more than shown, to say when there are more (a name like `setup` or `init` can be defined in thousands of files).
    const found = await ctx.index.findDefinitions(name, limit + 1);
    // A definition's line is the file's text: one in a .env that parses as code, or in a hard link to one (settings.py), is its key.
    const hidden = await secretFilesAmong(ctx.workspace.root, found.map((d) => d.path));
    const definitions = found.filter((d) => !hidden.has(d.path)).map(withoutSecrets);
    const references = optionalBool(input, "references") ? await ctx.index.findReferences(name, limit + 1) : [];
    const parts: string[] = [];
    parts.push(definitions.length === 0 ? `No definition of "${name}" found.` : `Definitions of ${name}:`);
    for (const d of definitions.slice(0, limit)) parts.push(`${shownPath(d.path)}:${d.line + 1}: ${d.kind}${d.scope ? ` in ${shownLine(d.scope)}` : ""}: ${shownLine(d.signature)}`);
    const masked = definitions.slice(0, limit).flatMap((d) => d.masked.map((kind) => ({ kind, line: d.line + 1, path: d.path })));
    parts.push(...more(definitions.length, limit, "definitions"), ...maskedNote(masked, (m) => `${shownPath(m.path)}:${m.line}`), ...secretsNote(found.length - definitions.length, hidden));
    if (optionalBool(input, "references")) {
      parts.push(references.length === 0 ? `No references to "${name}" found.` : `References to ${name}:`);
      for (const r of references.slice(0, limit)) parts.push(`${shownPath(r.path)}:${r.line + 1}: ${r.kind}${r.scope ? ` in ${shownLine(r.scope)}` : ""}`);
      parts.push(...more(references.length, limit, "references"));
    }
    return { text: parts.join("\n"), data: { definitions: definitions.slice(0, limit), references: references.slice(0, limit) } };
  },
};

/**
 * A definition with the secret values its signature holds masked (`GITHUB_TOKEN = "ghp_…"`:
 * secret-values.ts), in the text and in the data the UI keeps, and what was masked.
 */
function withoutSecrets<T extends { readonly signature: string; readonly masked?: readonly string[] }>(d: T): T & { readonly masked: string[] } {
  const { text, masked } = maskSecrets(d.signature);
  // The index stores a signature masked already (extract.ts) and says what it masked: those are named in the note too.
  // Not read from the text: a signature can hold a mask's words as they are (a test's expected output).
  return { ...d, signature: text, masked: [...(d.masked ?? []), ...masked.map((m) => m.kind)] };
}

/** The note under a list cut at `limit` (none when it was not). */
function more(found: number, limit: number, what: string): string[] {
  if (found <= limit) return [];
  const next = limit < MAX_RESULTS ? `pass a larger max_results (up to ${MAX_RESULTS}) to see more, or ` : "";
  return [`[More than ${limit} ${what}; ${next}narrow down with search in the folder you care about.]`];
}

/** Of `paths`, those that look like they hold secrets, by name or as another name of such a file, with how it is shown. */
async function secretFilesAmong(root: string, paths: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(paths)];
  const others = await otherSecretNames(root, unique.filter((path) => !looksLikeSecrets(path)));
  const secret = new Map<string, string>();
  for (const path of unique) {
    const other = others.get(path);
    if (looksLikeSecrets(path)) secret.set(path, shownPath(path));
    else if (other !== undefined) secret.set(path, `${shownPath(path)}, another name of ${shownPath(other)}`);
  }
  return secret;
}

function secretsNote(count: number, files: ReadonlyMap<string, string>): string[] {
  if (count === 0) return [];
  const what = count === 1 ? "1 definition" : `${count} definitions`;
  const where = files.size === 1 ? "a file that looks like it holds" : `${files.size} files that look like they hold`;
  return [`[Not shown: ${what} in ${where} secrets (${[...files.values()].join("; ")}): their lines are the file's text. Look inside one only if the task needs it, with read_file.]`];
}
