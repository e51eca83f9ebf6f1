/**
 * remember: the agent proposes a fact about the project it learned while working (the
 * test command, a pitfall, a convention) and, once the user approves (effect "memory":
 * asked under every policy but auto-all), writes it as `.hearth/memory/<date>-<slug>.md`
 * through the workspace. Entries are plain Markdown with a date and a source, so the team
 * reviews, diffs and merges them in git; every later run reads them into its prompt.
 */
import { MEMORY_CATEGORIES, MEMORY_DIR, formatMemoryEntry, isoDate, memoryFilePath, parseMemoryEntry } from "../protocol/memory.ts";
import { type Tool, ToolError, optionalString, stringArg } from "./tool.ts";
import type { Workspace } from "./workspace.ts";

const MAX_FACT_CHARS = 2000;
const MAX_TITLE_CHARS = 80;

export const rememberTool: Tool = {
  effect: "memory",
  display: {
    title: "Remember",
    wouldLikeTo: ["remember “{title}” about the project (a file in .hearth/memory you can edit or forget)", "remember this about the project (a file in .hearth/memory you can edit or forget)"],
    keyArguments: [],
    body: "memory",
  },
  definition: {
    name: "remember",
    description:
      "Save a fact about this project for future sessions and teammates (the user approves it first): how to run or build things, a pitfall you hit, a convention the code follows. One durable fact per call, true beyond this task; never secrets or personal data.",
    parameters: {
      type: "object",
      properties: {
        fact: { type: "string", description: "The fact, in one to five sentences of Markdown." },
        title: { type: "string", description: "A short title, e.g. \"Tests need a build first\"." },
        category: { type: "string", description: `One word: ${MEMORY_CATEGORIES.join(", ")}.` },
      },
      required: ["fact", "title"],
    },
  },
  async execute(input, ctx) {
    const fact = stringArg(input, "fact").trim();
    const title = stringArg(input, "title").replace(/\s+/g, " ").trim();
    const category = (optionalString(input, "category") ?? "").trim().toLowerCase();
    check(fact, title, category);
    await refuseDuplicate(ctx.workspace, fact);
    const date = isoDate(new Date());
    const entry = { title, date, source: ctx.session ?? "agent", category, body: fact };
    ctx.signal.throwIfAborted();
    const path = await createEntry(ctx.workspace, date, title, Buffer.from(formatMemoryEntry(entry), "utf8"));
    return { text: `Remembered "${title}" in ${path}; later sessions will see it in the project rules.`, data: { path, entry } };
  },
};

function check(fact: string, title: string, category: string): void {
  if (!fact) throw new ToolError("invalid-input", 'argument "fact" is empty');
  if (!title) throw new ToolError("invalid-input", 'argument "title" is empty');
  if (fact.length > MAX_FACT_CHARS) throw new ToolError("too-large", `the fact has ${fact.length} characters; keep it under ${MAX_FACT_CHARS} (one fact per call)`);
  if (title.length > MAX_TITLE_CHARS) throw new ToolError("invalid-input", `the title has ${title.length} characters; keep it under ${MAX_TITLE_CHARS}`);
  if (category && !/^[a-z][a-z0-9-]{0,23}$/.test(category)) throw new ToolError("invalid-input", `category "${category}" is not one short word; use one of ${MEMORY_CATEGORIES.join(", ")}`);
}

/** The same fact twice is noise in every later prompt. */
async function refuseDuplicate(ws: Workspace, fact: string): Promise<void> {
  if ((await ws.stat(MEMORY_DIR))?.type !== "directory") return;
  const normal = (text: string) => text.replace(/\s+/g, " ").trim().toLowerCase();
  for (const e of await ws.list(MEMORY_DIR)) {
    if (e.type !== "file" || !e.name.endsWith(".md")) continue;
    const path = `${MEMORY_DIR}/${e.name}`;
    const entry = parseMemoryEntry(new TextDecoder().decode(await ws.read(path)), path);
    if (normal(entry.body) === normal(fact)) throw new ToolError("already-exists", `this fact is already remembered in ${path} ("${entry.title}")`);
  }
}

/**
 * Writes the entry under the first free name of the day. `create` never replaces a file, so
 * an entry another window or `hearth fix` wrote under the same name a moment ago is kept
 * (a check-then-write lost it) and this one takes the next number.
 */
async function createEntry(ws: Workspace, date: string, title: string, content: Uint8Array): Promise<string> {
  for (let n = 1; n < 100; n++) {
    const path = memoryFilePath(date, title, n);
    if (await ws.create(path, content)) return path;
  }
  throw new ToolError("already-exists", `too many memory entries named "${title}" today; choose another title`);
}
