/**
 * `hearth fix`: fixes an issue in a checkout without a person — the headless twin of the
 * "Fix This Issue" command. Writes the patch (the workspace's git diff from the start),
 * optionally a SWE-bench prediction line, and the whole trajectory as JSONL.
 */
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { questionInterface } from "../terminal-question.ts";
import { type FixResult, type SubmodulePatch, runFix, predictionLine } from "../../agent/fix.ts";
import { type StashEntry, ignoredUncheckedWords, leftOutOfPatchMessage, namedNowhereMessage, uncommittedMessage, uncommittedUnknownMessage } from "../../agent/fix-files.ts";
import { lineEndsUncheckedMessage } from "../../agent/fix-line-ends.ts";
import { promptBudgets, smallContextNotice } from "../../agent/prompt-budgets.ts";
import type { AgentEvent, ApprovalRequest } from "../../agent/loop.ts";
import { ModelSlot } from "../../models/index.ts";
import { type Settings, sanitizeSettings } from "../../protocol/settings.ts";
import { condensedWhat, unfinishedTestsText } from "../../protocol/transcript.ts";
import { findHiddenText, hiddenInCall, hiddenInChange, hiddenTextWarning } from "../../protocol/visible-text.ts";
import { type CliCommand, type CliIo, modelFileOption, UsageError, parseFlags, readInputFile, repoFolder, writableFile, writableFolder } from "../command.ts";
import { indexQueries } from "../../indexer/index.ts";
import { isOutside } from "../../indexer/scan.ts";
import { PRIVATE_FILE, PRIVATE_FOLDER } from "../../protocol/make-folders.ts";
import { DiffTooLargeError, type LeftRunningStop, type NetworkOff, headName, leftOutMessage, networkOnNotice, probeNetworkOff, pythonFromShell, servicesOffNotice, unreadableMessage } from "../../tools/index.ts";
import { asTerminalShows, terminalArguments, terminalName, terminalText, terminalWarning } from "../terminal-text.ts";
import { openCliIndex } from "./index.ts";
import { settingOption, wholeNumberOption } from "../setting-options.ts";
import { openCliMcp } from "../mcp-option.ts";
import { CheckoutBusyError, hearthStateDir, LockFolderError, lockCheckout } from "../checkout-lock.ts";
import { noModel, recommendedModel, shellWord } from "../no-model.ts";
import { checkoutRoot } from "../checkout-root.ts";
import { refuseOtherArchitecture } from "../model-architecture.ts";
import { cliModelPreset, cliModelsFolder, editorModel, olderPresetNote } from "./models.ts";
import { issueFromUrl } from "../issue-url.ts";
import { ownText } from "../locale.ts";
import { diskFullWords } from "../../protocol/disk-full.ts";
import { appendWhole, FileWriteError, freeSpace, fullPlaces, sameDisk, writeProblem, writeWholeFile } from "../file-writes.ts";

/** Exit codes, so scripts can tell outcomes apart. */
export const FIX_EXIT = { fixed: 0, notFixed: 1, usage: 2, modelError: 3, testsFail: 4, busy: 5, cancelled: 130 } as const;

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const FIX_FLAGS = {
  repo: "string", issue: "string", "issue-file": "string", "test-cmd": "string", out: "string",
  predictions: "string", "instance-id": "string", model: "string", server: "string", "max-steps": "string",
  yes: "boolean", trajectory: "string", threads: "string", "state-dir": "string", "no-index": "boolean", mcp: "string",
  "any-repo": "boolean", "allow-network": "boolean",
} as const;

export const fixCommand: CliCommand = {
  name: "fix",
  summary: "fix an issue in a checkout with the agent; writes the patch and the trajectory",
  usage: `hearth fix [--repo DIR] ("ISSUE TEXT" | --issue TEXT | --issue-file F) [--model F.gguf | --server URL] [options]

  The issue may be a GitHub issue or pull request URL alone: it is fetched (title, description,
  the first 10 comments) with $GH_TOKEN or $GITHUB_TOKEN when set (private repositories, a
  higher rate limit), sent only to GitHub's own API: https://api.github.com, or a GHE.com
  tenant's https://api.TENANT.ghe.com; from $GITHUB_API_URL when set; a GitHub Enterprise
  Server's (https://HOST/api/v3) gets $GH_ENTERPRISE_TOKEN or $GITHUB_ENTERPRISE_TOKEN
  instead, never github.com's token.
  An issue of another repository than the checkout's GitHub remotes is refused (exit 2).

  --repo DIR           the checkout to fix (default: .)
  --issue-file F       the issue's text from a file (- for stdin; needs --yes)
  --any-repo           fix an issue URL of another repository than the checkout's all the same
  --model FILE         a GGUF model file (default: the model downloaded with hearth models --download)
  --server URL         an OpenAI-compatible server instead (API key: $HEARTH_API_KEY)

  --test-cmd CMD       how to run the tests (the agent runs them; Hearth runs them again at the end,
                       asking first like any command unless --yes)
  --out FILE           write the patch here (default, or -: print it on stdout); a change inside a
                       submodule goes to a patch of its own beside it, FILE.vendor__lib.patch
  --predictions FILE   append a SWE-bench line {"instance_id","model_name_or_path","model_patch"}
                       (not for a cancelled run)
  --instance-id ID     the instance id for --predictions
  --max-steps N        model turns at most (default 40)
  --yes                allow edits and commands without asking (needed without a terminal); on
                       Linux the commands then run without the network (only 127.0.0.1)
  --allow-network      with --yes, run the commands with the network (as asked-for commands do)
  --trajectory FILE    turns, tool calls, results, timings, tokens as JSONL
                       (default: <out>.trajectory.jsonl, or in the state folder)
  --threads N          CPU threads for a local model
  --state-dir DIR      checkpoints and default trajectories, outside the checkout
                       (default: ~/.local/state/hearth)
  --no-index           do not index the checkout first
  --mcp FILE           MCP servers whose tools the agent may call (VS Code's mcp.json format;
                       \${workspaceFolder} is --repo); each call asks like a command unless --yes

Exit codes: 0 fixed (and tests pass, with --test-cmd), 1 stopped without a fix (or finished
without changing a file, or its patch could not be written to --out: then it is on stdout; or
git's HEAD moved during the run and changed files the patch would hold: then no patch is
saved, --out is left empty),
2 bad usage (or an issue URL that could not be fetched, or is another repository's), 3 the
model failed, 4 tests still fail, 5 the checkout is busy (another hearth fix or Hearth's agent works
there; nothing was done: try again once it ends), 130 cancelled (Ctrl-C; 143 by SIGTERM, 129 by SIGHUP).`,
  async run(args, io) {
    const { flags, positional } = parseFlags(args, FIX_FLAGS);
    const given = await readOptions(flags, positional, io);
    await refuseOtherArchitecture(given.settings.modelPath);
    // Before the model loads: an issue URL is fetched, or the run stops here with why.
    const fetched = await issueFromUrl(given.issue, { repo: given.repo, anyRepo: flags["any-repo"] === true, env: process.env, signal: io.signal, progress: (text) => io.err(`hearth fix: ${text}\n`) });
    if (fetched?.kind === "cancelled") {
      io.err("hearth fix: cancelled before the agent started\n");
      return FIX_EXIT.cancelled;
    }
    if (fetched?.kind === "refused") {
      io.err(`hearth fix: ${fetched.message}\n`);
      return FIX_EXIT.usage;
    }
    // As for an issue piped in (readOptions): a log pasted with its colours went cleaned, and stderr says so.
    if (fetched?.terminalCodes) io.err("hearth fix: the issue held terminal control codes (colours, progress-bar redraws): it went to the model as a terminal shows it\n");
    const options = fetched ? { ...given, issue: fetched.text } : given;
    let lock: { release(): void };
    try {
      lock = lockTheCheckout(options, io);
    } catch (error) {
      // A state folder that cannot be written is refused as the --state-dir check refuses one.
      if (error instanceof LockFolderError) {
        io.err(`hearth fix: ${error.message}\n`);
        return FIX_EXIT.usage;
      }
      if (!(error instanceof CheckoutBusyError)) throw error;
      io.err(`hearth fix: ${error.message}\n`);
      return FIX_EXIT.busy;
    }
    try {
      return await fixLocked(options, typeof flags.mcp === "string" ? flags.mcp : undefined, io);
    } finally {
      lock.release();
    }
  },
};

/**
 * The checkout's lock, in Hearth's state folder, where a VS Code window's agent and every
 * `hearth fix` look for it whatever their --state-dir: the lock belongs to the checkout.
 * Where that folder cannot be made (a read-only home), in --state-dir, saying what that misses.
 */
function lockTheCheckout(options: FixCliOptions, io: CliIo): { release(): void } {
  const shared = hearthStateDir();
  try {
    return lockCheckout(shared, options.repo);
  } catch (error) {
    if (!(error instanceof LockFolderError) || shared === options.stateDir) throw error;
    io.err(`hearth fix: the checkout's lock cannot be kept in ${error.dir} (${error.code}: ${error.why}): it is in ${options.stateDir}, where a VS Code window's agent and a hearth fix with another --state-dir do not see it\n`);
    return lockCheckout(options.stateDir, options.repo);
  }
}

/** The run itself, holding the checkout's lock: MCP servers, the model, the index, the agent, the outputs. */
async function fixLocked(options: FixCliOptions, mcpFile: string | undefined, io: CliIo): Promise<number> {
  // Before the model loads: a broken server entry stops the run at once.
  const mcp = mcpFile ? await openCliMcp(mcpFile, options.repo, io) : undefined;
  if (mcp) io.err(`hearth fix: MCP tools: ${mcp.tools.map((t) => terminalName(t.definition.name)).join(", ") || "(none)"}\n`);
  // Under --yes nobody sees a command before it runs: it runs without the network where the system allows it, and where not that is said once, plainly.
  const network = await commandsNetwork(options);
  if (network.notice) io.err(`hearth fix: warning: ${network.notice}\n`);
  if (network.services) io.err(`hearth fix: ${network.services}\n`);
  // The same model slot as the runtime's: resolve, validate, load.
  // Without --model or --server: the model `hearth models --download` put in the CLI's storage.
  const modelsFolder = options.settings.modelPath || options.settings.serverUrl ? undefined : cliModelsFolder();
  const olderModel = modelsFolder && olderPresetNote(options.settings.modelPreset);
  if (olderModel) io.err(`hearth fix: running ${options.settings.modelPreset}: ${olderModel}\n`);
  const slot = new ModelSlot({ env: { ...(process.env.HEARTH_API_KEY ? { apiKey: process.env.HEARTH_API_KEY } : {}), ...(modelsFolder ? { modelsFolder } : {}) }, signal: io.signal });
  slot.set(options.settings);
  await slot.settled();
  if (slot.state().kind === "none") {
    await Promise.all([slot.dispose(), mcp?.close()]);
    io.err(noModel("fix", await recommendedModel(), editorModel()));
    return FIX_EXIT.usage;
  }
  // The default trajectory (the prompts, what the agent read) is in the state folder, which it may make first.
  const trajectory = new Trajectory(options.trajectoryPath, io, dirname(options.trajectoryPath) === options.stateDir);
  try {
    const backend = await slot.ready();
    const info = readyInfo(slot);
    trajectory.write({ type: "start", repo: options.repo, issue: options.issue, model: info.name, contextSize: info.contextSize, commandsNetwork: network.off ? "off" : "on", ...(network.notice ? { networkNotice: network.notice } : {}) });
    // A server's own warning (Ollama's small default context) says how to raise it; else Hearth's note on what it cut.
    const state = backend.state();
    const small = promptBudgets(info.contextSize).smallContext;
    if (state.kind === "ready" && state.info.contextWarning) io.err(`${terminalText(state.info.contextWarning)}\n`);
    else if (small) {
      const larger = options.settings.serverUrl ? "A server started with a larger context shows more." : "A model whose context is larger (and the memory for it) shows more.";
      io.err(`${smallContextNotice(small, "repository map, project rules, related code", larger)}\n`);
    }
    // A model that cannot read Hearth's prompt format (its vocabulary lacks Qwen's control tokens): said before its poor answers, as the chat does.
    const formatWarning = state.kind === "ready" ? state.info.promptFormat?.warning : undefined;
    if (formatWarning) io.err(`hearth fix: warning: ${terminalText(formatWarning)}\n`);
    // The model is told in its first message (taskMessage); the user, who may not have read the issue closely, here.
    const issueHidden = findHiddenText(options.issue);
    // Bidi controls alone are not told of (right-to-left text has them); tag characters and runs of selectors are hidden data.
    if (issueHidden?.tags || issueHidden?.selectors) io.err(`${terminalWarning(hiddenTextWarning(issueHidden, "The issue"))}\n`);
    const index = options.useIndex ? (await openCliIndex({ repo: options.repo, quiet: true }, io, { command: "fix" })).index : undefined;
    const python = pythonFromShell(process.env);
    try {
      const result = await runFix({
        repo: options.repo,
        issue: options.issue,
        ...(options.testCommand ? { testCommand: options.testCommand } : {}),
        // The environment activated in the shell that ran hearth: a Python project's tests run with it.
        ...(python ? { python } : {}),
        backend,
        ...(index ? { index: indexQueries(index) } : {}),
        storageDir: options.stateDir,
        policy: options.yes ? "auto-all" : "ask",
        approve: (request) => askInTerminal(request, io),
        maxSteps: options.maxSteps,
        onEvent: (event) => {
          trajectory.event(event);
          report(event, io);
        },
        signal: io.signal,
        ...(network.off ? { networkOff: network.off } : {}),
        ...(mcp?.tools.length ? { extraTools: mcp.tools } : {}),
        // Given inside the checkout, what this run writes is not the fix.
        ownFiles: [options.trajectoryPath, ...(options.out ? [options.out] : []), ...(options.predictions ? [options.predictions.file] : [])],
      });
      trajectory.write({ type: "projectContext", summary: result.projectContext.summary, tokens: result.projectContext.tokens, sources: result.projectContext.sources, memoriesWritten: result.memories });
      trajectory.write({ type: "end", stopReason: result.agent.stopReason, message: result.agent.message, steps: result.agent.steps, usage: result.agent.usage, changedFiles: result.changedFiles, leftOutOfPatch: result.leftOutOfPatch, madeByCommands: result.madeByCommands, namedNowhere: result.namedNowhere, submodules: result.submodulePatches, lineEndsUnchecked: result.lineEndsUnchecked, uncommittedAtStart: result.uncommittedAtStart, uncommittedUnknown: result.uncommittedUnknown, tests: result.tests ? { passed: result.tests.passed, exitCode: result.tests.exitCode, stopped: result.tests.stopped } : undefined, testsNotRun: result.testsNotRun, headMoved: result.headMoved, leftRunning: result.leftRunning, stashedDuringRun: result.stashedDuringRun, stashOutOfPatch: result.stashOutOfPatch, stashGone: result.stashGone, ignoredGone: result.ignoredGone, ignoredUnchecked: result.ignoredUnchecked?.length });
      // Cancelled after the agent finished (during the final test run): the run is cut short all the same.
      const cancelled = result.agent.stopReason === "cancelled" || io.signal.aborted;
      if (result.headMoved) {
        io.err(`hearth fix: ${terminalName(headMovedRefusal(result.headMoved, options.out && emptyOut(options.out)))}\n`);
        return cancelled ? FIX_EXIT.cancelled : FIX_EXIT.notFixed;
      }
      const written = writeOutputs(options, info.name, result.patch, cancelled, io);
      const ownFiles = writeSubmodulePatches(options, result.submodulePatches ?? [], trajectory, io);
      // A submodule's patch missing beside --out: the files there are not the whole fix, as where --out itself failed.
      const wholeOut = written && (options.out === undefined || (result.submodulePatches ?? []).every((own) => ownFiles.has(own.submodule)));
      io.err(patchHiddenReport(result.patch));
      // A finish summary is the model's own account of its work (a steered model may claim anything): it is said to be.
      const said = result.agent.stopReason === "finished" ? "; the model says:" : ":";
      // Each further line indented: a summary's own "hearth fix: tests pass" line would read as Hearth's.
      io.err(`hearth fix: ${result.agent.stopReason}${said} ${terminalText(result.agent.message.trimEnd()).replace(/\r?\n/g, "\n  ")}\n`);
      if (result.tests) io.err(`hearth fix: ${testsLine(result.tests)}: ${terminalName(result.tests.command)}\n`);
      if (result.testsNotRun) io.err(`hearth fix: ${terminalName(result.testsNotRun)}\n`);
      for (const line of leftRunningMessage(result.leftRunning)) io.err(`hearth fix: ${terminalName(line)}\n`);
      if (result.leftOutOfCheckpoints) io.err(`hearth fix: ${terminalName(leftOutMessage(result.leftOutOfCheckpoints))}\n`);
      if (result.unreadableInCheckpoints) io.err(`hearth fix: ${terminalName(unreadableMessage(result.unreadableInCheckpoints))}\n`);
      for (const line of leftOutOfPatchMessage(result.leftOutOfPatch ?? [])) io.err(`hearth fix: ${terminalName(line)}\n`);
      if (result.lineEndsUnchecked) io.err(`hearth fix: ${terminalName(lineEndsUncheckedMessage(result.lineEndsUnchecked))}\n`);
      if (result.uncommittedAtStart) io.err(`hearth fix: ${terminalName(uncommittedMessage(result.uncommittedAtStart))}\n`);
      if (result.stashedDuringRun) io.err(`hearth fix: ${stashedMessage(result.stashedDuringRun, result.stashOutOfPatch)}\n`);
      if (result.stashGone) io.err(`hearth fix: ${stashGoneMessage(result.stashGone)}\n`);
      if (result.ignoredGone) io.err(`hearth fix: ${terminalName(ignoredGoneMessage(result.ignoredGone, result.ignoredUnchecked))}\n`);
      if (result.uncommittedUnknown) io.err(`hearth fix: ${terminalName(uncommittedUnknownMessage(result.uncommittedUnknown))}\n`);
      for (const own of result.submodulePatches ?? []) io.err(submodulePatchReport(own, ownFiles.get(own.submodule), io) + patchHiddenReport(own.patch));
      // A harness reading the prediction alone would take it for the whole fix.
      if (options.predictions && !cancelled) {
        for (const own of result.submodulePatches ?? []) io.err(`hearth fix: the prediction in ${terminalName(options.predictions.file)} lacks the change inside the submodule ${terminalName(own.submodule)} (its patch: ${terminalName(ownFiles.get(own.submodule) ?? (trajectory.cutShort ? "above" : `above, and in the trajectory's end record, ${options.trajectoryPath}`))})\n`);
      }
      if (result.madeByCommands) io.err(`hearth fix: in the patch, new files that commands made, not the edit tools: ${terminalName(result.madeByCommands.join(", "))}\n`);
      const nowhere = namedNowhereMessage(result.namedNowhere ?? []);
      if (nowhere) io.err(`hearth fix: ${terminalName(nowhere)}\n`);
      if (result.projectContext.summary) io.err(`hearth fix: project rules and memory in the prompt: ${terminalName(result.projectContext.summary)}\n`);
      for (const memory of result.memories) io.err(`hearth fix: remembered ${terminalName(memory)} (not in the patch; commit it to share it)\n`);
      const inSubmodules = (result.submodulePatches ?? []).reduce((sum, own) => sum + own.files.length, 0);
      io.err(`hearth fix: ${result.changedFiles.length} file(s) changed${inSubmodules ? `, and ${inSubmodules} inside submodules` : ""}; trajectory: ${trajectory.describe()}\n`);
      // "finish" with an empty patch is no fix, whatever its summary says.
      const unchanged = result.agent.stopReason === "finished" && result.changedFiles.length === 0 && inSubmodules === 0;
      if (unchanged) io.err("hearth fix: the model finished without changing any file: nothing was fixed\n");
      const code = cancelled ? FIX_EXIT.cancelled : exitCode(result.agent.stopReason, result.tests?.passed);
      return (!wholeOut || unchanged) && code === FIX_EXIT.fixed ? FIX_EXIT.notFixed : code;
    } finally {
      await index?.close();
    }
  } catch (error) {
    // Ctrl-C while the model loads or the checkout is indexed: runFix never ran to say so.
    if (io.signal.aborted) {
      trajectory.write({ type: "end", stopReason: "cancelled", message: "cancelled before the agent started" });
      io.err("hearth fix: cancelled before the agent started\n");
      return FIX_EXIT.cancelled;
    }
    trajectory.write({ type: "error", message: error instanceof Error ? error.message : String(error) });
    // The shadow repository's git, or its files, out of room: no fault of the model's.
    if (diskFullWords(error) !== undefined) {
      io.err(`hearth fix: stopped: ${fullDiskWords(error, options)}; files the agent had changed before are as it left them (git status shows them). (${terminalText(error instanceof Error ? error.message : String(error))})\n`);
      return FIX_EXIT.notFixed;
    }
    if (error instanceof DiffTooLargeError) {
      io.err(`hearth fix: ${patchTooLargeWords(error, options.repo, options.out && emptyOut(options.out))}\n`);
      return FIX_EXIT.notFixed;
    }
    io.err(`hearth fix: the model failed: ${terminalText(error instanceof Error ? error.message : String(error))}\n`);
    return FIX_EXIT.modelError;
  } finally {
    await Promise.all([slot.dispose(), mcp?.close()]);
  }
}

/**
 * What the agent's commands left running when the fix ended (a dev server started with `&`),
 * which hearth fix stopped rather than leave orphaned: said, since the user may have expected
 * it to keep running, and one that could not be stopped is still there.
 */
export function leftRunningMessage(left: LeftRunningStop | undefined): string[] {
  if (!left) return [];
  const list = (processes: readonly { pid: number; command: string }[]) => processes.map((p) => `${p.pid} (${p.command})`).join(", ");
  const count = (n: number) => `${n} process${n === 1 ? "" : "es"}`;
  return [
    ...(left.stopped.length ? [`stopped ${count(left.stopped.length)} the agent's commands had left running: ${stoppedList(left.stopped)}`] : []),
    ...(left.notStopped.length ? [`${count(left.notStopped.length)} the agent's commands left running could not be stopped (still running; kill -9 PID): ${list(left.notStopped)}`] : []),
  ];
}

/**
 * A `git stash` during the run (the agent's command, to test on a clean tree, or the user's):
 * the changes it took out of the checkout — the user's uncommitted work among them — were
 * gone from the checkout, the patch showing them removed, and nothing said where they went.
 */
export function stashedMessage(entries: number, outOfPatch = false): string {
  const what = entries === 1 ? "a new stash entry holds" : `${entries} new stash entries hold`;
  return `git stash ran during the fix (the agent's commands, or by hand): ${what} changes taken out of the checkout, uncommitted changes of yours among them if you had any (${outOfPatch ? "not all in the patch: what no step of the agent's changed is left out" : "the patch shows them removed"}). git stash list shows ${entries === 1 ? "it" : "them"}. To have the newest back with the agent's change: git add -u, then git stash pop (a plain pop refuses while a file it changes holds unstaged changes, as the agent's are).`;
}

/** Ignored files gone since the start (FixResult.ignoredGone): the patch cannot hold them, nor anything bring them back. */
export function ignoredGoneMessage(gone: readonly string[], unchecked: readonly string[] = []): string {
  const named = gone.slice(0, 10).join(", ") + (gone.length > 10 ? ` and ${gone.length - 10} more` : "");
  return `files git ignores are gone since the fix started (deleted by the agent's commands — git clean -x, rm -rf, a build that empties its folder — or by hand): ${named}. No patch holds ignored files and Hearth's checkpoints do not either, so nothing here brings them back: make them again (reinstall, rebuild) or restore them from a backup${unchecked.length ? `.${ignoredUncheckedWords(unchecked).replace(/\.$/, "")}` : ""}`;
}

/**
 * A `git stash pop` (or `drop`) during the run of an entry there at the start — the user's own,
 * stashed before: its changes went into the checkout and the patch as the agent's, the entry
 * gone from the list, unsaid. Its commit brings it back.
 */
export function stashGoneMessage(gone: readonly StashEntry[]): string {
  const one = gone.length === 1;
  const commits = gone.map((entry) => entry.commit.slice(0, 12));
  return `git stash pop or drop ran during the fix (the agent's commands, or by hand): ${one ? "the stash entry" : `${gone.length} stash entries`} ${gone.map((entry) => `${entry.commit.slice(0, 12)} (${entry.ref} at the start)`).join(", ")} ${one ? "is" : "are"} gone from the stash list; a popped entry's changes are in the checkout, and the patch holds them as the agent's. To put ${one ? "it" : "them"} back in the list: git stash store ${commits.join(" / ")}${one ? "" : " (each)"} (git keeps ${one ? "that commit" : "those commits"} only until it prunes unreachable ones, two weeks by default).`;
}

/**
 * The processes stopped, by command: `for i in $(seq 500); do sleep 1000 & done` printed 500
 * "pid (sleep 1000)" on one line of stderr (about 10 KB), burying the rest. Those stopped need
 * nothing of the user, so a command run several times is named once with its count and its
 * first pids, and past STOPPED_GROUPS commands only a count is said. Those not stopped keep
 * every pid (the user kills them by it).
 */
function stoppedList(processes: readonly { pid: number; command: string }[]): string {
  const groups = new Map<string, number[]>();
  for (const { pid, command } of processes) groups.get(command)?.push(pid) ?? groups.set(command, [pid]);
  const shown = [...groups].slice(0, STOPPED_GROUPS).map(([command, pids]) =>
    pids.length === 1 ? `${pids[0]} (${command})` : `${pids.length} of ${command} (${pids.slice(0, 3).join(", ")}${pids.length > 3 ? ` and ${pids.length - 3} others` : ""})`);
  const rest = [...groups].slice(STOPPED_GROUPS).reduce((n, [, pids]) => n + pids.length, 0);
  return shown.join(", ") + (rest > 0 ? `, and ${rest} more` : "");
}

/** How many different commands the stopped list names (the rest are counted). */
const STOPPED_GROUPS = 10;

/**
 * For a run whose patch was past MAX_DIFF_BYTES (a build's binaries or installed packages in
 * folders the project does not ignore): no patch, where the work is, what to do. `out`:
 * emptyOut's words for --out, so an earlier run's patch there is not taken for this one's.
 */
export function patchTooLargeWords(error: DiffTooLargeError, repo: string, out?: string): string {
  return `no patch: ${error.message}.${out ? ` Nothing saved: ${terminalText(out)}, no prediction.` : " Nothing saved, no prediction."} The agent's changes are in the checkout ${terminalName(repo)} (git status lists them): add the folders of generated files to .gitignore or delete them, then run git diff there or hearth fix again.`;
}

/**
 * Which disk is full, in words, for a run stopped by one: the state folder's (Hearth's
 * checkpoints could not be stored), the checkout's, or either where the error does not say.
 */
export function fullDiskWords(error: unknown, options: { readonly stateDir: string; readonly repo: string }): string {
  const state = { folder: options.stateDir, words: `the state folder ${terminalName(options.stateDir)}` };
  const checkout = { folder: options.repo, words: `the checkout ${terminalName(options.repo)}` };
  const full = fullPlaces(error, [state, checkout]);
  const free = (folder: string) => `${freeSpace(folder) ?? "?"} free`;
  if (sameDisk(state.folder, checkout.folder)) {
    return `the disk holding ${state.words} and ${checkout.words} is full (${free(state.folder)}): Hearth's checkpoints of the checkout could not be stored. Free some space there, or give --state-dir a folder on another disk`;
  }
  if (full.length === 2) return `a disk is full: the one holding ${state.words} (${free(state.folder)}) or the one holding ${checkout.words} (${free(checkout.folder)}). Free some space there`;
  if (full[0] === checkout) return `the disk holding ${checkout.words} is full (${free(checkout.folder)}): Hearth's checkpoints (in ${terminalName(state.folder)}, another disk) are not the trouble. Free some space there`;
  return `the disk holding ${state.words} is full (${free(state.folder)}): Hearth's checkpoints of the checkout could not be stored. Free some space there, or give --state-dir a folder on another disk`;
}

interface FixCliOptions {
  readonly repo: string;
  readonly issue: string;
  /** `modelPath` or `serverUrl`, and `threads`: the settings the model slot loads. */
  readonly settings: Settings;
  readonly testCommand?: string;
  readonly out?: string;
  readonly predictions?: { readonly file: string; readonly instanceId: string };
  readonly maxSteps: number;
  readonly yes: boolean;
  readonly allowNetwork: boolean;
  readonly trajectoryPath: string;
  readonly threads: number;
  readonly stateDir: string;
  readonly useIndex: boolean;
}

/** The loaded model's name and context size (the slot is ready). */
function readyInfo(slot: ModelSlot): { name: string; contextSize: number } {
  const state = slot.state();
  return state.kind === "ready" ? { name: state.name, contextSize: state.contextSize } : { name: "model", contextSize: 0 };
}

/**
 * How this run's commands meet the network: asked for one by one (no --yes) or --allow-network,
 * with it as before; under --yes, without it (tools/command-network.ts) where the system gives a
 * network namespace, else with it and a notice that says why and how to get containment.
 */
async function commandsNetwork(options: FixCliOptions): Promise<{ off?: NetworkOff; notice?: string; services?: string | undefined }> {
  if (!options.yes || options.allowNetwork) return {};
  const probe = await probeNetworkOff();
  // A project's tests that use the machine's PostgreSQL or Docker will fail: the user is told why, and the way out, before they do.
  return probe.ok ? { off: probe.off, services: servicesOffNotice() } : { notice: networkOnNotice(probe) };
}

async function readOptions(flags: Record<string, string | boolean>, positional: readonly string[], io: CliIo): Promise<FixCliOptions> {
  const str = (name: string) => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);
  const { root: repo, note } = checkoutRoot(repoFolder(io.cwd, str("repo")));
  if (note) io.err(`hearth fix: ${note}\n`);
  const issueFile = str("issue-file");
  const text = positional.length > 0 ? positional.join(" ") : undefined;
  if ([issueFile, str("issue"), text].filter((s) => s !== undefined).length > 1) throw new UsageError("give the issue once: as text, with --issue TEXT or with --issue-file FILE");
  const given = issueFile ? await readIssueFile(issueFile, flags.yes === true, io) : (str("issue") ?? text);
  // A CI log piped in or saved (FORCE_COLOR's colours, a progress bar's \r frames): as a terminal shows it, as chat's message.
  const shown = given === undefined ? undefined : asTerminalShows(given, "the issue");
  // Only codes (a progress bar cleared at its end): text was given, so that one reason, not 'give it as text' after it.
  if (shown?.note && !shown.text.trim()) throw new UsageError(shown.note);
  if (shown?.note) io.err(`hearth fix: ${shown.note}\n`);
  const issue = shown?.text;
  if (!issue?.trim()) throw new UsageError(noIssue(issueFile, str("issue") !== undefined || text !== undefined));
  const server = str("server");
  if (str("model") && server) throw new UsageError("give --model FILE or --server URL, not both");
  const model = modelFileOption(io.cwd, str("model"));
  const predictionsFile = str("predictions");
  const instanceId = str("instance-id");
  if (predictionsFile && !instanceId) throw new UsageError("--predictions needs --instance-id");
  const maxSteps = wholeNumberOption(flags["max-steps"], "--max-steps", 1, "a positive whole number") ?? 40;
  const threads = settingOption(flags.threads, "--threads", "threads", "CPU threads", "automatic") ?? 0;
  if (!flags.yes && !process.stdin.isTTY) throw new UsageError("not in a terminal, so nobody can approve edits: pass --yes");
  // Empty (a script's --state-dir "$STATE" with STATE unset) is none, as an empty --model is: resolved, it was the current folder.
  const givenStateDir = str("state-dir") || undefined;
  const stateDir = resolve(io.cwd, givenStateDir ?? hearthStateDir());
  // "-" is stdout, as for --issue-file: it wrote a file named "-" (and "-.trajectory.jsonl") where hearth ran.
  const out = str("out") && str("out") !== "-" ? resolve(io.cwd, str("out")!) : undefined;
  const trajectoryPath = resolve(io.cwd, str("trajectory") || (out ? `${out}.trajectory.jsonl` : join(stateDir, `fix-${Date.now()}.trajectory.jsonl`)));
  writableStateFolder(stateDir, givenStateDir === undefined);
  // Its checkpoints' shadow repository would check itself in, and fail at the run's end.
  if (within(realPath(stateDir), realPath(repo))) throw new UsageError(`the state folder ${stateDir} is inside the checkout ${repo}: its checkpoints and trajectory would be part of what is checkpointed and of the patch; give --state-dir a folder outside the checkout`);
  for (const [path, what] of [[out, "the patch"], [predictionsFile && resolve(io.cwd, predictionsFile), "the predictions"], [trajectoryPath, "the trajectory"]] as const) {
    if (path) writableFile(path, what);
  }
  const settings = sanitizeSettings(server ? { serverUrl: server, threads } : model ? { modelPath: model, threads } : { modelPreset: cliModelPreset(), threads }).settings;
  return {
    repo, issue, settings, maxSteps, threads, stateDir, out, trajectoryPath,
    yes: flags.yes === true,
    allowNetwork: flags["allow-network"] === true,
    useIndex: !flags["no-index"],
    ...(str("test-cmd") ? { testCommand: str("test-cmd")! } : {}),
    ...(predictionsFile && instanceId ? { predictions: { file: resolve(io.cwd, predictionsFile), instanceId } } : {}),
  };
}

/**
 * Why there is no issue, by where it was to come from: in a CI step the source was given but
 * empty (an unset $ISSUE, a gh command that printed nothing, stdin closed), and 'give it with
 * --issue-file FILE' to one who did was no way out.
 */
function noIssue(issueFile: string | undefined, givenAsText: boolean): string {
  if (issueFile === "") return 'no issue: --issue-file was given an empty name (an unset or empty variable, as in --issue-file "$FILE"?); name the issue\'s file, or - for stdin';
  if (issueFile === "-") return "no issue: stdin (--issue-file -) held no text: it was empty or closed (< /dev/null, or the command piped into hearth fix printed nothing); pipe the issue's text in, or give it with --issue TEXT";
  if (issueFile) return `no issue: the issue file ${issueFile} holds no text (it is empty, or only blank lines); write the issue into it, or give it with --issue TEXT`;
  if (givenAsText) return 'no issue: the issue text given is empty (an unset or empty variable, as in --issue "$ISSUE"?); give the issue\'s text';
  return 'no issue: give it as text (hearth fix "what is wrong"), with --issue TEXT or with --issue-file FILE';
}

/**
 * The state folder can be written. The default one is under HOME, which a CI job's container
 * may not let this user write (HOME=/, a read-only home): its refusal says how to run anyway.
 */
function writableStateFolder(stateDir: string, isDefault: boolean): void {
  try {
    writableFolder(stateDir, stateDir, "the state folder");
  } catch (error) {
    if (!isDefault || !(error instanceof UsageError)) throw error;
    throw new UsageError(`${error.message}; it is Hearth's default state folder (checkpoints, trajectory): give --state-dir a folder this user can write, or set XDG_STATE_HOME to one`);
  }
}

/** The text of `--issue-file FILE`; `-` is stdin (gh issue view 5 | hearth fix --issue-file - --yes), as apply-patch reads it. */
async function readIssueFile(file: string, yes: boolean, io: CliIo): Promise<string> {
  if (file !== "-") return readInputFile(resolve(io.cwd, file), "the issue file");
  // The questions are asked on stdin: once it has given the issue it can answer none.
  if (!yes) throw new UsageError("--issue-file - reads the issue from stdin, which then cannot answer the questions before edits and commands: pass --yes");
  return io.readStdin();
}

/** `path` with its links resolved, as far as it exists (the rest as given). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

/** Whether `path` is `folder` or inside it. */
function within(path: string, folder: string): boolean {
  return !isOutside(relative(folder, path));
}

/**
 * The patch on stdout. Into a pipe (`| git apply`, a file) as it is; on a terminal, where a
 * person reads it, with its control characters escaped: a model that copied `ESC ] 52` (set
 * the clipboard), `ESC [ 2 J` or a bidi override from a hostile file into its change would
 * otherwise have the terminal act on them. Said when that changed what is shown.
 */
function printPatch(patch: string, io: CliIo): void {
  const shown = io.outIsTerminal ? terminalText(patch) : patch;
  io.out(shown);
  if (shown !== patch) io.err("hearth fix: the patch holds control characters, shown escaped (\\x1b, \\u202e) on this terminal; redirect it (> fix.diff) or give --out FILE for its exact bytes\n");
}

/**
 * The change the run made inside a submodule (FixResult.submodulePatches), said with its own
 * patch: the repository tracks only the submodule's commit, so the patch on stdout or in
 * --out cannot hold it, and this one applies in the submodule's folder.
 */
function submodulePatchReport(own: SubmodulePatch, file: string | undefined, io: CliIo): string {
  const shown = io.errIsTerminal ? terminalText(own.patch) : own.patch;
  const folder = terminalName(own.submodule);
  const word = shellWord(own.submodule);
  const apply = `git -C ${word} apply${file ? ` ${shellWord(file)}` : ""}`;
  // An empty folder is no repository: git there answers for the one around it, so the patch waits for the submodule's checkout.
  const where = own.notCheckedOut
    ? `the submodule ${folder} was not checked out here (an empty folder), so the agent wrote these files from nothing and this patch creates them: it applies in a checkout where the submodule is checked out (git clone --recurse-submodules, or git submodule update --init ${word}, which here needs the folder emptied of these files first; then ${terminalName(apply)}), and is refused for a file the submodule already has`
    : `the checkout has it, and this patch applies in the submodule (${terminalName(apply)})`;
  const saved = file ? `; the change inside the submodule ${folder} is in ${terminalName(file)} (${terminalName(apply)})` : "";
  return `hearth fix: not in the patch: the change to ${own.files.length} file(s) inside the submodule ${folder} (${terminalName(own.files.slice(0, 5).join(", "))}${own.files.length > 5 ? ` and ${own.files.length - 5} more` : ""}): the repository tracks only the submodule's commit, so git apply at the top cannot take it; ${where}${saved}:\n${shown}`;
}

/**
 * With --out, each submodule's patch in a file beside it (`<out>.vendor__lib.patch`): a script
 * reading --out finds the rest of the fix there. The files written, by submodule; one that
 * could not be written is said (its patch is on stderr all the same).
 */
function writeSubmodulePatches(options: FixCliOptions, patches: readonly SubmodulePatch[], trajectory: Trajectory, io: CliIo): Map<string, string> {
  const files = new Map<string, string>();
  if (!options.out) return files;
  for (const own of patches) {
    const file = `${options.out}.${own.submodule.replaceAll("/", "__")}.patch`;
    try {
      // As the main patch: a file a full disk cut short is removed, not left for a script to apply.
      writeWholeFile(file, own.patch);
      files.set(own.submodule, file);
    } catch (error) {
      const left = error instanceof FileWriteError ? `${error.left}; ` : "";
      io.err(`hearth fix: could not write the patch of the submodule ${terminalName(own.submodule)} to ${terminalName(file)} (${terminalName(writeProblem(error, file, Buffer.byteLength(own.patch)))}): ${terminalName(left)}it is below${trajectory.cutShort ? "" : " and in the trajectory's end record"}\n`);
    }
  }
  return files;
}

/** Writes the patch and (unless cancelled) the prediction line; false when one could not be written (the patch then goes to stdout, nothing is lost). */
function writeOutputs(options: FixCliOptions, modelName: string, patch: string, cancelled: boolean, io: CliIo): boolean {
  let written = true;
  if (options.out) {
    try {
      mkdirSync(dirname(options.out), { recursive: true });
      writeWholeFile(options.out, patch);
    } catch (error) {
      const left = error instanceof FileWriteError ? `; ${error.left}` : "";
      io.err(`hearth fix: could not write the patch to ${options.out} (${writeProblem(error, options.out, Buffer.byteLength(patch))}): it is on stdout instead${left}\n`);
      printPatch(patch, io);
      written = false;
    }
  } else printPatch(patch, io);
  // A run cut short is no answer to the instance; a rerun would add a second line for it.
  if (options.predictions && cancelled) io.err(`hearth fix: no prediction added to ${options.predictions.file}: the run was cancelled\n`);
  else if (options.predictions) {
    const line = predictionLine(options.predictions.instanceId, modelName, patch) + "\n";
    try {
      mkdirSync(dirname(options.predictions.file), { recursive: true });
      // Whole or not at all: half a line would glue the next run's line to it.
      appendWhole(options.predictions.file, line);
    } catch (error) {
      const left = error instanceof FileWriteError ? `: ${error.left}` : "";
      io.err(`hearth fix: could not add the prediction to ${options.predictions.file} (${writeProblem(error, options.predictions.file, Buffer.byteLength(line))})${left}\n`);
      written = false;
    }
  }
  return written;
}

/** Lines of a patch's report that add hidden characters, at most. */
const MAX_HIDDEN_LINES = 20;

/**
 * What the patch adds that a person reading it does not see as it is (Trojan Source): a bidi
 * override that makes code read otherwise than it runs, a zero-width character in a name, tag
 * characters — said in words, with each line that adds one shown escaped. The patch keeps them
 * (it is the change itself); "" when it adds none.
 */
function patchHiddenReport(patch: string): string {
  const hidden = hiddenInChange(patch);
  if (!hidden) return "";
  const lines: string[] = [];
  let file = "";
  let found = 0;
  const patchLines = patch.split("\n");
  patchLines.forEach((line, i) => {
    if (line.startsWith("+++ ") && patchLines[i - 1]?.startsWith("--- ")) file = line.slice(4).replace(/^b\//, "");
    else if (line.startsWith("+") && findHiddenText(line.slice(1)) && ++found <= MAX_HIDDEN_LINES) lines.push(`  ${terminalName(file)}: ${terminalName(line)}\n`);
  });
  const more = found > MAX_HIDDEN_LINES ? `  … and ${found - MAX_HIDDEN_LINES} more\n` : "";
  return `hearth fix: ${terminalWarning(hiddenTextWarning(hidden, "the patch", false))} The files and the patch have them as the model wrote them; the lines that add them:\n${lines.join("")}${more}`;
}

/**
 * Why a run whose checkout's HEAD the user moved (FixResult.headMoved) saved no patch. Refused
 * rather than saved without git's files: the agent worked on, and the tests ran on, the other
 * commit, and its edits of the files git wrote cannot be told from git's in them — a patch
 * without them would be a part of the fix that exits 0 for a script to apply as the whole.
 */
export function headMovedRefusal(moved: NonNullable<FixResult["headMoved"]>, out?: string): string {
  const { from, to, files } = moved;
  const how = from.ref === to.ref ? `${headName(to)} moved from ${from.commit.slice(0, 12)} to ${to.commit.slice(0, 12)}` : `from ${headName(from)} to ${headName(to)}`;
  const named = files.length > 5 ? `${files.slice(0, 5).join(", ")} and ${files.length - 5} more` : files.join(", ");
  return `git's HEAD moved during the run (${how}: a git checkout, pull or reset outside the agent's steps), and git changed ${files.length} file(s) the patch would hold (${named}): a patch from the run's start would carry git's changes with the agent's. Nothing saved: no patch${out ? ` (${out})` : ""}, no prediction. The agent's changes are still on disk, among git's (git status shows them). Run hearth fix again, leaving the checkout's branch as it is until it ends.`;
}

/**
 * --out made empty for a run that saves no patch: an earlier run's patch left there would be
 * taken for this run's by a script that applies the file. What to say of it.
 */
function emptyOut(out: string): string {
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeWholeFile(out, "");
    return `${out} is left empty`;
  } catch (error) {
    return `${out} could not be emptied (${writeProblem(error, out, 0)}): what it holds is not this run's`;
  }
}

/** The final test run's verdict as hearth fix says it: tests that never finished did not fail ("fail (exit null)" said they did). */
export function testsLine(tests: { readonly passed: boolean; readonly exitCode: number | null; readonly stopped?: string | undefined }): string {
  if (tests.stopped) return unfinishedTestsText(tests.stopped);
  return `tests ${tests.passed ? "pass" : `fail (exit ${tests.exitCode})`}`;
}

function exitCode(stopReason: string, testsPassed: boolean | undefined): number {
  if (stopReason === "cancelled") return FIX_EXIT.cancelled;
  if (stopReason === "model-error") return FIX_EXIT.modelError;
  if (testsPassed === false) return FIX_EXIT.testsFail;
  return stopReason === "finished" ? FIX_EXIT.fixed : FIX_EXIT.notFixed;
}

/**
 * One JSON object per line; each record carries the time since the start. A record that
 * cannot be added (the disk filled during the run) stops the trajectory there, whole lines
 * kept, said once on stderr: the fix goes on, its patch being what the run is for.
 */
class Trajectory {
  private readonly started = Date.now();
  /** Why the trajectory stopped, once a record could not be added. */
  cutShort: string | undefined;
  /** `inStateFolder`: Hearth's own (the default), this user's alone from its mkdir and open; one the user put elsewhere keeps the usual modes. */
  constructor(private readonly path: string, private readonly io: CliIo, inStateFolder: boolean) {
    mkdirSync(dirname(path), { recursive: true, ...(inStateFolder ? { mode: PRIVATE_FOLDER } : {}) });
    writeFileSync(path, "", inStateFolder ? { mode: PRIVATE_FILE } : {});
  }

  write(record: Record<string, unknown>): void {
    if (this.cutShort) return;
    const line = JSON.stringify({ t: Date.now() - this.started, ...record }) + "\n";
    try {
      appendWhole(this.path, line);
    } catch (error) {
      this.cutShort = writeProblem(error, this.path, Buffer.byteLength(line));
      this.io.err(`hearth fix: could not add to the trajectory ${terminalName(this.path)} (${terminalName(this.cutShort)}): the run goes on without it; what it holds is whole up to the failed record\n`);
    }
  }

  /** Where the trajectory is, and whether it was cut short. */
  describe(): string {
    return `${terminalName(this.path)}${this.cutShort ? ` (cut short: ${terminalName(this.cutShort)})` : ""}`;
  }

  /** Text and thinking deltas are not written one by one: the full turn is in the assistant message. */
  event(event: AgentEvent): void {
    if (event.type === "model") {
      const { type: kind, ...rest } = event.event;
      if (kind === "done" || kind === "toolCall" || kind === "toolCallError") this.write({ type: "model", kind, ...rest });
      return;
    }
    if (event.type === "toolEnd") {
      this.write({ type: "tool", name: event.call.name, arguments: event.call.arguments, ok: event.result.ok, result: event.result.text, durationMs: event.durationMs });
      return;
    }
    if (event.type !== "toolStart") this.write({ ...event });
  }
}

function report(event: AgentEvent, io: CliIo): void {
  if (event.type === "turn") io.err(`[step ${event.step}]\n`);
  else if (event.type === "toolEnd") {
    const target = typeof event.call.arguments.path === "string" ? ` ${event.call.arguments.path}` : typeof event.call.arguments.command === "string" ? ` ${event.call.arguments.command}` : "";
    io.err(`  ${ownText(event.result.ok ? "✓" : "✗")} ${terminalName(event.call.name + target)} (${event.durationMs} ms)\n`);
    // The model was told (runTool's notice); the user reads only this line of the result.
    const hidden = findHiddenText(event.result.text);
    if (hidden) io.err(`    ! ${terminalWarning(hiddenTextWarning(hidden, "The result"))}\n`);
  } else if (event.type === "steer") io.err(`  ! ${terminalText(event.message)}\n`);
  else if (event.type === "model" && event.event.type === "notice") io.err(`  ! ${terminalText(event.event.text)}\n`);
  else if (event.type === "dropped") io.err(`  (${terminalText(event.message)})\n`);
  else if (event.type === "condensed") io.err(`  (condensed ${condensedWhat(event.kinds)} to fit the context: ${event.messages} messages${event.estimated ? ", by an estimate: the tokens could not be counted" : ""})\n`);
}

async function askInTerminal(request: ApprovalRequest, io: CliIo): Promise<boolean> {
  const rl = questionInterface();
  try {
    // What is not shown, or shows as something else, is said in words: an override past the cut, a name with a zero-width space.
    const hidden = hiddenInCall(request.call.arguments);
    if (hidden) io.err(`! ${terminalWarning(hiddenTextWarning(hidden, "This call", false))}\n`);
    if (request.reason) io.err(`Asked because ${terminalText(request.reason)}.\n`);
    if (request.runs) io.err(`Runs ${terminalText(request.runs)}.\n`);
    const answer = await rl.question(`Allow ${terminalName(request.call.name)} ${terminalArguments(request.call.arguments)}? [y/N] `, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
