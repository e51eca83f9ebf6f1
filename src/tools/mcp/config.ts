/**
 * MCP server configuration: VS Code's `.vscode/mcp.json` format (also what `hearth fix
 * --mcp FILE` reads). JSON with comments and trailing commas, like VS Code reads it:
 *
 *   { "servers": { "NAME": { "type": "stdio", "command": "node", "args": [], "env": {}, "cwd": "…" }
 *                , "NAME": { "type": "http" | "sse", "url": "https://…", "headers": {} } },
 *     "inputs": [ … ] }
 *
 * `type` may be left out for a server with a `command` (stdio). `mcpServers` (the format of
 * other MCP clients) is read as `servers`. Variables: `${workspaceFolder}`,
 * `${workspaceFolderBasename}`, `${userHome}`, `${pathSeparator}` / `${/}`, `${env:NAME}`.
 * `${input:ID}` needs a prompt Hearth does not have: such a server is left out, with a
 * problem saying what to write instead. A broken server entry is left out with a problem;
 * the others still count. A file that is not a JSON object with `servers` is an error.
 */
import { createHash } from "node:crypto";
import { homedir, userInfo } from "node:os";
import { basename, isAbsolute, resolve, sep } from "node:path";
import { homeFolderOf } from "../../protocol/home-folder.ts";
import { jsonSyntaxError } from "../../protocol/json-syntax.ts";
import { shownName } from "./names.ts";

/** One server, variables resolved, ready to start. */
export type McpServerConfig = McpStdioServer | McpHttpServer;

interface McpServerBase {
  /** The key in `servers`. */
  readonly name: string;
  /**
   * The entry as written in the file (variables unresolved), what the user agrees to; its
   * hash is `definitionHash`, the key consent is remembered under.
   */
  readonly definition: Readonly<Record<string, unknown>>;
  readonly definitionHash: string;
}

export interface McpStdioServer extends McpServerBase {
  readonly transport: "stdio";
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the environment the server inherits; `null` removes an inherited variable. */
  readonly env: Readonly<Record<string, string | null>>;
  readonly cwd: string;
}

export interface McpHttpServer extends McpServerBase {
  /** "http": streamable HTTP; "sse": the older HTTP + server-sent events transport. */
  readonly transport: "http" | "sse";
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A parsed configuration: the usable servers and one line per entry left out. */
export interface McpConfig {
  readonly servers: readonly McpServerConfig[];
  readonly problems: readonly string[];
}

/** What variables resolve to. */
export interface McpConfigContext {
  /** `${workspaceFolder}`; also the default working directory of stdio servers. */
  readonly workspaceFolder: string;
  /** Where the file came from, for messages (".vscode/mcp.json"). */
  readonly source: string;
  /** `${env:NAME}` values (default: this process's environment). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The file as a whole cannot be used (not JSON, not an object, no `servers`). */
export class McpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "McpConfigError";
  }
}

const STDIO_FIELDS = new Set(["type", "command", "args", "env", "cwd"]);
const HTTP_FIELDS = new Set(["type", "url", "headers"]);
/** Fields VS Code knows that Hearth does not act on: named in the problem, so nobody looks for a typo. */
const UNSUPPORTED_FIELDS: Record<string, string> = {
  envFile: `put the variables in "env" (values may be "\${env:NAME}")`,
  dev: "remove it: Hearth does not watch or restart servers under development",
  sandboxEnabled: "remove it: Hearth has no sandbox for MCP servers",
  sandbox: "remove it: Hearth has no sandbox for MCP servers",
};

/** Reads a configuration file's text. Throws `McpConfigError` when the file as a whole is unusable. */
export function parseMcpConfig(text: string, context: McpConfigContext): McpConfig {
  let value: unknown;
  try {
    value = JSON.parse(stripJsonComments(text));
  } catch {
    // V8's message gives an offset in the text without comments, or none: the line and column are counted in the file as written.
    const error = jsonSyntaxError(text, { jsonc: true });
    const where = error ? `${context.source}:${error.line}:${error.column}: not valid JSON: ${error.problem}` : `${context.source}: not valid JSON`;
    throw new McpConfigError(`${where}. Fix the file; it is read like VS Code's mcp.json.`);
  }
  if (!isObject(value)) throw new McpConfigError(`${context.source} must hold a JSON object with "servers". See VS Code's mcp.json format.`);
  const unknown = Object.keys(value).filter((key) => !["servers", "mcpServers", "inputs", "$schema"].includes(key));
  if (unknown.length) throw new McpConfigError(`${context.source} has unknown top-level field(s) ${unknown.map((k) => `"${shownName(k)}"`).join(", ")}. It may have "servers" and "inputs".`);
  if (value.servers !== undefined && value.mcpServers !== undefined) throw new McpConfigError(`${context.source} has both "servers" and "mcpServers". Keep one of them.`);
  const servers = value.servers ?? value.mcpServers;
  if (!isObject(servers)) throw new McpConfigError(`${context.source} needs a "servers" object mapping each server's name to its definition.`);
  if (value.inputs !== undefined && !Array.isArray(value.inputs)) throw new McpConfigError(`${context.source}: "inputs" must be a list.`);
  const out: McpServerConfig[] = [];
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    try {
      out.push(parseServer(name, entry, context));
    } catch (error) {
      if (!(error instanceof McpConfigError)) throw error;
      problems.push(error.message);
    }
  }
  return { servers: out, problems };
}

function parseServer(name: string, entry: unknown, context: McpConfigContext): McpServerConfig {
  // A line break or a bidi override in the name is escaped: the problem is read in the chat, the log and the terminal.
  const where = `MCP server "${shownName(name)}" in ${context.source}`;
  if (!name.trim()) throw new McpConfigError(`A server in ${context.source} has an empty name. Give it a name.`);
  if (!isObject(entry)) throw new McpConfigError(`${where} must be an object with "command" (stdio) or "url" (http).`);
  const type = entry.type ?? (entry.command !== undefined ? "stdio" : entry.url !== undefined ? "http" : undefined);
  if (type !== "stdio" && type !== "http" && type !== "sse") {
    throw new McpConfigError(`${where} has type ${JSON.stringify(type)}. Use "stdio" (with "command") or "http" / "sse" (with "url").`);
  }
  checkFields(where, entry, type === "stdio" ? STDIO_FIELDS : HTTP_FIELDS);
  const vars = (field: string, text: string) => substitute(text, context, `${where}, "${field}"`);
  const base = { name, definition: entry, definitionHash: definitionHash(name, entry) };
  if (type === "stdio") {
    if (typeof entry.command !== "string" || !entry.command.trim()) throw new McpConfigError(`${where} needs "command": the program to start.`);
    const args = stringList(entry.args, `${where}: "args"`).map((arg) => vars("args", arg));
    const env = stringMap(entry.env, `${where}: "env"`, true);
    const cwd = entry.cwd === undefined ? context.workspaceFolder : vars("cwd", stringValue(entry.cwd, `${where}: "cwd"`));
    return {
      ...base,
      transport: "stdio",
      command: vars("command", entry.command),
      args,
      env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? null : vars("env", v)])),
      cwd: isAbsolute(cwd) ? cwd : resolve(context.workspaceFolder, cwd),
    };
  }
  const url = vars("url", stringValue(entry.url, `${where}: "url"`));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new McpConfigError(`${where} has "url" ${JSON.stringify(url)}, which is not a URL. Write it as http://host:port/path.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new McpConfigError(`${where}: "url" must start with http:// or https://.`);
  const headers = stringMap(entry.headers, `${where}: "headers"`, false) as Record<string, string>;
  return { ...base, transport: type, url, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, vars("headers", v)])) };
}

/** The first field `known` does not hold, as a problem; its name escaped as the server's is (`where`), as substitute's variable names are: a line break or a bidi override would show raw in the chat, the log and the terminal. */
function checkFields(where: string, entry: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const key of Object.keys(entry)) {
    if (known.has(key)) continue;
    const unsupported = UNSUPPORTED_FIELDS[key];
    if (unsupported) throw new McpConfigError(`${where}: Hearth does not support "${shownName(key)}"; ${unsupported}.`);
    throw new McpConfigError(`${where} has an unknown field "${shownName(key)}" (a ${entry.type ?? "stdio"} server may have ${[...known].map((k) => `"${k}"`).join(", ")}). Remove it or fix its spelling.`);
  }
}

/**
 * `${userHome}`: homeFolderOf, not os.homedir() alone — with HOME empty "${userHome}/bin/srv"
 * was /bin/srv, with HOME=. ./bin/srv, run from the workspace.
 */
function userHome(where: string): string {
  try {
    return homeFolderOf({ homedir, userInfo, isAbsolute });
  } catch (error) {
    throw new McpConfigError(`${where} uses \${userHome}, and ${(error as Error).message}; the server is left out until then.`);
  }
}

/** Resolves the variables in one value; `${input:…}` and unknown variables are problems. */
function substitute(text: string, context: McpConfigContext, where: string): string {
  const env = context.env ?? process.env;
  return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    if (name === "workspaceFolder") return context.workspaceFolder;
    if (name === "workspaceFolderBasename") return basename(context.workspaceFolder);
    if (name === "userHome") return userHome(where);
    if (name === "pathSeparator" || name === "/") return sep;
    if (name.startsWith("env:")) return env[name.slice(4)] ?? "";
    if (name.startsWith("input:")) {
      throw new McpConfigError(`${where} uses \${${shownName(name)}}: Hearth cannot prompt for inputs. Set an environment variable and write \${env:NAME} instead; the server is left out until then.`);
    }
    throw new McpConfigError(`${where} uses the unknown variable \${${shownName(name)}}. Hearth knows \${workspaceFolder}, \${workspaceFolderBasename}, \${userHome}, \${pathSeparator} and \${env:NAME}.`);
  });
}

/**
 * The hash consent is remembered under: the server's name and its entry as written
 * (keys sorted), so any change to command, args, env, cwd, url or headers asks again.
 */
export function definitionHash(name: string, entry: unknown): string {
  return createHash("sha256").update(JSON.stringify([name, sortKeys(entry)])).digest("hex");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key])]));
}

function stringValue(value: unknown, where: string): string {
  if (typeof value !== "string" || !value) throw new McpConfigError(`${where} must be a non-empty string.`);
  return value;
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) throw new McpConfigError(`${where} must be a list of strings.`);
  return value as string[];
}

/** A map of strings (numbers are written as strings; `null` only where `allowNull`). */
function stringMap(value: unknown, where: string, allowNull: boolean): Record<string, string | null> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new McpConfigError(`${where} must be an object of strings.`);
  const out: Record<string, string | null> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out[key] = item;
    else if (typeof item === "number" && Number.isFinite(item)) out[key] = String(item);
    else if (item === null && allowNull) out[key] = null;
    else throw new McpConfigError(`${where}: "${key}" must be a string${allowNull ? " (or null to remove it)" : ""}.`);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * JSON with comments (VS Code's mcp.json allows them) → JSON: `//` and `/* *\/` comments
 * outside strings become spaces, commas before `}` or `]` are dropped.
 */
export function stripJsonComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
      out += " ";
    } else {
      out += c;
      i++;
    }
  }
  return withoutTrailingCommas(out);
}

/** Drops each comma that only whitespace separates from a closing `}` or `]` (outside strings). */
function withoutTrailingCommas(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; ) {
    if (text[i] === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (text[i] === ",") {
      let next = i + 1;
      while (next < text.length && /\s/.test(text[next]!)) next++;
      if (text[next] === "}" || text[next] === "]") {
        i++;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

/** Index just past the string starting at `start` (a `"`), escapes honoured. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return Math.min(i + 1, text.length);
}
