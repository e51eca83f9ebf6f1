/**
 * "Fix this issue", headless: the indexer picks the files the issue is about, the agent
 * works on the checkout and runs the tests, and the result is the diff of the workspace
 * against its state at the start — computed by git from the files on disk, never taken
 * from hunks the model wrote. The VS Code command and `hearth fix` both run this.
 */
import { lstat } from "node:fs/promises";
import { basename, join } from "node:path";
import { type IndexQueries, shownPath } from "../indexer/index.ts";
import { filterDefinitions } from "../indexer/read-only-git.ts";
import type { ModelBackend, ToolCall } from "../models/index.ts";
import type { ApprovalPolicy } from "../protocol/settings.ts";
import { findHiddenText, hiddenTextNotice } from "../protocol/visible-text.ts";
import { AGENT_TOOLS, type Checkpoint, CheckpointStore, type ChosenPython, DiskWorkspace, type Tool, type UserHead, type Workspace, checkpointBeforeEffect, commandsLeftRunning, type LeftRunningStop, type NetworkOff, runShell, stopLeftRunning } from "../tools/index.ts";
import { runTestsTool, testRunShown, watchMode } from "../tools/run-tests.ts";
import { type LineEndsUnchecked, repositoryLineEnds } from "./fix-line-ends.ts";
import { type LeftOutOfPatch, type NamedNowhere, fileStamps, namedNowhere, projectFiles, projectKinds, skipWorktreeFiles, sortCommandFiles, type StashEntry, goneEntries, ignoredEntries, stashChange, stashEntries, stashedFiles, submoduleChangedFiles, submoduleFolders, uncommittedFiles, withIndexVersions } from "./fix-files.ts";
import { Agent, type AgentEvent, type AgentResult, type ApprovalRequest, needsApproval } from "./loop.ts";
import { type ProjectContext, backendTokenCounter, loadProjectContext } from "./project-context.ts";
import { promptBudgets } from "./prompt-budgets.ts";
import { type StartingCode, renderCode, startingContext } from "./starting-context.ts";
import { buildSystemPrompt } from "./system-prompt.ts";

export interface FixOptions {
  /** The checkout to fix. */
  readonly repo: string;
  readonly issue: string;
  /** How to run the tests (also given to the model). */
  readonly testCommand?: string;
  /** The Python interpreter the user chose (`hearth fix`: the shell's activated environment): run_tests' detected Python command runs with it. */
  readonly python?: ChosenPython;
  readonly backend: ModelBackend;
  /** An index of `repo`, built; without one the agent starts from the issue text alone. */
  readonly index?: IndexQueries;
  /** Where checkpoints live (a shadow git repository per workspace). */
  readonly storageDir: string;
  /** Writes go here (VS Code: applyEdit); default: the disk. */
  readonly workspace?: Workspace;
  readonly policy: ApprovalPolicy;
  readonly approve?: (request: ApprovalRequest) => Promise<boolean>;
  readonly maxSteps?: number;
  /** Token budget of the repository map in the system prompt (default 1,500; less in a small context: `promptBudgets`). */
  readonly repoMapTokens?: number;
  /** Token budget of AGENTS.md, .hearth/rules.md and memory entries in the prompt (default 2,000; less in a small context). */
  readonly projectContextTokens?: number;
  /** Token budget of the related functions'/classes' code in the first message (default 2,500; less in a small context). */
  readonly startingCodeTokens?: number;
  readonly onEvent?: (event: AgentEvent) => void;
  readonly signal?: AbortSignal;
  /** Tools beside AGENT_TOOLS (`hearth fix --mcp`: MCP servers' tools), approved by their effect. */
  readonly extraTools?: readonly Tool[];
  /** Files the caller writes during the run (a trajectory, the patch): kept out of the checkpoints and the patch when inside `repo`. */
  readonly ownFiles?: readonly string[];
  /** How long one git in the checkout's repository may run (it runs the repository's clean filters): REPOSITORY_GIT_TIMEOUT_MS by default. */
  readonly repositoryGitTimeoutMs?: number;
  /** Run the agent's commands and the final tests without the network (`hearth fix --yes`: tools/command-network.ts). */
  readonly networkOff?: NetworkOff;
}

/** The change to a submodule's files (FixResult.submodulePatches). */
export interface SubmodulePatch {
  /** Its folder, relative to the checkout. */
  readonly submodule: string;
  /** The files changed, relative to `submodule`. */
  readonly files: readonly string[];
  /** The diff, with names relative to `submodule`: it applies there. */
  readonly patch: string;
  /**
   * The submodule was not checked out when the run started (an empty folder, no `.git`): the
   * agent wrote its files from nothing, so the patch creates them, and it applies only in a
   * checkout where the submodule is checked out (`git submodule update --init`).
   */
  readonly notCheckedOut?: true;
}

export interface TestOutcome {
  readonly command: string;
  readonly passed: boolean;
  readonly exitCode: number | null;
  readonly output: string;
  /** The tests did not end by themselves (the time limit, a signal): see protocol/agent.ts TestOutcome.stopped. */
  readonly stopped?: string;
}

export interface FixResult {
  readonly agent: AgentResult;
  /** `git diff` of the workspace from the start of the run to now (empty: nothing changed), but for `leftOutOfPatch`. */
  readonly patch: string;
  /** The files the patch changes. */
  readonly changedFiles: readonly string[];
  /**
   * When the checkout had uncommitted changes at the start (files differing from HEAD,
   * untracked ones too): the patch is made on top of them and does not hold them. `inPatch`:
   * those the patch changes too — it does not apply to a clean checkout of HEAD then.
   * `noCommit`: the branch had no commit yet (a new repository, an orphan branch), so there is no HEAD at all.
   */
  readonly uncommittedAtStart?: { readonly files: readonly string[]; readonly inPatch: readonly string[]; readonly noCommit?: true };
  /**
   * How many stash entries were made during the run and are still there (`git stash` by the
   * agent's commands, or by hand): changes taken out of the checkout, the user's uncommitted
   * ones among them, which the patch shows removed.
   */
  readonly stashedDuringRun?: number;
  /** Some of what those entries took is not in the patch: no step of the agent's changed it (a stash by hand while the model thought). */
  readonly stashOutOfPatch?: boolean;
  /**
   * The stash entries there at the start and gone at the end (`git stash pop` or `drop`, by the
   * agent's commands or by hand): a popped entry's changes are in the checkout, the patch holding
   * them as the agent's, and the entry's commit is the way back to it.
   */
  readonly stashGone?: readonly StashEntry[];
  /**
   * Files and folders git ignores that were in the checkout at the start and are gone at the
   * end (`git clean -fdx` taking the user's .env, `rm -rf node_modules`): no patch holds them,
   * and no checkpoint either (fix-files.ts ignoredEntries).
   */
  readonly ignoredGone?: readonly string[];
  /** With `ignoredGone`: the ignored entries of the start not looked for (past fix-files.ts MAX_IGNORED_CHECKED). */
  readonly ignoredUnchecked?: readonly string[];
  /** Why git could not tell the checkout's uncommitted changes at the start (a corrupt index, a clean filter past the time limit); none when it could, or there is no repository. */
  readonly uncommittedUnknown?: string;
  /** New files only commands made that look like build output, caches or logs, or are binary: on disk, not in the patch (fix-files.ts). */
  readonly leftOutOfPatch?: readonly LeftOutOfPatch[];
  /** Files whose line ends the patch has as the work tree holds them, because the repository could not be asked how it stores them (fix-line-ends.ts). */
  readonly lineEndsUnchecked?: LineEndsUnchecked;
  /** New files in the patch that only commands made (`cat > helper.py`), no edit tool: the user may want to look at them. */
  readonly madeByCommands?: readonly string[];
  /** New files in the patch that no other file of it names (a `reproduce.py` the agent left), outside test folders: named to the user, kept in the patch (fix-files.ts namedNowhere). */
  readonly namedNowhere?: readonly NamedNowhere[];
  /**
   * The changes to files inside the checkout's submodules, each a patch of its own with names
   * from the submodule's folder (`git -C vendor/lib apply`): the repository tracks only a
   * submodule's commit, so `patch` cannot hold them. Not in `changedFiles`.
   */
  readonly submodulePatches?: readonly SubmodulePatch[];
  /** Files the indexer ranked for the issue, best first (what the model was pointed at). */
  readonly startingFiles: readonly string[];
  /** The checkpoint taken before anything ran: restoring it undoes the whole fix. */
  readonly startCheckpoint: string;
  /** Files over the size limit that checkpoints leave out (see Checkpoint.leftOut). */
  readonly leftOutOfCheckpoints?: readonly string[];
  /** Files this user may not read, which checkpoints leave out too (see Checkpoint.unreadable). */
  readonly unreadableInCheckpoints?: readonly string[];
  /**
   * Processes the agent's commands (or the final test run) started and left running — a
   * server started with `&`, a setsid daemon — stopped when the fix ended, and any that
   * outlived SIGKILL. Undefined when none was left.
   */
  readonly leftRunning?: LeftRunningStop;
  /** The test command run once more after the agent stopped, when one was given (and allowed). */
  readonly tests?: TestOutcome;
  /** Why the final test run did not happen although a test command was given (declined, cancelled). */
  readonly testsNotRun?: string;
  /** The project's rules and memories that went into the prompt, and what was cut. */
  readonly projectContext: ProjectContext;
  /** Memory entries the agent wrote (`remember`), workspace-relative; never part of `patch`. */
  readonly memories: readonly string[];
  /**
   * The user's git HEAD moved during the run, outside the agent's own steps (a `git checkout`,
   * pull or reset while the model thought or the final tests ran), and git wrote `files` that
   * the patch would hold: a diff from the start would carry git's changes with the agent's,
   * which no one can tell apart in it, so no patch is made (`patch` empty, no files, no
   * submodule patches). The agent's changes are left on disk.
   */
  readonly headMoved?: { readonly from: UserHead; readonly to: UserHead; readonly files: readonly string[] };
}

const TEST_TIMEOUT_MS = 10 * 60_000;

export async function runFix(options: FixOptions): Promise<FixResult> {
  const signal = options.signal ?? new AbortController().signal;
  const store = await CheckpointStore.open({ workspaceRoot: options.repo, storageDir: options.storageDir, ...(options.ownFiles ? { exclude: options.ownFiles } : {}) });
  // The user's own changes: not what checkpoints leave out anyway (this run's trajectory, caches, .hearth/).
  const gitTimeoutMs = options.repositoryGitTimeoutMs;
  // Ctrl-C stops a git waiting on a filter that hangs (its process group is out of the terminal's reach).
  const gitCall = { ...(gitTimeoutMs === undefined ? {} : { timeoutMs: gitTimeoutMs }), signal };
  const atStart = await uncommittedFiles(options.repo, gitCall);
  const stashAtStart = await stashEntries(options.repo, gitCall);
  const ignoredAtStart = await ignoredEntries(options.repo, gitCall);
  const excluded = new Set(atStart && "files" in atStart ? await store.excludedAmong(atStart.files) : []);
  const uncommitted = atStart && "files" in atStart ? atStart.files.filter((path) => !excluded.has(path)) : undefined;
  const tracked = await projectFiles(options.repo, gitCall);
  const offDisk = await skipWorktreeFiles(options.repo, gitCall);
  const submodules = await submoduleFolders(options.repo, gitCall);
  // The user's own changes inside submodules: not the run's.
  const inSubmodulesAtStart = await submoduleChangedFiles(options.repo, submodules, gitCall);
  // Not checked out (no .git in its folder): its patch cannot be applied where it is.
  const notCheckedOut = new Set<string>();
  for (const folder of submodules) if (!(await lstat(join(options.repo, folder, ".git")).then(() => true, () => false))) notCheckedOut.add(folder);
  const start = await store.create("before Hearth's fix");
  // The filter drivers as they are before any command: the patch step runs none defined or changed since (fix-line-ends.ts).
  const filtersAtStart = await filterDefinitions(options.repo);
  // Plain git repositories in the checkout (a clone, no submodule): the checkpoints do not look into them either.
  const ownRepositories = (start.nested ?? []).filter((folder) => !submodules.includes(folder));
  const inOwnAtStart = await submoduleChangedFiles(options.repo, ownRepositories, gitCall);
  // No diff sees a file the checkpoints leave out: whether a command changed it is told by its stamp.
  const largeAtStart = await fileStamps(options.repo, start.leftOut ?? []);
  const state = options.backend.state();
  const budgets = promptBudgets(state.kind === "ready" ? state.info.contextSize : undefined);
  const repoMap = options.index ? (await options.index.repoMap({ tokens: options.repoMapTokens ?? budgets.repoMap, query: options.issue })).text : undefined;
  const workspace = options.workspace ?? new DiskWorkspace(options.repo);
  const starting = await startingContext(options.index, workspace, options.issue, {
    countTokens: backendTokenCounter(options.backend),
    budgetTokens: options.startingCodeTokens ?? budgets.startingCode,
    ...(repoMap ? { alreadyShown: repoMap } : {}),
    signal,
  });
  const startingFiles = starting.files;
  const memories: string[] = [];
  const projectContext = await loadProjectContext(workspace, {
    countTokens: backendTokenCounter(options.backend),
    budgetTokens: options.projectContextTokens ?? budgets.projectRules,
    signal,
  });
  // What the edit tools wrote: in the patch whatever it is. Other new files are sorted at the end.
  const written = new Set<string>();
  // A process an agent's command left running (a watcher, a server started with &) writes while no step runs.
  let leftRunningDuring = false;
  const checkpoint = checkpointBeforeEffect(store);
  const agent = new Agent({
    backend: options.backend,
    tools: [...AGENT_TOOLS, ...(options.extraTools ?? [])].map((tool) => endingItsStep(tool, store)),
    toolContext: {
      workspace,
      session: "hearth fix",
      beforeEffect: async (tool, input, paths) => {
        for (const path of paths) written.add(path);
        await checkpoint(tool, input, paths);
      },
      checkpoints: store,
      runStart: start.id,
      ...(options.testCommand ? { testCommand: options.testCommand } : {}),
      ...(options.python ? { python: options.python } : {}),
      ...(options.index ? { index: options.index } : {}),
      ...(options.networkOff ? { networkOff: options.networkOff } : {}),
    },
    systemPrompt: buildSystemPrompt({
      workspaceName: basename(options.repo),
      platform: process.platform,
      ...(repoMap ? { repoMap } : {}),
      ...(projectContext.text ? { projectRules: projectContext.text } : {}),
      ...(options.testCommand ? { testCommand: options.testCommand } : {}),
      ...(options.networkOff ? { commandsNetworkOff: true } : {}),
      patchTask: true,
    }),
    policy: options.policy,
    ...(options.approve ? { approve: options.approve } : {}),
    budget: { maxSteps: options.maxSteps ?? 40 },
    onEvent: (event) => {
      if (event.type === "toolEnd" && event.call.name === "remember" && event.result.ok) memories.push((event.result.data as { path: string }).path);
      if (event.type === "toolEnd") leftRunningDuring ||= commandsLeftRunning();
      options.onEvent?.(event);
    },
  });
  const result = await agent.run(taskMessage(options.issue, startingFiles, options.testCommand, starting.code), signal);
  // Where the final tests' time starts (after the user's yes): what they write is the fix's (byHand below); the
  // label keeps that time the user's for a checkout (headMoved), as the run's end is.
  let testsFrom: string | undefined;
  const beforeRun = async () => {
    testsFrom = (await store.create("after: Hearth's fix's steps (the final tests follow)").catch(() => undefined))?.id;
  };
  const final = options.testCommand && !signal.aborted
    ? await runFinalTests({ command: options.testCommand, cwd: options.repo, policy: options.policy, approve: options.approve, onEvent: options.onEvent, signal, beforeRun, networkOff: options.networkOff })
    : undefined;
  leftRunningDuring ||= commandsLeftRunning();
  // What the agent's commands started and left running (a dev server tried with &): the fix is done, and they would outlive it.
  const stopped = await stopLeftRunning(signal);
  const leftRunning = stopped.stopped.length || stopped.notStopped.length ? stopped : undefined;
  // The run's end: what changed since its last step (a checkout while the model wrote its answer, during the final tests) is the user's.
  const end = await store.create("after: Hearth's fix");
  // Checkpoints leave .hearth/ out, so the patch is the code change alone (what a reviewer
  // or SWE-bench applies); memories are reported apart.
  // What the project keeps: its repository's files, or (no git) what the checkout held at the start.
  const project = projectKinds(tracked ?? (await store.filesAt(start.id)));
  // A file the start checkpoint left out (over the size limit) that is under it now reads as
  // new: a patch adding it would clash with the file every checkout of the project has.
  const added = await store.addedFiles(start.id);
  const sorted = await sortCommandFiles(options.repo, added.filter((path) => !largeAtStart.has(path)), written, project);
  const leftOut = [
    ...sorted.leftOut,
    ...(await grownPastLimit(store, start.id, end)).map((path) => ({ path, why: "large" as const })),
    ...added.filter((path) => largeAtStart.has(path)).map((path) => ({ path, why: "shrunk" as const })),
    ...(await largeChanged(options.repo, largeAtStart, new Set(added))),
  ];
  // In the repository's line endings, as `git diff` in the checkout gives it (fix-line-ends.ts).
  let lineEndsUnchecked: LineEndsUnchecked | undefined;
  // A run cancelled before this still gets its patch in the repository's form; a Ctrl-C from here stops the git asked.
  const patchGit = { ...(gitTimeoutMs === undefined ? {} : { timeoutMs: gitTimeoutMs }), ...(signal.aborted ? {} : { signal }) };
  const storedForm = repositoryLineEnds(options.repo, { ...patchGit, filtersAtStart, onUnchecked: (unchecked) => (lineEndsUnchecked = unchecked) });
  // A file git kept off the disk (outside a sparse checkout) that the run wrote changes the repository's version.
  const indexed = await withIndexVersions(store, start.id, options.repo, added.filter((path) => offDisk.has(path) && !leftOut.some((file) => file.path === path)), offDisk, patchGit);
  const base = indexed.base;
  leftOut.push(...indexed.leftOut);
  const leftOutPaths = new Set(leftOut.map((f) => f.path));
  // From the patch's base: a file a command put back from outside the sparse checkout as the repository has it (git sparse-checkout disable) is no change.
  const allChanged = (await store.changedFiles(base)).filter((path) => !leftOutPaths.has(path));
  const moved = await store.headMoved(start.id, end.id);
  const changedSet = new Set(allChanged);
  const gits = moved?.written.filter((path) => changedSet.has(path)) ?? [];
  if (moved && gits.length) {
    return {
      agent: result, patch: "", changedFiles: [], startingFiles, startCheckpoint: start.id, projectContext, memories,
      headMoved: { from: moved.from, to: moved.to, files: gits.sort() },
      ...(leftRunning ? { leftRunning } : {}),
      ...(final && "ran" in final ? { tests: final.ran } : {}),
      ...(final && "notRun" in final ? { testsNotRun: final.notRun } : {}),
    };
  }
  // Files only the user (or another program) changed while the run went on — saved by hand while the model
  // thought, no step of the agent's nor the final tests touching them (agentBaselines: no agent baseline) —
  // are not the fix's: left out of its patch, and named. Unless a process an agent's command left running may have written them.
  const baselines = leftRunningDuring ? undefined : await store.agentBaselines(start.id, allChanged, "run").catch(() => undefined);
  // What changed while the final tests ran is theirs (or the user's then: it cannot be told, so kept).
  const testsWrote = new Set(testsFrom ? await store.changedFiles(testsFrom, end.id).catch(() => []) : []);
  const byHand = [...(baselines ?? [])].filter(([path, b]) => b.changed && !b.checkpoint && !testsWrote.has(path)).map(([path]) => path);
  leftOut.push(...byHand.map((path) => ({ path, why: "byHand" as const })));
  for (const path of byHand) leftOutPaths.add(path);
  // The agent's edit of a file inside a plain git repository in the checkout (a clone, no submodule): the
  // checkout's repository tracks none of its files, so `git apply` of a patch holding it fails, all of it, in a
  // clone. Left on disk and named; the rest of the patch applies. The innermost repository decides.
  const repositoryOf = (path: string) => [...submodules, ...ownRepositories].filter((folder) => path.startsWith(`${folder}/`)).sort((a, b) => b.length - a.length)[0];
  const nestedEdits = allChanged.filter((path) => { const folder = repositoryOf(path); return folder !== undefined && ownRepositories.includes(folder); });
  leftOut.push(...nestedEdits.map((path) => ({ path, why: "nestedEdit" as const })));
  for (const path of nestedEdits) leftOutPaths.add(path);
  const kept = allChanged.filter((path) => !leftOutPaths.has(path));
  // A file inside a submodule is the submodule's change: it gets a patch of its own, to apply in the submodule's folder.
  // The innermost: a submodule of a submodule is a repository of its own too.
  const submoduleOf = (path: string) => submodules.filter((folder) => path.startsWith(`${folder}/`)).sort((a, b) => b.length - a.length)[0];
  const changedFiles = kept.filter((path) => submoduleOf(path) === undefined);
  const patch = await store.diff(base, undefined, [], { patch: true, leaveOut: [...leftOutPaths, ...kept.filter((path) => submoduleOf(path) !== undefined)], storedForm });
  const submodulePatches: SubmodulePatch[] = [];
  for (const submodule of submodules) {
    const files = kept.filter((path) => submoduleOf(path) === submodule);
    if (!files.length) continue;
    const leaveOut = [...leftOutPaths].filter((path) => path.startsWith(`${submodule}/`));
    // Its files alone: a submodule inside it has its own patch.
    const ownPatch = await store.diff(base, undefined, files, { patch: true, leaveOut, relative: submodule });
    submodulePatches.push({ submodule, files: files.map((path) => path.slice(submodule.length + 1)), patch: ownPatch, ...(notCheckedOut.has(submodule) ? { notCheckedOut: true as const } : {}) });
  }
  // What commands changed inside submodules, which neither the checkpoints nor any patch see: named, so no part of the fix goes unsaid.
  const inPatches = new Set(submodulePatches.flatMap(({ submodule, files }) => files.map((path) => `${submodule}/${path}`)));
  const unseen = [...(await submoduleChangedFiles(options.repo, submodules, patchGit))].filter((path) => !inSubmodulesAtStart.has(path) && !inPatches.has(path) && !leftOutPaths.has(path)).sort();
  leftOut.push(...unseen.map((path) => ({ path, why: "submodule" as const })));
  const inPatch = new Set(allChanged);
  const unseenOwn = [...(await submoduleChangedFiles(options.repo, ownRepositories, patchGit))].filter((path) => !inOwnAtStart.has(path) && !inPatch.has(path) && !leftOutPaths.has(path)).sort();
  leftOut.push(...unseenOwn.map((path) => ({ path, why: "nested" as const })));
  const changed = new Set(changedFiles);
  const madeByCommands = sorted.madeByCommands.filter((path) => changed.has(path));
  const addedSet = new Set(added);
  const nowhere = await namedNowhere(options.repo, changedFiles.filter((path) => addedSet.has(path)), changedFiles);
  const stashNow = stashAtStart && (await stashEntries(options.repo, patchGit));
  const stash = stashChange(stashAtStart, stashNow);
  const ignored = ignoredAtStart ? await goneEntries(options.repo, ignoredAtStart) : undefined;
  const ignoredGone = ignored ? ignored.gone.filter((path) => !changed.has(path)) : [];
  const stashed = stash?.made.length ?? 0;
  // A stash the user made by hand while the model thought: its files are no step's, so the patch leaves them out.
  let stashOutOfPatch = false;
  for (const entry of stash?.made ?? []) {
    const files = await stashedFiles(options.repo, entry.commit, patchGit);
    if (!files || files.some((path) => !changed.has(path))) stashOutOfPatch = true;
  }
  return {
    agent: result, patch, changedFiles, startingFiles, startCheckpoint: start.id, projectContext, memories,
    ...(atStart && "unknown" in atStart ? { uncommittedUnknown: atStart.unknown } : {}),
    ...(uncommitted?.length ? { uncommittedAtStart: { files: uncommitted, inPatch: changedFiles.filter((path) => uncommitted.includes(path)), ...(atStart && "noCommit" in atStart ? { noCommit: true as const } : {}) } } : {}),
    ...(leftOut.length ? { leftOutOfPatch: leftOut } : {}),
    ...(leftRunning ? { leftRunning } : {}),
    ...(madeByCommands.length ? { madeByCommands } : {}),
    ...(nowhere.length ? { namedNowhere: nowhere } : {}),
    ...(stashed ? { stashedDuringRun: stashed } : {}),
    ...(stashOutOfPatch ? { stashOutOfPatch } : {}),
    ...(stash?.gone.length ? { stashGone: stash.gone } : {}),
    ...(ignoredGone.length ? { ignoredGone, ...(ignored?.unchecked.length ? { ignoredUnchecked: ignored.unchecked } : {}) } : {}),
    ...(submodulePatches.length ? { submodulePatches } : {}),
    ...(lineEndsUnchecked ? { lineEndsUnchecked } : {}),
    ...(start.leftOut ? { leftOutOfCheckpoints: start.leftOut } : {}),
    ...(start.unreadable ? { unreadableInCheckpoints: start.unreadable } : {}),
    ...(final && "ran" in final ? { tests: final.ran } : {}),
    ...(final && "notRun" in final ? { testsNotRun: final.notRun } : {}),
  };
}

/**
 * A write or command tool followed by an `after <tool>` checkpoint, taken also when it failed
 * (a command that timed out may have changed files): it ends the step's time, so what changes
 * before the next checkpoint — a `git checkout` the user runs while the model thinks — is
 * the user's, not the step's (checkpoint-authorship.ts usersChange, checkpoint-git-head.ts).
 */
function endingItsStep(tool: Tool, store: CheckpointStore): Tool {
  if (tool.effect !== "write" && tool.effect !== "command") return tool;
  return {
    ...tool,
    async execute(input, ctx) {
      try {
        return await tool.execute(input, ctx);
      } finally {
        await store.create(`after ${tool.definition.name}`).catch(() => undefined);
      }
    },
  };
}

/**
 * Files the start checkpoint held that are over the size limit now (a command grew them):
 * checkpoints leave them out, so the patch takes them as they were and cannot hold the change.
 */
async function grownPastLimit(store: CheckpointStore, start: string, end: Checkpoint): Promise<string[]> {
  if (!end.leftOut) return [];
  // Between two checkpoints such a file reads as deleted: the later one left it out.
  const changed = new Set(await store.changedFiles(start, end.id));
  return end.leftOut.filter((path) => changed.has(path));
}

/**
 * Files over the size limit at the start and not under it now (`shrunk` is told apart) that
 * something wrote since, by their stamps: still over it ("large": the patch leaves them as
 * they were), or gone ("deletedLarge": the patch does not delete them).
 */
async function largeChanged(root: string, atStart: ReadonlyMap<string, string | undefined>, shrunk: ReadonlySet<string>): Promise<LeftOutOfPatch[]> {
  const now = await fileStamps(root, [...atStart.keys()].filter((path) => !shrunk.has(path)));
  return [...now].filter(([path, stamp]) => stamp !== atStart.get(path)).map(([path, stamp]) => ({ path, why: stamp === undefined ? "deletedLarge" : "large" }));
}

/**
 * The first message of a fix: the issue, the files that look related, the code of the
 * functions/classes that look related (from `startingContext`, already within its budget),
 * and how to run the tests. The issue (anyone's text, on GitHub) and the repository's names
 * and code may hide an instruction from the user in tag characters, which the model reads
 * as ASCII: each is followed by a notice saying what they read as (src/protocol/visible-text.ts).
 */
export function taskMessage(issue: string, files: readonly string[], testCommand?: string, code: readonly StartingCode[] = []): string {
  const parts = [`Fix this issue:\n\n${issue.trim()}`];
  const issueHides = findHiddenText(issue);
  if (issueHides) parts.push(hiddenTextNotice(issueHides, "the issue text above"));
  const related: string[] = [];
  if (files.length) related.push(`Files that look related, most likely first: ${files.map(shownPath).join(", ")}.`);
  if (code.length) related.push(`Code that looks related, most likely first (current file lines):\n\n${code.map(renderCode).join("\n\n")}`);
  const relatedHides = findHiddenText(related.join("\n"));
  if (relatedHides) related.push(hiddenTextNotice(relatedHides, "the related files' names and code above", true));
  parts.push(...related);
  if (testCommand) parts.push(`Run the tests with: ${testCommand}`);
  return parts.join("\n\n");
}

export interface FinalTestsOptions {
  readonly command: string;
  readonly cwd: string;
  readonly policy: ApprovalPolicy;
  /** Asked when the policy does not allow commands outright; none = declined. */
  readonly approve?: ((request: ApprovalRequest) => Promise<boolean>) | undefined;
  /** Gets the `approval` event when the user answered the question (not when Stop withdrew it). */
  readonly onEvent?: ((event: AgentEvent) => void) | undefined;
  readonly signal: AbortSignal;
  /** The id of the run's call in its approval request and events (unique per run in a conversation). */
  readonly callId?: string;
  /** Where the repository's files are read for the question's `runs` (default: a DiskWorkspace at `cwd`). */
  readonly workspace?: Workspace;
  /** The interpreter the user chose, which `command` (the detected one, in Fix This Issue) may run: the question says where it was chosen. */
  readonly python?: ChosenPython | undefined;
  /** The run's time limit (default 10 minutes). */
  readonly timeoutMs?: number;
  /** When that limit is reached (`RunShellOptions.timeLimit`: a test's condition); default a timer of `timeoutMs`. */
  readonly timeLimit?: (ms: number) => Promise<unknown>;
  /** Called once the tests are approved, just before they start (a checkpoint there: what they write is Hearth's, what was saved before it the user's). */
  readonly beforeRun?: () => Promise<void>;
  /** Run them without the network (FixOptions.networkOff). */
  readonly networkOff?: NetworkOff | undefined;
}

/** The final test run's outcome, or why it did not run. */
export type FinalTests = { readonly ran: TestOutcome } | { readonly notRun: string };

/**
 * The tests once more after the agent stopped. Running them runs whatever the test command
 * runs now — a `package.json` script or Makefile the model may have just rewritten — so it
 * is approved exactly like the model's own `run_tests` call: asked under `ask` and
 * `auto-edit`, run without asking only under `auto-all`, and the question shows what the
 * repository makes the command run now (`runs`: the scripts behind `npm test`, pytest's addopts).
 */
export async function runFinalTests(options: FinalTestsOptions): Promise<FinalTests> {
  const { command, signal } = options;
  const call: ToolCall = { id: options.callId ?? "final-tests", name: runTestsTool.definition.name, arguments: { command } };
  const runs = await testRunShown(options.workspace ?? new DiskWorkspace(options.cwd), command, undefined, options.python).catch(() => undefined);
  // A watch mode (package.json's jest --watch) waits for file changes: asked and run, it held the fix for the whole 10-minute limit, then read "tests fail".
  const watching = watchMode(runs ?? command);
  if (watching) return { notRun: `the tests were not run: ${runs ?? `\`${command}\``} runs in watch mode: ${watching.option} waits for file changes and never ends; run the tests once yourself — ${watching.once} — or give a test command that ends` };
  if (needsApproval(options.policy, runTestsTool.effect)) {
    // A failing prompt (a closed terminal or UI) counts as a no, like in the agent loop.
    const approved = (await options.approve?.({ call, effect: runTestsTool.effect, ...(runs ? { runs } : {}) }).catch(() => false)) ?? false;
    // Stop withdrew the question (its answer reads "no"): the user declined nothing, and the card ends cancelled with the run.
    if (!approved && signal.aborted) return { notRun: "the tests were not run: the fix was cancelled" };
    try {
      options.onEvent?.({ type: "approval", call, approved });
    } catch {
      // a failing listener must not decide whether the tests run
    }
    if (!approved) return { notRun: `the tests were not run: the user declined running "${command}"` };
  }
  if (signal.aborted) return { notRun: "the tests were not run: the fix was cancelled" };
  await options.beforeRun?.();
  const ran = await runTests(command, options.cwd, options.timeoutMs ?? TEST_TIMEOUT_MS, signal, options.timeLimit, options.networkOff);
  // Killed by the cancel (Ctrl-C, a CI job's SIGTERM), the run's end is the kill's, not the tests' verdict: it read "tests fail (exit null)".
  if (signal.aborted) return { notRun: "the tests were stopped before they ended: the fix was cancelled" };
  return { ran };
}

async function runTests(command: string, cwd: string, timeoutMs: number, signal: AbortSignal, timeLimit?: (ms: number) => Promise<unknown>, networkOff?: NetworkOff): Promise<TestOutcome> {
  const outcome = await runShell(command, cwd, timeoutMs, signal, undefined, { timeLimit, networkOff });
  // Stopped at the limit or killed from outside, the run read "tests fail (exit null)": the tests never finished, nothing failed.
  const stopped = outcome.timedOut
    ? `they ran past the ${Math.round(timeoutMs / 1000)} s limit and were stopped`
    : outcome.exitCode === null ? `they were killed by ${outcome.signal ?? "a signal"}` : undefined;
  return { command, passed: outcome.exitCode === 0 && !stopped, exitCode: outcome.exitCode, output: outcome.output, ...(stopped ? { stopped } : {}) };
}

/** The SWE-bench prediction line for a patch. */
export function predictionLine(instanceId: string, model: string, patch: string): string {
  return JSON.stringify({ instance_id: instanceId, model_name_or_path: model, model_patch: patch });
}
