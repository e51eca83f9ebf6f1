/**
 * One user message in a chat conversation (or a Fix This Issue run), as the editor runs
 * it: checkpoint first, the agent loop over the conversation so far, every step reported
 * as an `AgentWireEvent` — each write with the real diff it made on disk and the
 * checkpoint to undo it — and, for a fix, the tests once more at the end.
 *
 * The runtime owns persistence and the wire; this owns the order of things, so it is
 * tested with the scripted backend and a real workspace without a connection.
 */
import { basename } from "node:path";
import type { IndexQueries } from "../indexer/index.ts";
import type { ModelBackend } from "../models/index.ts";
import type { AgentMode, AgentRunResult, AgentWireEvent, Attachment } from "../protocol/agent.ts";
import type { ChatMessage } from "../protocol/chat.ts";
import type { ApprovalPolicy } from "../protocol/settings.ts";
import { pairSafeEnd, pairSafeStart } from "../protocol/plain-text.ts";
import { terminalShown } from "../protocol/terminal-text.ts";
import { formatSize } from "../protocol/units.ts";
import { findHiddenText, hiddenTextNotice, hiddenTextWarning } from "../protocol/visible-text.ts";
import { AGENT_TOOLS, type CheckpointStore, type ChosenPython, DiffTooLargeError, type FileReads, MAX_READ_FILE_BYTES, type Tool, ToolError, type UserHead, type Workspace, commandsLeftRunning, contentHash, decodeText, detectTestCommand, headName, leftOutMessage, nestedMessage, recordWhole, unreadableMessage } from "../tools/index.ts";
import { type NamedNowhere, type StashEntry, goneEntries, ignoredEntries, ignoredUncheckedWords, namedNowhere, stashChange, stashEntries, stashedFiles } from "./fix-files.ts";
import { gitLinkNotice, repositoryGitLinkBroken } from "./git-link.ts";
import { ownershipNotice, repositoryOwnershipRefusal } from "./git-ownership.ts";
import { gitUnusableAsync, gitUnusableNotice } from "./git-usable.ts";
import { runFinalTests, taskMessage } from "./fix.ts";
import { promptOf } from "./condense.ts";
import { Agent, type AgentEvent, type ApprovalRequest, policyNow } from "./loop.ts";
import { type ProjectContext, backendTokenCounter, loadProjectContext, rulesNotice } from "./project-context.ts";
import { type PromptBudgets, promptBudgets, smallContextNotice } from "./prompt-budgets.ts";
import { startingContext } from "./starting-context.ts";
import { buildSystemPrompt } from "./system-prompt.ts";

export interface ConversationRunOptions {
  readonly mode: AgentMode;
  readonly text: string;
  readonly attachments?: readonly Attachment[];
  /** The conversation so far, system prompt first; empty for a new conversation. */
  readonly messages: readonly ChatMessage[];
  readonly workspace: Workspace;
  readonly checkpoints: CheckpointStore;
  readonly index?: IndexQueries;
  /** The model; a rejection (no model, failed load) ends the run with "model-error". */
  readonly backend: () => Promise<ModelBackend>;
  /** A function is read at each call (the setting changed mid-run applies to the next; see AgentOptions.policy). */
  readonly policy: ApprovalPolicy | (() => ApprovalPolicy);
  readonly approve: (request: ApprovalRequest) => Promise<boolean>;
  readonly onEvent: (event: AgentWireEvent) => void;
  readonly signal: AbortSignal;
  /** Where memories the agent proposes come from ("chat <id>"), shown in the memory entry. */
  readonly session?: string;
  readonly testCommand?: string;
  /** The Python interpreter the user chose in the editor: a Python project's detected test command runs with it. */
  readonly python?: ChosenPython;
  readonly maxSteps?: number;
  /** Tools beside AGENT_TOOLS (MCP servers' tools), offered to the model and approved by their effect. */
  readonly extraTools?: readonly Tool[];
  /**
   * What the model read in this conversation (path → content hash), kept by the caller from
   * one message to the next so write_file may replace a file read in an earlier one; each
   * run keeps its own when absent.
   */
  readonly reads?: FileReads;
}

export interface ConversationRunOutcome {
  readonly result: AgentRunResult;
  /** The conversation after the run, system prompt first. */
  readonly messages: ChatMessage[];
}

/** Characters of an attached file included in the message (the rest: read_file). */
const ATTACHED_FILE_CHARS = 12_000;
const PREVIEW_CHARS = 2_000;
const TEST_OUTPUT_CHARS = 6_000;
/**
 * A write step's diff sent to the chat and saved in the transcript, at most; its card shows
 * 300 lines of it. Another program writing in the step's time (a build watching the folder)
 * made it as large as its output, up to the 256 MiB checkpoints allow: past this the card
 * lists the files, and Open diff shows each from the checkpoints.
 */
const MAX_STEP_DIFF_BYTES = 2 * 1024 * 1024;

export async function runConversationTurn(options: ConversationRunOptions): Promise<ConversationRunOutcome> {
  const { checkpoints, signal } = options;
  const emit = (event: AgentWireEvent) => {
    try {
      options.onEvent(event);
    } catch {
      // a closed UI must not stop the run
    }
  };
  const label = checkpointLabel(options.text);
  const start = await checkpoints.create(`before: ${label}`);
  const testCommand = options.testCommand ?? (options.mode === "fix" ? (await detectTestCommand(options.workspace, options.python).catch(() => undefined))?.command : undefined);
  // A new conversation's system prompt comes first (index 0): the message is at 1.
  emit({ type: "user", text: options.text, messageIndex: Math.max(options.messages.length, 1), checkpoint: start.id, ...(options.attachments?.length ? { attachments: options.attachments } : {}) });
  // Once per conversation, at its first message: every checkpoint leaves the same files out.
  if (start.leftOut && options.messages.length === 0) emit({ type: "notice", level: "warning", text: leftOutMessage(start.leftOut) });
  if (start.unreadable && options.messages.length === 0) emit({ type: "notice", level: "warning", text: unreadableMessage(start.unreadable) });
  if (start.nested && options.messages.length === 0) emit({ type: "notice", level: "warning", text: nestedMessage(start.nested) });
  // A checkout another user owns: every git the agent runs there fails, and the history reads nothing.
  const refused = options.messages.length === 0 ? await repositoryOwnershipRefusal(options.workspace.root) : undefined;
  if (refused) emit({ type: "notice", level: "warning", text: ownershipNotice(refused) });
  // A .git file naming a git folder that is gone (a worktree whose repository moved): git reads nothing here, unsaid.
  const broken = options.messages.length === 0 && !refused ? await repositoryGitLinkBroken(options.workspace.root) : undefined;
  if (broken) emit({ type: "notice", level: "warning", text: gitLinkNotice(broken) });
  // No git, or one before 2.15 (CentOS 7's): git_diff fails and the history reads nothing, unsaid.
  const unusable = options.messages.length === 0 ? await gitUnusableAsync(options.workspace.root) : undefined;
  if (unusable) emit({ type: "notice", level: "warning", text: gitUnusableNotice(unusable) });

  // The files the agent's writes changed in this run: git may carry its edit of one along (finish's headMovedNotice).
  const agentWrote = new Set<string>();
  // A process an agent's command left running (a watcher, a dev server started with &: this run's, or an earlier
  // message's) writes while no step runs: its files cannot be told from the user's, so finish keeps those in the review.
  let leftRunning = commandsLeftRunning();
  // Fix This Issue: the checkpoint just before the final tests ran, once the user said yes.
  let testsFrom: string | undefined;
  // A git stash (pop) during the run moves the user's work between the files and the stash list: the review cannot say where.
  const stashAtStart = await stashEntries(options.workspace.root, { signal }).catch(() => undefined);
  // Ignored files no checkpoint holds: one a command deletes (git clean -fdx, rm -rf node_modules) no Reject brings back.
  const ignoredAtStart = await ignoredEntries(options.workspace.root, { signal }).catch(() => undefined);
  const finish = async (result: Omit<AgentRunResult, "changedFiles" | "startCheckpoint">, conversation: ChatMessage[], backend?: ModelBackend): Promise<ConversationRunOutcome> => {
    const changed = await checkpoints.changedFiles(start.id).catch(() => []);
    // How the run left its files: a review's Reject checks they are still so.
    const end = changed.length ? await checkpoints.create(`after: ${label}`).catch(() => undefined) : undefined;
    // The user's git checkout, pull or reset during the run: the files it changed are not the run's to review or Reject.
    const moved = end ? await checkpoints.headMoved(start.id, end.id).catch(() => undefined) : undefined;
    // A Set: a switch between branches 50,000 files apart lists that many on both sides (includes() took 100 s).
    const movedPaths = new Set(moved?.paths);
    const gits = new Set(movedPaths.size ? await checkpoints.unrecorded(changed.filter((p) => movedPaths.has(p))).catch(() => []) : []);
    // Files only the user changed during the run (saved, made or deleted by hand while the model thought): no step
    // of the agent's changed them, so the review must not show them as Hearth's, nor its Reject take them back.
    const baselines = changed.length ? await checkpoints.agentBaselines(start.id, changed, "run", end?.id).catch(() => undefined) : undefined;
    leftRunning ||= commandsLeftRunning();
    // What changed while the final tests ran is theirs (or the user's then: it cannot be told, so kept).
    const testsWrote = new Set(testsFrom && end ? await checkpoints.changedFiles(testsFrom, end.id).catch(() => []) : []);
    const unstepped = [...(baselines ?? [])].filter(([path, b]) => b.changed && !b.checkpoint && !gits.has(path) && !testsWrote.has(path)).map(([path]) => path);
    const usersOnly = new Set(leftRunning ? [] : unstepped);
    if (leftRunning && unstepped.length) emit({ type: "notice", level: "info", text: leftRunningNotice(unstepped) });
    const changedFiles = changed.filter((p) => !gits.has(p) && !usersOnly.has(p));
    // A file the user changed during the run: its review diff starts just before the agent's first write (typing saved before it is not Hearth's).
    const bases = [...(baselines ?? [])].filter(([path, b]) => b.checkpoint && !gits.has(path));
    const diffBases = bases.length ? Object.fromEntries(bases.map(([path, b]) => [path, b.checkpoint!])) : undefined;
    const stashed = stashAtStart && stashChange(stashAtStart, await stashEntries(options.workspace.root).catch(() => undefined));
    const changedNow = new Set(changed);
    // A stash the user made in a terminal while the model thought: no step changed those files, so the review (and its Reject) leaves them out.
    const outOfReview = new Set<string>();
    for (const entry of stashed?.made ?? []) {
      const files = await stashedFiles(options.workspace.root, entry.commit).catch(() => undefined);
      if (!files || files.some((path) => !changedFiles.includes(path))) outOfReview.add(entry.commit);
    }
    for (const text of stashed ? stashNotices(stashed.made, stashed.gone, outOfReview) : []) emit({ type: "notice", level: "warning", text });
    const ignored = ignoredAtStart ? await goneEntries(options.workspace.root, ignoredAtStart) : undefined;
    const ignoredGone = ignored ? ignored.gone.filter((path) => !changedNow.has(path)) : [];
    if (ignoredGone.length) emit({ type: "notice", level: "warning", text: ignoredGoneNotice(ignoredGone, ignored?.unchecked) });
    // Fix This Issue: the new files of its change that nothing else in it names (a reproduce.py the model left), as hearth fix names them.
    if (options.mode === "fix" && changedFiles.length) {
      const added = new Set(await checkpoints.addedFiles(start.id).catch(() => []));
      const nowhere = await namedNowhere(options.workspace.root, changedFiles.filter((path) => added.has(path)), changedFiles).catch(() => []);
      if (nowhere.length) emit({ type: "notice", level: "warning", text: namedNowhereNotice(nowhere) });
    }
    if (moved && gits.size) emit({ type: "notice", level: "warning", text: headMovedNotice(moved.from, moved.to, gits.size, [...gits].filter((p) => agentWrote.has(p))) });
    // As hearth fix judges it: git wrote files the run's diff from its start holds (Fix This Issue's closing message says so).
    const changedSet = new Set(changed);
    // The same branch at two commits (a pull, a reset): each with its commit.
    const named = (head: UserHead) => (moved?.from.ref === moved?.to.ref && head.ref !== "HEAD" ? `${headName(head)} at ${head.commit.slice(0, 12)}` : headName(head));
    const headMoved = moved?.written.some((p) => changedSet.has(p)) ? { from: named(moved.from), to: named(moved.to) } : undefined;
    const state = backend?.state();
    if (backend && state?.kind === "ready") {
      // The context meter: what the conversation takes now, tools included.
      // A count that fails is shown as unknown, with why: not as an empty context. Stop cancels
      // it (a server that stopped answering would hold the run's end until its timeout): the
      // meter keeps the loop's last count.
      const count = await backend.countTokens(promptOf(conversation), [...AGENT_TOOLS, ...(options.extraTools ?? [])].map((t) => t.definition), signal)
        .then((usedTokens) => ({ usedTokens }), (error: unknown) => (signal.aborted ? undefined : { countError: error instanceof Error ? error.message : String(error) }));
      if (count) emit(estimatedBy(backend, { type: "context", ...count, contextSize: state.info.contextSize }));
    }
    const full: AgentRunResult = { ...result, startCheckpoint: start.id, ...(end ? { endCheckpoint: end.id } : {}), changedFiles, ...(diffBases ? { diffBases } : {}), ...(headMoved ? { headMoved } : {}) };
    emit({ type: "end", result: full });
    return { result: full, messages: conversation };
  };

  let backend: ModelBackend;
  try {
    backend = await options.backend();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return finish({ stopReason: "model-error", message, steps: 0 }, [...options.messages]);
  }
  // A new conversation, or an imported one (its system prompt is left empty), gets this workspace's prompt.
  const messages = [...options.messages];
  const newPrompt = messages[0]?.role !== "system" || !messages[0].content;
  let rules: string | undefined;
  if (newPrompt) {
    const prompt = await systemPrompt(options, testCommand, backend);
    messages.splice(0, messages[0]?.role === "system" ? 1 : 0, { role: "system", content: prompt.text });
    rules = prompt.project ? rulesNotice(prompt.project) : undefined;
  }
  // A server's context too small for the agent (Ollama's default): once per conversation, with
  // how to raise it — it says more than Hearth's note on what it shows less of, which it replaces.
  const loaded = backend.state();
  const small = budgetsFor(backend).smallContext;
  if (newPrompt && loaded.kind === "ready" && loaded.info.contextWarning) emit({ type: "notice", level: "warning", text: loaded.info.contextWarning });
  else if (small && (newPrompt || options.mode === "fix")) {
    const what = newPrompt ? (options.mode === "fix" ? "repository map, project rules, related code" : "repository map, project rules") : "related code";
    emit({ type: "notice", level: "info", text: smallContextNotice(small, what) });
  }
  // The rules the user wrote that the model sees only in part: `hearth fix` says so on the terminal, the chat here.
  if (rules) emit({ type: "notice", level: "info", text: rules });
  // A model that cannot read Hearth's prompt format (its vocabulary lacks Qwen's control tokens): said before its poor answers.
  const formatWarning = loaded.kind === "ready" ? loaded.info.promptFormat?.warning : undefined;
  if (newPrompt && formatWarning) emit({ type: "notice", level: "warning", text: formatWarning });

  // Per write: the checkpoint just before it and, after it, the checkpoint of what it left
  // (Undo checks the files are still so) and the diff between the two. The paths a write
  // names are tracked from its first checkpoint on: the one after needs no list. A command
  // gets its `after` checkpoint too, though no diff: it ends the command's time, so what the
  // user does next (a git checkout while the model thinks) is theirs, not the command's
  // (checkpoint-authorship.ts usersChange).
  let stepCheckpoint: string | undefined;
  let stepChange: StepChange | undefined;
  const tools = [...AGENT_TOOLS, ...(options.extraTools ?? [])].map((tool) => (tool.effect === "write" ? reportingChanges(tool, async () => {
    if (!stepCheckpoint) return;
    const after = await checkpoints.create(`after ${tool.definition.name}`);
    const files = await checkpoints.changedFiles(stepCheckpoint, after.id);
    const diff = await checkpoints.diff(stepCheckpoint, after.id, [], { maxBytes: MAX_STEP_DIFF_BYTES }).catch((error: unknown) => {
      if (!(error instanceof DiffTooLargeError)) throw error;
      emit({ type: "notice", level: "info", text: stepDiffLeftOut(tool.definition.name, files) });
      return "";
    });
    stepChange = { diff, files, after: after.id };
    for (const file of stepChange.files) agentWrote.add(file);
  }) : tool.effect === "command" ? reportingChanges(tool, async () => {
    leftRunning ||= commandsLeftRunning();
    if (stepCheckpoint) await checkpoints.create(`after ${tool.definition.name}`);
  }, true) : tool));
  const byName = new Map<string, Tool>(tools.map((t) => [t.definition.name, t]));

  const approve = async (request: ApprovalRequest) => {
    const display = byName.get(request.call.name)?.display;
    emit({ type: "approvalRequest", call: request.call, effect: request.effect, ...(display ? { display } : {}), ...(request.reason ? { reason: request.reason } : {}), ...(request.runs ? { runs: request.runs } : {}) });
    return options.approve(request);
  };
  const onEvent = (event: AgentEvent) => {
    const wire = toWire(event, byName, () => {
      const change = stepChange;
      const checkpoint = stepCheckpoint;
      stepChange = undefined;
      stepCheckpoint = undefined;
      return { change, checkpoint };
    });
    if (wire) emit(wire.type === "context" ? estimatedBy(backend, wire) : wire);
  };
  // The run's record of what the model saw, an attached file's whole text included.
  const reads: FileReads = options.reads ?? new Map();
  const agent = new Agent({
    backend,
    tools,
    toolContext: {
      workspace: options.workspace,
      checkpoints,
      runStart: start.id,
      beforeEffect: async (tool, _input, paths) => {
        stepCheckpoint = (await checkpoints.create(`before ${tool}`, paths)).id;
      },
      ...(testCommand ? { testCommand } : {}),
      ...(options.python ? { python: options.python } : {}),
      ...(options.index ? { index: options.index } : {}),
      ...(options.session ? { session: options.session } : {}),
      reads,
    },
    systemPrompt: messages[0]!.role === "system" ? messages[0]!.content : "",
    policy: options.policy,
    approve,
    budget: { maxSteps: options.maxSteps ?? (options.mode === "fix" ? 40 : 25) },
    onEvent,
  });
  // Not push(...): an imported conversation may hold more messages than a call takes arguments.
  for (const message of messages.slice(1)) agent.messages.push(message);
  const userText = options.mode === "fix"
    ? await fixMessage(options, messages[0]!.role === "system" ? messages[0]!.content : "", testCommand, backend)
    : withHiddenTextNotice(await withAttachments(options.text, options.attachments ?? [], options.workspace, reads));
  // Tag characters are invisible in the chat too (an issue from GitHub, a paste from a web page, an attached file);
  // so is an issue's run of variation selectors (hidden bytes), which the fix's first message tells the model of, as hearth fix says.
  const hidden = findHiddenText(options.mode === "fix" ? options.text : userText);
  if (hidden?.tags || (options.mode === "fix" && hidden?.selectors)) emit({ type: "notice", level: "warning", text: hiddenTextWarning(hidden, options.mode === "fix" ? "The issue" : "What you sent (your message and the files it attaches)") });
  const run = await agent.run(userText, signal);
  let tests: AgentRunResult["tests"];
  if (options.mode === "fix" && testCommand && !signal.aborted) {
    // Approved like a run_tests call; a card the user was asked on is closed with the outcome.
    const callId = `final-tests-${start.id}`;
    const started = Date.now();
    // Where the tests' time starts (after the user's yes): what they write (a snapshot, a golden file) is Hearth's, kept in the
    // review (finish); the checkpoint's label keeps that time the user's for a checkout (headMoved), as the run's end is.
    const beforeRun = async () => {
      testsFrom = (await checkpoints.create(`after: ${label} (its steps; the final tests follow)`).catch(() => undefined))?.id;
    };
    const final = await runFinalTests({ command: testCommand, cwd: options.workspace.root, policy: policyNow(options.policy), approve, onEvent, signal, callId, python: options.python, beforeRun });
    if ("ran" in final) {
      tests = { ...final.ran, output: truncateMiddle(final.ran.output, TEST_OUTPUT_CHARS) };
      emit({ type: "toolEnd", callId, ok: true, preview: truncateMiddle(final.ran.output, PREVIEW_CHARS), durationMs: Date.now() - started });
    }
  }
  return finish({ stopReason: run.stopReason, message: run.message, steps: run.steps, ...(tests ? { tests } : {}) }, agent.messages, backend);
}

/**
 * What the chat says when the user's HEAD moved during a run (a checkout, a pull, a reset)
 * and changed `gits` files: git's, left out of the run's changes, so a Reject or a Restore
 * checkpoint leaves them as the branch has them. `edited`: those of them the agent wrote
 * earlier in the run — git may have merged that edit into the branch's version (`git
 * checkout -m`, a pull's autostash), where no Reject takes it out: the user is told to look.
 */
export function headMovedNotice(from: UserHead, to: UserHead, gits: number, edited: readonly string[] = []): string {
  const how = from.ref === to.ref ? `${headName(to)} moved from ${from.commit.slice(0, 12)} to ${to.commit.slice(0, 12)}` : `from ${headName(from)} to ${headName(to)}`;
  const files = gits === 1 ? "1 file it changed is" : `${gits} files it changed are`;
  const them = gits === 1 ? "it" : "them";
  const notice = `Git's HEAD moved during this run (${how}: a git checkout, pull or reset). ${files} git's, not Hearth's: left out of this run's changes, and a Reject or a Restore checkpoint leaves ${them} as the branch has ${them}.`;
  if (!edited.length) return notice;
  const named = edited.length > EDITED_NAMED ? `${edited.slice(0, EDITED_NAMED).join(", ")} and ${edited.length - EDITED_NAMED} more` : edited.join(", ");
  const it = edited.length === 1 ? "it" : "them";
  return `${notice} This run edited ${named} before git changed ${it}: where git merged that edit in (git checkout -m, a pull's autostash) it is still there, now part of the branch's version, and a Reject will not take it out: look ${it} over.`;
}

/**
 * What a `git stash` or `git stash pop` during the run did (the agent's command, to test on a
 * clean tree, or the user's in a terminal): the review showed the user's stashed lines as
 * removed by the run with no word of the stash, its Reject put them back from the checkpoint —
 * leaving the stash entry a copy, which `git stash pop` then refused — and a popped entry's
 * changes were shown as the run's, a Reject taking them out with the entry gone.
 */
export function stashNotices(made: readonly StashEntry[], gone: readonly StashEntry[], outOfReview: ReadonlySet<string> = new Set()): string[] {
  const short = (entry: StashEntry) => `${entry.ref}, commit ${entry.commit.slice(0, 12)}`;
  const notices: string[] = [];
  const kept = made.filter((entry) => outOfReview.has(entry.commit));
  if (kept.length) {
    // Dropping such an entry after a Reject, as the notice below says, would lose the work: the Reject did not put it back.
    const one = kept.length === 1;
    notices.push(`git stash ran during this run (the agent's command, or yours in a terminal): ${one ? "the stash entry" : `${kept.length} stash entries`} ${kept.map(short).join("; ")} ${one ? "holds" : "hold"} changes taken out of the files, your uncommitted work among them if you had any, and the review does not hold all of them (no step of the agent's changed them), so neither Accept nor Reject puts them back: the stash entry is their only copy. Keep it, and once the run's changes are settled, git add -u and git stash pop ${kept.map((entry) => entry.ref).join(" / ")} bring${one ? "s" : ""} them back (pop refuses while a file it changes holds unstaged changes; staged ones it merges with).`);
  }
  made = made.filter((entry) => !outOfReview.has(entry.commit));
  if (made.length) {
    const one = made.length === 1;
    const refs = made.map((entry) => entry.ref).join(" ");
    notices.push(`git stash ran during this run (the agent's command, or yours in a terminal): ${one ? "the stash entry" : `${made.length} stash entries`} ${made.map(short).join("; ")} ${one ? "holds" : "hold"} changes taken out of the files, your uncommitted work among them if you had any, and the review shows them as removed by this run. To keep the agent's changes and have yours back: Accept, then git add -u and git stash pop (pop refuses while a file it changes holds unstaged changes; staged ones it merges with). A Reject puts them back in the files itself (from Hearth's checkpoint), so the stash ${one ? "entry is" : "entries are"} then a copy: look ${one ? "it" : "them"} over (git stash show -p ${made[0]!.ref}) and drop ${one ? "it" : "them"} (git stash drop ${refs}${one ? "" : ", one at a time"}); git stash pop would refuse, the files holding those changes already.`);
  }
  if (gone.length) {
    const one = gone.length === 1;
    const commits = gone.map((entry) => entry.commit.slice(0, 12));
    notices.push(`git stash pop or drop ran during this run: ${one ? "the stash entry" : `${gone.length} stash entries`} ${gone.map((entry) => `${entry.commit.slice(0, 12)} (${entry.ref} at the start)`).join(", ")} ${one ? "is" : "are"} gone from the stash list. A popped entry's changes are in the files now, and where the review shows them as this run's a Reject takes them out: to have them again, git stash apply ${commits.join(" / ")}${one ? "" : " (each)"}, or put ${one ? "it" : "them"} back in the list with git stash store ${commits.join(" / ")}${one ? "" : " (each)"} — git keeps ${one ? "that commit" : "those commits"} only until it prunes unreachable ones (two weeks by default).`);
  }
  return notices;
}

/**
 * Ignored files and folders gone at a run's end that were there at its start: git ignores them,
 * so no checkpoint holds them, and the review (which lists what checkpoints hold) said nothing
 * of them while Restore checkpoint said it puts "the files" back — a model's `git clean -fdx`
 * took the user's .env with dist/ and node_modules/, with no word but the command's output.
 */
export function ignoredGoneNotice(gone: readonly string[], unchecked: readonly string[] = []): string {
  const named = gone.slice(0, IGNORED_NAMED).join(", ") + (gone.length > IGNORED_NAMED ? ` and ${gone.length - IGNORED_NAMED} more` : "");
  const one = gone.length === 1;
  return `Files git ignores are gone since this run started (deleted by its commands — git clean -x, rm -rf, a build that empties its folder — or by hand): ${named}. Hearth's checkpoints do not hold ignored files, so neither a Reject nor Restore checkpoint brings ${one ? "it" : "them"} back, and the review does not list ${one ? "it" : "them"}: make ${one ? "it" : "them"} again (reinstall, rebuild) or restore ${one ? "it" : "them"} from a backup.${ignoredUncheckedWords(unchecked)}`;
}

/**
 * Fix This Issue's words for fix-files.ts `namedNowhere`: new files the agent wrote that no other
 * changed file names — a script to reproduce the issue it left, or a part of the fix —, in the
 * review like the rest; a top-level `json.py` said to hide Python's own module.
 */
export function namedNowhereNotice(files: readonly NamedNowhere[]): string {
  const shown = files.slice(0, IGNORED_NAMED).map((f) => (f.shadows ? `${f.path} (at the folder's top, where it hides Python's own ${f.shadows} module from every import run there)` : f.path));
  const more = files.length > IGNORED_NAMED ? ` and ${files.length - IGNORED_NAMED} more` : "";
  return `New files the agent wrote that no other changed file names: ${shown.join(", ")}${more}. They may be a script to reproduce the issue or scratch notes rather than part of the fix: look at them in the review, and Reject those the fix does not need.`;
}

/** How many ignored files or folders gone the notice names. */
const IGNORED_NAMED = 10;

/** How many of the files the agent edited before git changed them the notice names. */
const EDITED_NAMED = 5;

/**
 * A chat message (the user's words and the files they attach) that holds tag characters,
 * followed by what they say (a fix's first message says so itself: `taskMessage`). Bidi
 * controls alone are not told of here: right-to-left text the user typed or pasted has them.
 */
function withHiddenTextNotice(text: string): string {
  const hidden = findHiddenText(text);
  return hidden?.tags ? `${text}\n\n${hiddenTextNotice(hidden, "the user's message above (with the files it attaches)")}` : text;
}

/**
 * A fix's first message: the issue, the files and the related code the index finds (within
 * its budget, counted by the model's tokenizer, nothing the system prompt already shows).
 * An index that fails leaves the issue text alone rather than failing the run.
 */
async function fixMessage(options: ConversationRunOptions, systemText: string, testCommand: string | undefined, backend: ModelBackend): Promise<string> {
  const starting = await startingContext(options.index, options.workspace, options.text, {
    countTokens: backendTokenCounter(backend),
    budgetTokens: budgetsFor(backend).startingCode,
    alreadyShown: systemText,
    signal: options.signal,
  }).catch(() => ({ files: [], code: [] }));
  return taskMessage(options.text, starting.files, testCommand, starting.code);
}

/**
 * A new conversation's system prompt: the project's rules and memory (read now, so an
 * entry edited by hand is in the next conversation) and the repository map, each within
 * its budget. It stays fixed for the conversation: the stable prefix the KV cache reuses.
 */
async function systemPrompt(options: ConversationRunOptions, testCommand: string | undefined, backend: ModelBackend): Promise<{ text: string; project?: ProjectContext }> {
  const budgets = budgetsFor(backend);
  const map = options.index ? await options.index.repoMap({ tokens: budgets.repoMap, query: options.text }).catch(() => undefined) : undefined;
  const project = await loadProjectContext(options.workspace, {
    countTokens: backendTokenCounter(backend),
    budgetTokens: budgets.projectRules,
    signal: options.signal,
  }).catch(() => undefined);
  const text = buildSystemPrompt({
    workspaceName: basename(options.workspace.root),
    platform: process.platform,
    ...(map?.text ? { repoMap: map.text } : {}),
    ...(project?.text ? { projectRules: project.text } : {}),
    ...(testCommand ? { testCommand } : {}),
  });
  return { text, ...(project ? { project } : {}) };
}

/** The starting context's budgets for the backend's model (whole when it is not ready). */
function budgetsFor(backend: ModelBackend): PromptBudgets {
  const state = backend.state();
  return promptBudgets(state.kind === "ready" ? state.info.contextSize : undefined);
}

/** Why a write step's card shows no diff: it was over MAX_STEP_DIFF_BYTES; the files it changed, a few named. */
function stepDiffLeftOut(tool: string, files: readonly string[]): string {
  const named = files.length > 5 ? `${files.slice(0, 5).join(", ")} and ${files.length - 5} more` : files.join(", ");
  return `${tool}'s step changed ${files.length} ${files.length === 1 ? "file" : "files"}, a diff over ${MAX_STEP_DIFF_BYTES / 1024 / 1024} MiB (${named}): another program may have written in the folder meanwhile, such as a build watching it. Its card lists the files without their diff; Open diff shows each one.`;
}

/** What one write changed: its diff ("" past MAX_STEP_DIFF_BYTES), its files, and the checkpoint of how it left them. */
interface StepChange {
  readonly diff: string;
  readonly files: string[];
  readonly after: string;
}

/**
 * A write tool that calls `after` once it has written (to capture the diff before the next
 * step). `evenWhenFailed`: a command's, called also when it failed (timed out, cancelled): it
 * may have changed files before it was stopped, and the model goes on thinking after a timeout.
 */
function reportingChanges(tool: Tool, after: () => Promise<void>, evenWhenFailed = false): Tool {
  return {
    ...tool,
    async execute(input, ctx) {
      let output: Awaited<ReturnType<Tool["execute"]>>;
      try {
        output = await tool.execute(input, ctx);
      } catch (error) {
        if (evenWhenFailed || changedAnyway(error)) await after().catch(() => undefined);
        throw error;
      }
      await after().catch(() => undefined);
      return output;
    },
  };
}

/**
 * Files changed while no step of the agent's ran, kept in the review because a process one of
 * its commands left running could have written them: they may be the user's own.
 */
function leftRunningNotice(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).map((p) => `"${p}"`).join(", ");
  const more = paths.length > 5 ? ` and ${paths.length - 5} more` : "";
  const them = paths.length === 1 ? "it" : "them";
  return `${paths.length === 1 ? "A file" : `${paths.length} files`} changed while the model thought, not during a step of Hearth's: ${shown}${more}. A process one of Hearth's commands left running in the background may have written ${them}, so ${them} ${paths.length === 1 ? "is" : "are"} in this run's review; if ${them} ${paths.length === 1 ? "is" : "are"} your own work, keep ${them} (Reject asks before it takes back a change no step of Hearth's made).`;
}

/**
 * A write that failed after the editor took its change: VS Code saved some of its files and not
 * the others (`notSaved`), or its answer never came (the runtime shut down, the client gone). What
 * is on disk then is looked at as for a write that went through, so the step's card, and the run's
 * review made from the cards, hold the files it changed.
 */
function changedAnyway(error: unknown): boolean {
  if (!(error instanceof ToolError)) return false;
  return error.code === "cancelled" || (typeof error.data === "object" && error.data !== null && "notSaved" in error.data);
}

/** A count the backend could only estimate (a server without a tokenizer) says so: the meter shows it as approximate. */
function estimatedBy(backend: ModelBackend, event: Extract<AgentWireEvent, { type: "context" }>): AgentWireEvent {
  const state = backend.state();
  return event.usedTokens !== undefined && state.kind === "ready" && state.info.estimatedTokens ? { ...event, estimated: true } : event;
}

/** A result's first PREVIEW_CHARS for its card, never ending in half a surrogate pair (an emoji cut in two shows as �). */
function preview(text: string): string {
  return text.length <= PREVIEW_CHARS ? text : `${text.slice(0, pairSafeEnd(text, PREVIEW_CHARS))}…`;
}

/** The first 72 characters of the message's first line, for its checkpoints: never half an emoji (git would keep a �). */
function checkpointLabel(text: string): string {
  const line = text.split("\n")[0]!;
  return line.slice(0, pairSafeEnd(line, 72));
}

function toWire(
  event: AgentEvent,
  tools: ReadonlyMap<string, Tool>,
  takeStep: () => { change: StepChange | undefined; checkpoint: string | undefined },
): AgentWireEvent | undefined {
  // How the UI shows a call travels with it, from the tool's own definition.
  const displayOf = (name: string) => {
    const display = tools.get(name)?.display;
    return display ? { display } : {};
  };
  switch (event.type) {
    case "turn":
      return { type: "turn", step: event.step };
    case "model":
      // What the backend tells the user (a server setting to change) is the chat's notice.
      if (event.event.type === "notice") return { type: "notice", level: "warning", text: event.event.text };
      return { type: "model", event: event.event, ...(event.event.type === "toolCall" ? displayOf(event.event.call.name) : {}) };
    case "toolStart":
      return { type: "toolStart", call: event.call, effect: tools.get(event.call.name)?.effect ?? "read", ...displayOf(event.call.name) };
    case "toolEnd": {
      const { change, checkpoint } = takeStep();
      // Of the whole result: what it hides may be past the preview.
      const hidden = findHiddenText(event.result.text);
      return {
        type: "toolEnd",
        callId: event.call.id,
        ok: event.result.ok,
        preview: preview(event.result.text),
        durationMs: event.durationMs,
        ...(change?.diff || change?.files.length ? { ...(change.diff ? { diff: change.diff } : {}), changedFiles: change.files, after: change.after } : {}),
        ...(checkpoint ? { checkpoint } : {}),
        ...(hidden ? { hidden } : {}),
      };
    }
    case "approval":
      return { type: "approval", callId: event.call.id, approved: event.approved };
    case "context":
      return { type: "context", contextSize: event.contextSize, ...(event.usedTokens === undefined ? { countError: event.countError ?? "unknown error" } : { usedTokens: event.usedTokens }) };
    case "condensed":
      return { type: "condensed", messages: event.messages, kinds: event.kinds, ...(event.estimated ? { estimated: true } : {}) };
    case "steer":
      return { type: "steer", message: event.message };
    case "dropped":
      return { type: "notice", level: "info", text: event.message };
  }
}

/**
 * The user's message with what they attached: selections and problems inline, small files inline, symbols by location.
 * A file included whole is recorded in `reads` as seen: write_file may replace it.
 */
export async function withAttachments(text: string, attachments: readonly Attachment[], workspace: Workspace, reads?: FileReads): Promise<string> {
  if (attachments.length === 0) return text;
  const parts = [text];
  for (const a of attachments) {
    switch (a.kind) {
      case "selection": {
        const shown = asTerminalShows(a.text);
        parts.push(`Selected in ${a.path} (lines ${a.startLine + 1}-${a.endLine + 1}):${shown.note}\n${fenced(shown.text)}`);
        break;
      }
      case "problems":
        parts.push(`Problems reported by the editor:\n${a.text}`);
        break;
      case "symbol":
        parts.push(`The user refers to ${a.name}, defined in ${a.path} at line ${a.line + 1}.`);
        break;
      case "file":
        parts.push(await attachedFile(a.path, workspace, reads));
    }
  }
  return parts.join("\n\n");
}

/**
 * The files a user message attached (`withAttachments`: a file whole or in part, a selection
 * in one), by the headings it writes above their text: what of them the conversation holds.
 */
export function attachedPaths(text: string): string[] {
  const paths: string[] = [];
  for (const m of text.matchAll(/^(?:Attached file (.+?)(?: \(first \d+ characters; read_file for the rest\))?|Selected in (.+) \(lines \d+-\d+\)):$/gm)) paths.push((m[1] ?? m[2])!);
  return paths;
}

/**
 * An attached file as the model reads it: its text (read as read_file reads it: UTF-8,
 * UTF-16 with a BOM, Latin-1) up to ATTACHED_FILE_CHARS; a file read_file would not open is
 * named with its size and not read at all — a dataset or a model's weights in the folder
 * would otherwise be read whole into the runtime's memory first.
 */
async function attachedFile(path: string, workspace: Workspace, reads: FileReads | undefined): Promise<string> {
  try {
    const info = await workspace.stat(path);
    if (!info) return `The user attached ${path} (it could not be read: "${path}" does not exist).`;
    if (info.size > MAX_READ_FILE_BYTES) {
      return `The user attached ${path} (${formatSize(info.size)}): too large to include; read_file reads files up to ${MAX_READ_FILE_BYTES / 1024 ** 2} MB — look into it with run_command (head, grep).`;
    }
    const bytes = await workspace.read(path);
    // A log saved with a terminal's codes: not its exact text, so not counted as read for write_file.
    const { text: content, note } = asTerminalShows(decodeText(bytes, path).text);
    if (content.length <= ATTACHED_FILE_CHARS && reads && !note) recordWhole(reads, await workspace.resolve(path), contentHash(bytes));
    return content.length <= ATTACHED_FILE_CHARS
      ? `Attached file ${path}:${note}\n${fenced(content)}`
      : `Attached file ${path} (first ${ATTACHED_FILE_CHARS} characters; read_file for the rest):${note}\n${fenced(content.slice(0, pairSafeEnd(content, ATTACHED_FILE_CHARS)))}`;
  } catch (error) {
    return `The user attached ${path} (it could not be read as text: ${error instanceof Error ? error.message : String(error)}).`;
  }
}

/**
 * Attached text holding an ESC (a log saved with FORCE_COLOR's colours and a progress bar's \r
 * frames) as a terminal shows it, as the chat box's paste is, with the line under its heading
 * that says so; as it is, and no line, otherwise.
 */
function asTerminalShows(text: string): { text: string; note: string } {
  const shown = text.includes("\x1b") ? terminalShown(text)?.trim() : undefined;
  if (shown === undefined) return { text, note: "" };
  return { text: shown, note: "\n(shown as a terminal shows it: its colour codes and progress-bar redraws left out; read_file gives its exact text)" };
}

/**
 * Attached text in a code block whose fence is longer than any backtick run in it: a Markdown
 * file's own ``` would close a plain fence, and what follows would read as the user's words.
 */
function fenced(text: string): string {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

/** The first and last halves of `max` characters, never half an emoji at either cut. */
function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  const end = pairSafeEnd(text, half);
  const start = pairSafeStart(text, text.length - half);
  return `${text.slice(0, end)}\n… (${start - end} characters cut) …\n${text.slice(start)}`;
}
