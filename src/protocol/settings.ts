/**
 * The one `Settings` type shared by the extension (which reads VS Code's configuration),
 * the runtime (which receives it in `initializationOptions` and
 * `workspace/didChangeConfiguration`) and the CLI (flags and environment).
 *
 * Every setting is declared once in `SETTINGS` with its default and its description; a unit
 * test keeps `package.json` in step. No setting restarts the runtime: the runtime applies
 * each change itself (a model change reloads the model slot, src/models/model-slot.ts). The
 * one restart, a server API key that changed, is keyed on the secret, not on a setting
 * (src/extension/runtime-client.ts).
 * Values from outside (user settings files, the wire) always pass through `sanitizeSettings`.
 */
import { jsonEscape, visibleText } from "./visible-text.ts";

export const MODEL_PRESETS = ["qwen3.6-35b-a3b", "qwen3.6-27b", "qwen3.5-35b-a3b", "qwen3.5-27b", "custom"] as const;
export type ModelPreset = (typeof MODEL_PRESETS)[number];

export const KV_CACHE_TYPES = ["f16", "q8_0", "q4_0"] as const;
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

export const APPROVAL_POLICIES = ["ask", "auto-edit", "auto-all"] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

/** Largest context Qwen3.5 was trained for; "auto" fits up to this. */
export const MAX_CONTEXT_SIZE = 262_144;

/**
 * The smallest context the agent can work in: its instructions and tool definitions alone
 * take several thousand tokens (4,210 for "hi" with the generated test models), so below
 * this every chat and Fix This Issue run stops at its first turn. llama.cpp also raises any
 * size under 256 to 256 without a word.
 */
export const MIN_AGENT_CONTEXT_SIZE = 8192;

export interface Settings {
  /** Which model to run when no GGUF path or server URL is set. */
  modelPreset: ModelPreset;
  /** Absolute path of a local GGUF file; overrides the preset. Empty: none. */
  modelPath: string;
  /** OpenAI-compatible server base URL (remote backend); overrides local models. Empty: none. */
  serverUrl: string;
  /** Tokens of context, or 0 for "auto" (fitted to free memory up to the model's training context). */
  contextSize: number;
  /** Layers offloaded to the GPU: -1 for "auto", 0 for CPU only. */
  gpuLayers: number;
  /** Quantization of the KV cache. */
  kvCacheType: KvCacheType;
  /** CPU threads for generation; 0 lets node-llama-cpp decide. */
  threads: number;
  /** Optional smaller GGUF used for inline completions; empty: the main model. */
  completionModelPath: string;
  /** What the agent may do without asking. */
  approvalPolicy: ApprovalPolicy;
  /** Inline completions while typing. */
  inlineCompletionsEnabled: boolean;
  /** Glob patterns of files never completed nor used as context, besides the built-in secrets list; `!` takes a file off (src/protocol/secret-files.ts). */
  inlineCompletionsExclude: readonly string[];
}

/** "array": a list of strings. */
type Kind = "enum" | "string" | "integer" | "boolean" | "array";

export interface SettingSpec<K extends keyof Settings = keyof Settings> {
  readonly key: K;
  readonly kind: Kind;
  readonly default: Settings[K];
  readonly description: string;
  readonly enum?: readonly string[];
  readonly enumDescriptions?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  /**
   * Where VS Code lets it be set (package.json `scope`). "window" (VS Code's default)
   * includes the workspace's .vscode/settings.json, which a team commits; "machine" keeps
   * it in user settings only; "language-overridable" also allows `"[lang]": {…}` blocks.
   */
  readonly scope?: "application" | "machine" | "window" | "resource" | "language-overridable";
  /**
   * For a setting that grants the agent power: values from the workspace (a repository
   * anyone can commit to) may only make it stricter than the user's own value, never looser.
   * For a list of exclusions ("array"): the workspace's entries are added to the user's,
   * but none starting with `!` (which would take a file off the list).
   */
  readonly workspaceMayOnlyTighten?: boolean;
  /**
   * For a setting whose workspace value would send the user's code elsewhere (a server
   * URL): a value from the workspace counts only once the user agreed to that value for
   * this workspace; until then the user's own value applies.
   */
  readonly workspaceNeedsConsent?: boolean;
  /**
   * Hearth takes the user's value only, as for a "machine" setting, but VS Code's scope stays
   * "window": a "machine" value in the user's local settings does not apply in a remote window
   * (Remote-SSH, WSL, code-server), where these load settings have always been read from them.
   */
  readonly userOnly?: boolean;
}

/** A setting whose workspace layers Hearth ignores: "machine" and "application" ones, and `userOnly`. */
export function fromUserOnly(spec: SettingSpec): boolean {
  return spec.scope === "machine" || spec.scope === "application" || spec.userOnly === true;
}

/** The configuration section in VS Code: settings are `hearth.<key>`. */
export const SETTINGS_SECTION = "hearth";

export const SETTINGS: readonly SettingSpec[] = [
  {
    key: "modelPreset", kind: "enum", default: "qwen3.6-35b-a3b",
    enum: MODEL_PRESETS,
    enumDescriptions: [
      "Qwen3.6-35B-A3B (mixture of experts, 3B active): the newest Qwen, fast on most GPUs. Recommended.",
      "Qwen3.6-27B (dense): the newest Qwen, stronger per token, needs more VRAM and is slower.",
      "Qwen3.5-35B-A3B (mixture of experts, 3B active): fast on most GPUs.",
      "Qwen3.5-27B (dense): stronger per token, needs more VRAM and is slower.",
      "A GGUF file of your choice (set Model Path).",
    ],
    // userOnly, as the four load settings below: which model runs and how much of this machine it takes
    // are the user's to say, not a cloned repository's (its "custom" or a preset not downloaded left no model).
    userOnly: true,
    description: "The model Hearth runs when neither Model Path nor Server URL is set. A user setting, as this machine's: Hearth ignores it in a workspace's `.vscode/settings.json`.",
  },
  {
    // "machine": a repository must not choose which file the native GGUF reader opens.
    key: "modelPath", kind: "string", default: "", scope: "machine",
    description: "Absolute path of a local GGUF model file. Overrides the preset. A user setting: a workspace's `.vscode/settings.json` cannot set it.",
  },
  {
    key: "serverUrl", kind: "string", default: "", scope: "window", workspaceNeedsConsent: true,
    description: "Base URL of an OpenAI-compatible server (llama-server, vLLM, SGLang, Ollama), e.g. http://gpu-box:8080/v1. Overrides local models. A team shares one server by committing this setting in the workspace's `.vscode/settings.json` (each person agrees once to send their code there); each person stores the API key with **Hearth: Set Server API Key…** (kept in VS Code's secret storage for that server only, never in settings).",
  },
  {
    key: "contextSize", kind: "integer", default: 0, minimum: 0, maximum: MAX_CONTEXT_SIZE, userOnly: true,
    description: "Context size in tokens. 0 = auto: as large as free memory allows, up to the model's training context (262,144 for Qwen3.5). The size actually used is shown in the status bar. A user setting, as this machine's: Hearth ignores it in a workspace's `.vscode/settings.json`.",
  },
  {
    key: "gpuLayers", kind: "integer", default: -1, minimum: -1, maximum: 1000, userOnly: true,
    description: "Model layers to offload to the GPU. -1 = auto (as many as fit), 0 = CPU only. A user setting, as this machine's: Hearth ignores it in a workspace's `.vscode/settings.json`.",
  },
  {
    key: "kvCacheType", kind: "enum", default: "f16",
    enum: KV_CACHE_TYPES,
    enumDescriptions: ["Full precision (default).", "8-bit: half the memory, nearly lossless.", "4-bit: a quarter of the memory, some quality loss."],
    userOnly: true,
    description: "Quantization of the attention KV cache. Smaller types fit more context into the same memory. A user setting, as this machine's: Hearth ignores it in a workspace's `.vscode/settings.json`.",
  },
  {
    key: "threads", kind: "integer", default: 0, minimum: 0, maximum: 256, userOnly: true,
    description: "CPU threads used for generation. 0 = automatic. A user setting, as this machine's: Hearth ignores it in a workspace's `.vscode/settings.json`.",
  },
  {
    key: "completionModelPath", kind: "string", default: "", scope: "machine",
    description: "Optional smaller GGUF model for inline completions (e.g. a small Qwen coder model). Empty = use the main model. A user setting: a workspace's `.vscode/settings.json` cannot set it.",
  },
  {
    key: "approvalPolicy", kind: "enum", default: "ask", workspaceMayOnlyTighten: true,
    enum: APPROVAL_POLICIES,
    enumDescriptions: [
      "Ask before every file write and every command.",
      "Apply file edits without asking (each is checkpointed and undoable); ask before commands, before writing files that run or steer things later (.vscode/, *.code-workspace, .devcontainer/, .devcontainer.json, .husky/, .githooks/, .lefthook/, pre-commit's and lefthook's configuration, AGENTS.md, .hearth/) and before editing a file that looks like it holds secrets (.env, a private key: an edit that does not match quotes its lines).",
      "Run edits and commands without asking.",
    ],
    description: "What the agent may do without asking you first. Reads never ask, but of a file that looks like it holds secrets (`.env`, a private key, a credential store: asked under `ask` and `auto-edit`); nothing is ever written outside the workspace. A workspace's `.vscode/settings.json` can make this stricter than your user setting, never looser; in an untrusted workspace it is always `ask`.",
  },
  {
    key: "inlineCompletionsEnabled", kind: "boolean", default: true, scope: "language-overridable",
    description: "Show inline completions (ghost text) from the local model while typing. Can be set per language, e.g. `\"[markdown]\": {\"hearth.inlineCompletionsEnabled\": false}`.",
  },
  {
    key: "inlineCompletionsExclude", kind: "array", default: [], workspaceMayOnlyTighten: true,
    description: "Files never completed and never shown to the model as context for another file, besides the built-in list (`.env` and `.env.*` but templates such as `.env.example`, private keys, `*.pem`/`*.key`, `.npmrc`, `.netrc`, `.aws/credentials`, `.ssh/`). Glob patterns: one without `/` matches the file name (`*.secret.json`), one with `/` the end of the path (`config/credentials.yml`); `*` is any characters but `/`, `**` any folders, `?` one character, `{a,b}` either. A pattern starting with `!` completes matching files again, also ones on the built-in list (`!.env.development`); the last matching pattern decides. A workspace's `.vscode/settings.json` can add up to 200 patterns, not `!` ones.",
  },
];

export const DEFAULT_SETTINGS: Settings = Object.fromEntries(
  SETTINGS.map((spec) => [spec.key, spec.default]),
) as unknown as Settings;

/** The layers of one setting, as VS Code's `WorkspaceConfiguration.inspect()` reports them. */
export interface SettingLayers {
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

/**
 * The value a setting takes from its layers, deciding what a repository may set: a user-only
 * setting ("machine"/"application", `userOnly`: the model and its load settings) ignores the workspace layers; a setting that grants
 * power (`workspaceMayOnlyTighten`, an enum ordered from strict to loose) takes the strictest
 * of the user's value and the workspace's; in an untrusted workspace those are the strictest
 * value outright. A setting that would send the user's code elsewhere (`workspaceNeedsConsent`)
 * takes the workspace's value only in a trusted workspace and once `consented` says the user
 * agreed to it. Otherwise the most specific layer wins, as in VS Code.
 * `undefined` means "not set" (the default applies).
 */
export function layeredValue(spec: SettingSpec, layers: SettingLayers, trusted: boolean, consented: (value: unknown) => boolean = () => false): unknown {
  const user = layers.globalValue;
  const workspace = [layers.workspaceFolderValue, layers.workspaceValue].filter((v) => v !== undefined);
  if (fromUserOnly(spec)) return user;
  if (spec.workspaceMayOnlyTighten && spec.kind === "array") return addedByWorkspace(user, layers);
  if (spec.workspaceNeedsConsent) return trusted && awaitingConsent(spec, layers, consented) === undefined ? (workspace[0] ?? user) : user;
  if (spec.workspaceMayOnlyTighten && spec.enum) {
    const order = spec.enum;
    if (!trusted) return order[0];
    // The user's own value that is none of them ("auto") is handed on as it is, so sanitizeSettings
    // says so and uses the default, the strictest: ranked as the strictest here, it went unsaid.
    if (user !== undefined && !order.includes(user as string) && spec.default === order[0]) return user;
    const ranks = [user ?? spec.default, ...workspace].map((v) => order.indexOf(v as string));
    // An invalid value ranks as the strictest, so a typo never loosens anything.
    return order[Math.min(...ranks.map((r) => (r < 0 ? 0 : r)))];
  }
  // A workspace's value that is not valid (a repository's "hearth.threads": "8") does not hide the
  // user's own valid one: ignoredWorkspaceValue says it. With no valid workspace value the user's
  // own is handed on as it is (sanitizeSettings says it if it is not valid either).
  return workspace.find((v) => sanitizeValue(spec, v) !== undefined) ?? user;
}

/**
 * The workspace layer's value that is not valid for the setting (null counts as not set), which
 * `layeredValue` passes over; undefined when there is none. What VS Code's `get` returns is
 * the most specific layer, valid or not: config.ts reads such a setting with `layeredValue`.
 */
export function invalidWorkspaceValue(spec: SettingSpec, layers: SettingLayers): unknown {
  return [layers.workspaceFolderValue, layers.workspaceValue].find((v) => v !== undefined && v !== null && sanitizeValue(spec, v) === undefined);
}

/**
 * A value quoted as JSON writes it, its hidden characters (bidi controls, zero-width ones) as
 * \\u escapes too: a workspace's value in a notice must read as what it is.
 */
function quoted(value: unknown): string {
  return visibleText(JSON.stringify(value), true, jsonEscape);
}

/**
 * After a command (Select Model, the completions toggle) wrote `value` to the user's settings —
 * never to the workspace's: a repository's committed `.vscode/settings.json` is not Hearth's to
 * change — the sentence saying the workspace's value still applies here over it; undefined
 * when the user's value is the one that applies.
 */
export function workspaceStillApplies(spec: SettingSpec, layers: SettingLayers, value: unknown, trusted: boolean, consented: (value: unknown) => boolean = () => false): string | undefined {
  const workspace = layers.workspaceFolderValue ?? layers.workspaceValue;
  const applied = layeredValue(spec, { ...layers, globalValue: value }, trusted, consented);
  if (workspace === undefined || JSON.stringify(applied) === JSON.stringify(value)) return undefined;
  return `Saved hearth.${spec.key} ${JSON.stringify(value)} in your user settings, but this workspace's settings set hearth.${spec.key} ${quoted(workspace)}, which applies here over yours. Hearth leaves the workspace's file alone: change it there (.vscode/settings.json, or the .code-workspace file) to use your choice here.`;
}

/**
 * A list setting: the user's entries, then the workspace's and the folder's that are text and
 * no `!` exception (an entry of another type would make the whole list invalid, the user's too).
 */
function addedByWorkspace(user: unknown, layers: SettingLayers): unknown {
  const { taken } = workspaceEntries(layers);
  if (!taken.length) return user;
  return [...(Array.isArray(user) ? user : []), ...taken];
}

/**
 * How many patterns, and how long, a workspace may add to a list: each is checked on every
 * completion request, in the editor's own process (a repository's 100,000 patterns took 10 s
 * a check). The user's own list is theirs to size.
 */
const WORKSPACE_LIST_MAX = 200;
const WORKSPACE_ENTRY_MAX_CHARS = 500;

/** A list's workspace entries: those it takes, the `!` exceptions it leaves out, and how many more it leaves out (too long, past the limit). */
function workspaceEntries(layers: SettingLayers): { taken: string[]; negated: string[]; added: number; tooLong: number; beyond: number } {
  const text = [layers.workspaceValue, layers.workspaceFolderValue].flatMap((v) => (Array.isArray(v) ? v.filter((e): e is string => typeof e === "string") : []));
  const negated = text.filter((e) => e.trim().startsWith("!"));
  const added = text.filter((e) => !e.trim().startsWith("!"));
  const short = added.filter((e) => e.trim().length <= WORKSPACE_ENTRY_MAX_CHARS);
  const taken = short.slice(0, WORKSPACE_LIST_MAX);
  return { taken, negated, added: added.length, tooLong: added.length - short.length, beyond: short.length - taken.length };
}

/** A workspace's value `layeredValue` leaves out, told to the user (src/extension/ignored-settings.ts). */
export interface IgnoredWorkspaceValue {
  /** A Hearth setting's key, or another extension's setting by its whole name ("python.defaultInterpreterPath"). */
  readonly key: keyof Settings | `${string}.${string}`;
  /** One sentence: the setting, the value, why it does not count and what applies instead. */
  readonly text: string;
  /** What helps: the user's own settings, trusting the folder, or mending the workspace's file (a folder's own .vscode/settings.json in a window of several folders). */
  readonly action: "userSettings" | "trust" | "workspaceSettings" | "folderSettings";
}

/**
 * What `layeredValue` leaves out of the setting's workspace layers (or, in an untrusted
 * folder, of the user's own approval policy), in words; undefined when nothing is left out.
 * A trusted workspace's server URL is not here: the consent question names it.
 */
export function ignoredWorkspaceValue(spec: SettingSpec, layers: SettingLayers, trusted: boolean): IgnoredWorkspaceValue | undefined {
  const name = `hearth.${spec.key}`;
  const workspace = layers.workspaceFolderValue ?? layers.workspaceValue;
  const said = (text: string, action: IgnoredWorkspaceValue["action"] = "userSettings") => ({ key: spec.key, text, action });
  if (fromUserOnly(spec)) {
    // A workspace value equal to what applies anyway (the user's, else the default: "hearth.contextSize": 0) changes nothing: nothing to say.
    if (workspace === undefined || workspace === null || workspace === "" || JSON.stringify(workspace) === JSON.stringify(layers.globalValue ?? spec.default)) return undefined;
    const user = layers.globalValue === undefined || layers.globalValue === "" ? "not set in yours" : `yours: ${JSON.stringify(layers.globalValue)}`;
    const what = spec.key === "modelPath" || spec.key === "completionModelPath" ? "which model file is loaded" : spec.key === "modelPreset" ? "which model runs" : "how much of this machine's memory and processor the model takes";
    return said(`This workspace's settings set ${name} to ${quoted(workspace)}; Hearth ignores it: only your user settings choose ${what} (${user}).`);
  }
  if (spec.workspaceMayOnlyTighten && spec.kind === "array") {
    const { negated, added, tooLong, beyond } = workspaceEntries(layers);
    const them = negated.map((e) => quoted(e.trim())).join(", ");
    const exceptions = negated.length ? `This workspace's settings try to take ${them} off ${name}; Hearth ignores them: a workspace can add files to the list, not take them off (only your user settings can).` : "";
    const left = [...(tooLong ? [`${tooLong} longer than ${WORKSPACE_ENTRY_MAX_CHARS} characters`] : []), ...(beyond ? [`${beyond} past the first ${WORKSPACE_LIST_MAX}`] : [])];
    const cut = left.length ? `This workspace's settings add ${added} pattern${added === 1 ? "" : "s"} to ${name}; Hearth ignores ${left.join(" and ")}: each is checked on every completion (your user settings can hold more).` : "";
    // A list written as one text ("secrets/**"), or with entries that are no text: left out, and said (the files it meant are completed).
    const notList = [layers.workspaceValue, layers.workspaceFolderValue].filter((v) => v !== undefined && v !== null && (!Array.isArray(v) || v.some((e) => typeof e !== "string")));
    const shape = notList.length ? `This workspace's settings set ${name} to ${notList.map((v) => quoted(v)).join(" and ")}, which ${Array.isArray(notList[0]) ? "holds entries that are not text" : "is not a list"} (a list of text expected, as ["secrets/**"]); Hearth ignores ${Array.isArray(notList[0]) ? "those entries" : "it"}: files it meant to exclude are completed and shown to the model. Mend it there.` : "";
    return exceptions || cut || shape ? said([exceptions, cut, shape].filter(Boolean).join(" "), shape && !exceptions && !cut ? "workspaceSettings" : "userSettings") : undefined;
  }
  if (spec.workspaceMayOnlyTighten && spec.enum) return ignoredTightening(spec, layers, trusted, said);
  if (spec.workspaceNeedsConsent && !trusted) {
    const user = layers.globalValue;
    if (workspace === undefined || workspace === "" || workspace === spec.default || workspace === user) return undefined;
    const where = typeof user === "string" && user ? `go to your own server, ${JSON.stringify(user)}` : "stay on this machine";
    return said(`This folder is not trusted, so Hearth ignores ${name} ${quoted(workspace)} from its settings: your code and chats ${where}. Trust the folder (Workspaces: Manage Workspace Trust) to be asked about that server.`, "trust");
  }
  if (spec.workspaceNeedsConsent) return undefined;
  const invalid = invalidWorkspaceValue(spec, layers);
  if (invalid === undefined) return undefined;
  const applied = layeredValue(spec, layers, trusted);
  const instead = applied !== undefined && applied === layers.globalValue && sanitizeValue(spec, applied) !== undefined
    ? `your user setting's ${quoted(applied)}`
    : applied !== undefined && sanitizeValue(spec, applied) !== undefined ? `its other value, ${quoted(applied)}` : `the default, ${JSON.stringify(spec.default)}`;
  const folder = invalid === layers.workspaceFolderValue;
  const where = folder ? "This folder's .vscode/settings.json sets" : "This workspace's settings (.vscode/settings.json, or the .code-workspace file) set";
  return said(`${where} ${name} to ${quoted(invalid)}, which is not valid (${expected(spec)} expected); Hearth ignores it and uses ${instead}. Mend or remove it there.`, folder ? "folderSettings" : "workspaceSettings");
}

/** An enum that a workspace may only tighten: a looser or invalid workspace value, or (untrusted) any but the strictest. */
function ignoredTightening(spec: SettingSpec, layers: SettingLayers, trusted: boolean, said: (text: string, action?: IgnoredWorkspaceValue["action"]) => IgnoredWorkspaceValue): IgnoredWorkspaceValue | undefined {
  const name = `hearth.${spec.key}`;
  const order = spec.enum!;
  const workspace = layers.workspaceFolderValue ?? layers.workspaceValue;
  // The user's own invalid value comes back as it is (sanitizeSettings says it): it applies as the strictest.
  const valid = (value: unknown) => (order.includes(value as string) ? (value as string) : order[0]!);
  const applied = valid(layeredValue(spec, layers, trusted));
  // Untrusted, what trusting the folder would apply; a workspace value that would not count even then is said as such.
  const whenTrusted = trusted ? applied : valid(layeredValue(spec, layers, true));
  if (whenTrusted !== applied) {
    return said(`This folder is not trusted, so Hearth's agent asks before every edit and command here; ${name} ${JSON.stringify(whenTrusted)} applies once you trust it (Workspaces: Manage Workspace Trust).`, "trust");
  }
  if (workspace === undefined) return undefined;
  if (!order.includes(workspace as string)) {
    return said(`This workspace's settings set ${name} to ${quoted(workspace)}, which is not one of ${order.map((v) => JSON.stringify(v)).join(", ")}: Hearth takes the strictest, ${JSON.stringify(applied)}.`, "workspaceSettings");
  }
  if (order.indexOf(workspace as string) <= order.indexOf(applied)) return undefined;
  return said(`This workspace's settings set ${name} to ${quoted(workspace)}; Hearth ignores it: a workspace can make it stricter than your user setting, never looser (using ${JSON.stringify(applied)}).`);
}

/**
 * The workspace's value of a consent-needing setting that would replace the user's own and
 * is not agreed to yet (what to ask the user about); undefined when there is nothing to ask.
 */
export function awaitingConsent(spec: SettingSpec, layers: SettingLayers, consented: (value: unknown) => boolean): unknown {
  if (!spec.workspaceNeedsConsent) return undefined;
  const workspace = layers.workspaceFolderValue ?? layers.workspaceValue;
  const empty = workspace === undefined || workspace === "" || workspace === spec.default;
  return empty || workspace === layers.globalValue || consented(workspace) ? undefined : workspace;
}

/**
 * Builds a valid `Settings` from untrusted input: unknown keys are dropped, values of the
 * wrong type or out of range fall back to the default (and are reported in `problems`).
 */
export function sanitizeSettings(raw: unknown): { settings: Settings; problems: string[] } {
  const input = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    // Own properties only: a value inherited through __proto__ is not the user's setting.
    const value = Object.hasOwn(input, spec.key) ? input[spec.key] : undefined;
    if (value === undefined || value === null) {
      out[spec.key] = spec.default;
      continue;
    }
    const clean = sanitizeValue(spec, value);
    if (clean === undefined) {
      problems.push(`hearth.${spec.key}: ${JSON.stringify(value)} is not valid (${expected(spec)} expected); using ${JSON.stringify(spec.default)}`);
      out[spec.key] = spec.default;
    } else {
      out[spec.key] = clean;
    }
  }
  const settings = out as unknown as Settings;
  if (settings.contextSize > 0 && settings.contextSize < MIN_AGENT_CONTEXT_SIZE) problems.push(smallContextProblem(settings.contextSize));
  return { settings, problems };
}

/**
 * A valid but too small context: kept (completions and VS Code's chat can use it), and said.
 * 0 (auto) loads at most the model's training context, too small as well for a model trained
 * for less (the model is not known here): the advice says so.
 */
function smallContextProblem(size: number): string {
  return `hearth.contextSize: ${size} tokens is too small for the agent (its instructions and tools alone take several thousand): chat and Fix This Issue stop at their first step; use at least ${MIN_AGENT_CONTEXT_SIZE}, or 0 (auto), which loads the model's training context (its GGUF's context_length): enough unless the model was trained for fewer than ${MIN_AGENT_CONTEXT_SIZE} tokens`;
}

/** What a valid value of the setting looks like, for the problem that names an invalid one. */
function expected(spec: SettingSpec): string {
  switch (spec.kind) {
    case "boolean":
      return "true or false";
    case "string":
      return "text";
    case "array":
      return "a list of text";
    case "enum":
      return `one of ${spec.enum!.map((v) => JSON.stringify(v)).join(", ")}`;
    case "integer":
      return `a whole number from ${spec.minimum} to ${spec.maximum}`;
  }
}

function sanitizeValue(spec: SettingSpec, value: unknown): unknown {
  switch (spec.kind) {
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "string":
      return typeof value === "string" ? value.trim() : undefined;
    case "array":
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? value.map((v: string) => v.trim()).filter((v) => v !== "") : undefined;
    case "enum":
      return typeof value === "string" && spec.enum!.includes(value) ? value : undefined;
    case "integer": {
      if (typeof value !== "number" || !Number.isInteger(value)) return undefined;
      if (spec.minimum !== undefined && value < spec.minimum) return undefined;
      if (spec.maximum !== undefined && value > spec.maximum) return undefined;
      return value;
    }
  }
}
