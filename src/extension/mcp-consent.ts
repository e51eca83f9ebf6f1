/**
 * The answer to the runtime's `hearth/mcp/consent` (src/protocol/mcp.ts): may the
 * workspace's `.vscode/mcp.json` start this server? A checkout's file is a list of
 * commands from whoever wrote it, so: never in an untrusted workspace; otherwise the user
 * is asked once per definition — a hash of the workspace folder, the server's name and its
 * entry as written (command, args, env, cwd / url, headers) — and a yes is remembered in
 * global state. Any change to the entry, or the same entry in another folder (where
 * `${workspaceFolder}/server.js` is another program), asks again. A no is remembered until
 * the window reloads.
 *
 * No "vscode" import: the prompt and the storage are passed in (mcp-bridge.ts wires them),
 * so unit tests run this as it is.
 */
import { createHash } from "node:crypto";
import type { McpConsentParams, McpConsentResult } from "../protocol/mcp.ts";
import { jsonEscape, visibleText } from "../protocol/visible-text.ts";

/** Global-state key holding the hashes of allowed server definitions. */
export const MCP_CONSENT_KEY = "hearth.mcp.allowedServers";

/** Where yeses are kept (VS Code's `Memento`). */
export interface ConsentStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface McpConsentGateOptions {
  readonly isTrusted: () => boolean;
  readonly store: ConsentStore;
  /** Asks the user; true = start it. `summary` is what the server runs, for the question. */
  readonly ask: (params: McpConsentParams, summary: string) => Promise<boolean>;
  /** Where `${env:NAME}` values come from (default: the extension host's environment). */
  readonly env?: NodeJS.ProcessEnv;
}

export class McpConsentGate {
  private readonly denied = new Set<string>();
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(private readonly options: McpConsentGateOptions) {}

  async decide(params: McpConsentParams): Promise<McpConsentResult> {
    if (!this.options.isTrusted()) {
      return { allowed: false, askAgain: true, reason: "the workspace is not trusted. Trust it (Workspaces: Manage Workspace Trust) to be asked about its MCP servers" };
    }
    const hash = consentHash(params);
    if (this.allowedHashes().includes(hash)) return this.allow(params);
    if (this.denied.has(hash)) return { allowed: false, reason: "you did not allow it. Reload the window to be asked again" };
    // Two runs starting together share one question.
    let question = this.asking.get(hash);
    if (!question) {
      question = this.options.ask(params, describeDefinition(params.definition));
      this.asking.set(hash, question);
    }
    try {
      const yes = await question;
      if (!yes) {
        this.denied.add(hash);
        return { allowed: false, reason: "you did not allow it. Reload the window to be asked again" };
      }
      const allowed = this.allowedHashes();
      if (!allowed.includes(hash)) await this.options.store.update(MCP_CONSENT_KEY, [...allowed, hash]);
      return this.allow(params);
    } finally {
      this.asking.delete(hash);
    }
  }

  /** A yes, with the editor's values of the `${env:NAME}` variables this entry names. */
  private allow(params: McpConsentParams): McpConsentResult {
    const env = this.options.env ?? process.env;
    const variables: Record<string, string> = {};
    for (const name of environmentVariables(params.definition)) {
      const value = env[name];
      if (value !== undefined) variables[name] = value;
    }
    return { allowed: true, ...(Object.keys(variables).length ? { variables } : {}) };
  }

  private allowedHashes(): string[] {
    const value = this.options.store.get<unknown>(MCP_CONSENT_KEY);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  }
}

/** The key a yes is remembered under: folder, name and entry as written (keys sorted). */
export function consentHash(params: Pick<McpConsentParams, "workspaceFolder" | "server" | "definition">): string {
  return createHash("sha256").update(JSON.stringify([params.workspaceFolder, params.server, sortKeys(params.definition)])).digest("hex");
}

/**
 * What a server entry runs, in one line for the question. Env and header values are left
 * out (they may be secrets written in the file), but the editor's environment variables
 * they name are said: a yes hands their values to the server (a header
 * `"X-Trace": "${env:GITHUB_TOKEN}"` sends that token to whatever host the URL names).
 */
export function describeDefinition(definition: Readonly<Record<string, unknown>>): string {
  const names = (value: unknown) => (value && typeof value === "object" ? Object.keys(value).map(shownText) : []);
  const passed = environmentVariables(definition);
  const variables = passed.length ? `, ${typeof definition.url === "string" ? "sending" : "giving"} it the values of your environment variables ${passed.join(", ")}` : "";
  if (typeof definition.url === "string") {
    const headers = names(definition.headers);
    return `connects to ${shownText(definition.url)}${headers.length ? ` (headers: ${headers.join(", ")})` : ""}${variables}`;
  }
  const args = Array.isArray(definition.args) ? definition.args.map(String) : [];
  const env = names(definition.env);
  const cwd = typeof definition.cwd === "string" ? ` in ${shownText(definition.cwd)}` : "";
  return `runs: ${[String(definition.command), ...args].map(shownText).join(" ")}${cwd}${env.length ? ` (environment: ${env.join(", ")})` : ""}${variables}`;
}

/**
 * A value from the file as the question shows it: one holding a line break or a bidi mark
 * (or a long run of blanks, counted) quoted and escaped as a JSON string (60 line breaks in
 * bash's `-c` script pushed its last line, the one that mattered, out of the question); any
 * other as it is.
 */
export function shownText(text: string): string {
  if (visibleText(text, true) === text && !LONG_BLANK.test(text)) return text;
  // The characters visibleText writes out (line breaks, controls, bidi and zero-width marks), as JSON escapes.
  const escaped = (part: string) => visibleText(JSON.stringify(part).slice(1, -1), true, jsonEscape);
  let shown = "";
  let at = 0;
  for (const run of text.matchAll(LONG_BLANKS)) {
    shown += `${escaped(text.slice(at, run.index))}⟨${run[0].replace(/\r\n/g, "\n").length} ${blankKind(run[0])}⟩`; // CRLF: one line break
    at = run.index + run[0].length;
  }
  return `"${shown}${escaped(text.slice(at))}"`;
}

/**
 * A run of blank characters long enough to push the rest of a value out of sight (5,000
 * spaces, tabs or line breaks before `; curl … | sh` in bash's `-c` script; escaped, 5,000
 * line breaks or zero-width spaces are 10,000 or 30,000 characters): counted in the
 * question, not shown. Shorter runs (a script's indentation) stay as they are.
 */
const BLANK_RUN = "[ \\t\\n\\v\\f\\r\\u0085\\u00a0\\u1680\\u2000-\\u200d\\u2028\\u2029\\u202f\\u205f\\u2060\\u3000\\ufeff]{9,}";
const LONG_BLANK = new RegExp(BLANK_RUN);
const LONG_BLANKS = new RegExp(BLANK_RUN, "g");

/** What a run of blanks is made of, for its count (⟨5000 spaces⟩). */
function blankKind(run: string): string {
  if (/^[\n\v\f\r\u0085\u2028\u2029]+$/.test(run)) return "line breaks";
  if (/^\t+$/.test(run)) return "tabs";
  if (/^[\u200b-\u200d\u2060\ufeff]+$/.test(run)) return "zero-width characters";
  return /^[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+$/.test(run) ? "spaces" : "blank characters";
}

/** The names in the entry's `${env:NAME}` variables, each once, in order: what a yes sends it from the editor's environment. */
function environmentVariables(definition: Readonly<Record<string, unknown>>): string[] {
  return [...new Set([...JSON.stringify(definition).matchAll(/\$\{env:([^}]+)\}/g)].map((match) => match[1]!))];
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, sortKeys(object[key])]));
}
