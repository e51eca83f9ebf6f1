/**
 * The contract between the agent loop and its tools. A tool is a definition (what the
 * model sees: name, description, JSON-schema parameters) and a display (what the user sees
 * of a call) next to an `execute(input, ctx)` implementation. Results carry text for the
 * model and structured data for the UI. `runTool` is the one place a tool is invoked: a
 * tool that throws becomes an error result with a reason code, never a crash of the loop.
 *
 * The schema types, `ToolDefinition` and `ToolDisplay` are the protocol's
 * (src/protocol/chat.ts, tool-display.ts), re-exported here; src/models uses the same ones.
 */
import type { IndexQueries } from "../indexer/index.ts";
import type { ChosenPython, ToolEffect } from "../protocol/agent.ts";
import type { JsonSchema, JsonSchemaType, JsonValue, ToolDefinition } from "../protocol/chat.ts";
import type { ToolDisplay } from "../protocol/tool-display.ts";
import { findHiddenText, hiddenTextNotice } from "../protocol/visible-text.ts";
import type { CheckpointStore } from "./checkpoints.ts";
import type { NetworkOff } from "./command-network.ts";
import type { FileReads } from "./file-reads.ts";
import { maskSecrets, maskWrittenBackTo, maskedNote } from "./secret-values.ts";
import { compileSchema, schemaViolations } from "./tool-schema.ts";
import type { Workspace } from "./workspace.ts";

// JSON values, the tool-schema subset, what the model is shown of a tool and what the user
// is shown of it are the protocol's: one definition for every layer.
export type { JsonSchema, JsonSchemaType, JsonValue, ToolDefinition, ToolDisplay };

/**
 * Why a tool failed. Stable strings: the UI keys messages on them and they cross the wire
 * as `ResponseError` data.
 */
export type ToolErrorCode =
  | "invalid-input"
  | "not-found"
  | "outside-workspace"
  | "protected-path"
  | "binary-file"
  | "too-large"
  | "unsupported-encoding"
  | "not-a-file"
  | "already-exists"
  | "stale-file"
  | "no-match"
  | "ambiguous-match"
  | "patch-failed"
  | "timeout"
  | "cancelled"
  | "command-failed"
  | "unavailable"
  | "io-error"
  | "internal";

/** A failure the model can act on: a reason code and a message written for the model. */
export class ToolError extends Error {
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    /** Structured details for the UI (candidates, per-hunk results …). */
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "ToolError";
  }
}

/** What a tool may touch, given by the agent loop for each call. */
export interface ToolContext {
  /** Every read and write of workspace files goes through this. */
  readonly workspace: Workspace;
  /** Fires when the user cancels; long-running tools must stop promptly. */
  readonly signal: AbortSignal;
  /** What the model has seen of each file, and of which bytes (write_file checks it: file-reads.ts). */
  readonly reads?: FileReads;
  /** The shadow-git checkpoints of this session, when on (git_diff diffs from `runStart`). */
  readonly checkpoints?: CheckpointStore;
  /**
   * The checkpoint taken when this run started, before it changed anything: git_diff's "so
   * far". Not the store's oldest: that one may be weeks old, and what happened since (the
   * user's own edits, other conversations) is not this run's to show the model as its own.
   */
  readonly runStart?: string;
  /** The project's test command when the user or the project rules gave one (run_tests uses it). */
  readonly testCommand?: string;
  /** The Python interpreter the user chose (the editor's, the shell's activated environment): a detected Python test command runs with it. */
  readonly python?: ChosenPython;
  /** The repository index, when one is open (find_symbol needs it). */
  readonly index?: IndexQueries;
  /**
   * Called by `runTool` before a "write" or "command" tool runs (a checkpoint of the
   * workspace); see checkpoints.ts. `paths` are the files the call is about to write (`Tool.targets`),
   * to snapshot even where git would not see them. A failing checkpoint stops the write.
   */
  readonly beforeEffect?: (tool: string, input: Record<string, JsonValue>, paths: readonly string[]) => Promise<void>;
  /**
   * What this run is, for the record: a memory entry's `source` (e.g. "chat 3f2a9c",
   * "hearth fix"). Default "agent".
   */
  readonly session?: string;
  /**
   * When a command's time limit (run_tests' and run_command's timeout_seconds) is reached:
   * resolves then. Default a timer of that many milliseconds; a test gives a condition (what
   * the command has printed), so that what it asserts never races the clock on a loaded machine.
   */
  readonly timeLimit?: (ms: number) => Promise<unknown>;
  /** Run run_command's and run_tests' commands without the network (`hearth fix --yes`: command-network.ts). */
  readonly networkOff?: NetworkOff | undefined;
}

/** What a tool returns on success. */
export interface ToolOutput {
  /** Text the model reads as the tool result. */
  readonly text: string;
  /** Structured result for the UI (diffs, file lists, per-hunk status). */
  readonly data?: unknown;
  /** Set by `finish`: the loop ends after this call. */
  readonly finished?: boolean;
}

/** A tool call's outcome as the loop records it. */
export type ToolResult =
  | (ToolOutput & { readonly ok: true })
  | { readonly ok: false; readonly code: ToolErrorCode; readonly text: string; readonly data?: unknown };

/**
 * How a tool affects the world (defined in the protocol, which carries it to the editor):
 * "read" runs freely; "write" changes workspace files (checkpointed, approval under `ask`);
 * "command" runs a process (approval unless `auto-all`); "memory" writes to the project's
 * memory (.hearth/memory), which the whole team's agents will read, so the user approves it
 * unless `auto-all`; "control" steers the loop (finish).
 */
export type { ToolEffect };
// No checkpoint before "memory": checkpoints leave .hearth/ out, so that undoing code
// never undoes what was learned.

/**
 * One agent tool. Implementations live one per file in src/tools, each with everything
 * about it: what the model sees, how the user sees it, how the loop treats it.
 */
export interface Tool {
  /** What the model sees: name, description, parameters. */
  readonly definition: ToolDefinition;
  readonly effect: ToolEffect;
  /**
   * How the user sees a call: the card's title, "Hearth wants to …", the arguments on
   * the card's first line, what its body shows (src/protocol/tool-display.ts). Every
   * built-in tool has one; without it the UI uses `defaultToolDisplay`.
   */
  readonly display?: ToolDisplay;
  /**
   * A failure is known by its output alone: different calls failing with the same output
   * are one failure coming back (a test run after each attempted fix), which the agent's
   * repetition guard answers by steering, then stopping (src/agent/repetition.ts).
   */
  readonly failuresByOutput?: boolean;
  /** Runs the tool. Throws `ToolError` for failures the model should hear about. */
  execute(input: Record<string, JsonValue>, ctx: ToolContext): Promise<ToolOutput>;
  /**
   * The workspace-relative files a "write" call would create, change or delete, known
   * before it runs (for the checkpoint and the control-file question), or the files a "read"
   * call opens by name (a secret-looking one asks first: secret-reads.ts). Errors are left
   * to `execute` to report.
   */
  targets?(input: Record<string, JsonValue>, ctx: ToolContext): Promise<string[]>;
  /**
   * For a "write" call whose answer may quote files `targets` leaves out — a dry run, a patch
   * that does not apply ("did you mean" shows the file's nearest lines) —: every file the call
   * names. A secret-looking one asks first (secret-reads.ts); `targets` when absent.
   */
  shows?(input: Record<string, JsonValue>, ctx: ToolContext): Promise<string[]>;
  /**
   * What the call will run when its arguments do not say (run_tests: the command detected
   * from the project's files, and the script it runs), shown with the approval question.
   * Resolved again by `execute`; undefined when there is nothing to add.
   */
  describeRun?(input: Record<string, JsonValue>, ctx: ToolContext): Promise<string | undefined>;
}

/**
 * Runs one tool call: validates the arguments against the tool's JSON schema (nothing runs
 * on a violation), takes the checkpoint for effectful tools,
 * and turns every exception into an error result (unknown exceptions become "internal").
 * A result that hides text from the user (tag characters a model reads as ASCII, bidi
 * controls: a file's, a command's output, a file name, an MCP server's answer) is followed
 * by a notice saying what it hides and that it is data, not the user's instruction (a
 * lookalike name once in a conversation: `toldLookalikes`). Secret
 * values in a result are masked, and a write that would put a mask back is refused.
 */
export async function runTool(tool: Tool, input: Record<string, JsonValue>, ctx: ToolContext): Promise<ToolResult> {
  const result = masked(await runToolCall(tool, input, ctx));
  const hidden = findHiddenText(result.text, ctx.reads && toldLookalikes(ctx.reads));
  return hidden ? { ...result, text: `${result.text}\n\n${hiddenTextNotice(hidden, "this tool result")}` } : result;
}

/**
 * The lookalike names (`is_\u0430dmin`) a conversation's model was told of in its tool
 * results, each named once: in a repository holding such names (a Russian codebase's
 * `СХЕМА_XML`, a grammar's keywords) every read and search of them drew the same notice. Kept
 * by the conversation's record of reads, which lives as long as it does.
 */
const toldNames = new WeakMap<FileReads, Set<string>>();

function toldLookalikes(reads: FileReads): Set<string> {
  let told = toldNames.get(reads);
  if (!told) toldNames.set(reads, (told = new Set()));
  return told;
}

/**
 * The result with secret values masked (secret-values.ts), said at its end: read_file and
 * search mask their files' text themselves, by line; this catches the rest — an edit's "did
 * you mean", a command's output, an MCP server's answer.
 */
function masked(result: ToolResult): ToolResult {
  const { text, masked } = maskSecrets(result.text);
  return masked.length === 0 ? result : { ...result, text: [text, ...maskedNote(masked, () => "in this result")].join("\n") };
}

async function runToolCall(tool: Tool, input: Record<string, JsonValue>, ctx: ToolContext): Promise<ToolResult> {
  try {
    ctx.signal.throwIfAborted();
    validateInput(tool.definition, input);
    if (tool.effect === "write" || tool.effect === "command") {
      // A bad path makes no target here; execute then says what is wrong with it.
      const paths = (await tool.targets?.(input, ctx).catch(() => [])) ?? [];
      const maskBack = tool.effect === "write" ? await maskWrittenBackTo(input, paths, ctx.workspace) : undefined;
      if (maskBack) throw new ToolError("invalid-input", maskBack);
      if (tool.effect === "write") await ctx.workspace.flushAutoSave?.(paths);
      await ctx.beforeEffect?.(tool.definition.name, input, paths);
    }
    const output = await tool.execute(input, ctx);
    return { ok: true, ...output };
  } catch (error) {
    return errorResult(error, ctx.signal);
  }
}

/**
 * Checks a tool's parameter schema once, at registration (MCP tools bring arbitrary
 * schemas): throws an Error saying what is wrong when it cannot be compiled. `runTool`
 * refuses such a tool's calls with the same message instead of crashing.
 */
export function checkToolDefinition(definition: ToolDefinition): void {
  const compiled = compileSchema(definition.parameters);
  if (!compiled.ok) throw new Error(unusableSchema(definition, compiled.message));
}

/**
 * The error result for arguments that do not match the tool's schema (every violation,
 * e.g. "/edits/0 must have required property 'path'"), or undefined when they match.
 * The agent loop asks this before asking the user to approve a call.
 */
export function checkToolInput(tool: Tool, input: Record<string, JsonValue>): ToolResult | undefined {
  try {
    validateInput(tool.definition, input);
    return undefined;
  } catch (error) {
    return errorResult(error, new AbortController().signal);
  }
}

function validateInput(definition: ToolDefinition, input: Record<string, JsonValue>): void {
  const compiled = compileSchema(definition.parameters);
  if (!compiled.ok) throw new ToolError("unavailable", unusableSchema(definition, compiled.message));
  const violations = schemaViolations(compiled.validate, input);
  if (violations.length === 0) return;
  const name = definition.name;
  throw new ToolError("invalid-input", `The arguments of "${name}" do not match its parameters: ${violations.join("; ")}. Call "${name}" again with arguments that match them.`);
}

function unusableSchema(definition: ToolDefinition, reason: string): string {
  return `Tool "${definition.name}" has a parameter schema Hearth cannot use: ${reason}. Fix the tool's inputSchema, or leave the tool out.`;
}

function errorResult(error: unknown, signal: AbortSignal): ToolResult {
  if (error instanceof ToolError) {
    return { ok: false, code: error.code, text: `Error (${error.code}): ${error.message}`, ...(error.data !== undefined ? { data: error.data } : {}) };
  }
  if (signal.aborted) return { ok: false, code: "cancelled", text: "Error (cancelled): the user cancelled this call." };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, code: "internal", text: `Error (internal): the tool failed unexpectedly: ${message}` };
}

/** A required string argument (empty strings allowed only when `allowEmpty`). */
export function stringArg(input: Record<string, JsonValue>, name: string, allowEmpty = false): string {
  const value = input[name];
  if (typeof value !== "string") throw new ToolError("invalid-input", `argument "${name}" must be a string`);
  if (!allowEmpty && value === "") throw new ToolError("invalid-input", `argument "${name}" must not be empty`);
  return value;
}

/** An optional string argument. */
export function optionalString(input: Record<string, JsonValue>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ToolError("invalid-input", `argument "${name}" must be a string`);
  return value;
}

/** An optional whole-number argument within [min, max]. */
export function optionalInt(input: Record<string, JsonValue>, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new ToolError("invalid-input", `argument "${name}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/** An optional boolean argument ("true"/"false" strings accepted: models write them). */
export function optionalBool(input: Record<string, JsonValue>, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (value === "true" || value === "false") return value === "true";
  if (typeof value !== "boolean") throw new ToolError("invalid-input", `argument "${name}" must be true or false`);
  return value;
}
