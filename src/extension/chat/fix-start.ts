/**
 * How Fix This Issue takes over the chat: it opens a new conversation (the open one stays in
 * the history), and a run still working in the chat is stopped only when the user says so —
 * a fix started from the command palette must not silently cancel an agent mid-edit.
 * Pure: the question is passed in (fix-issue.ts asks with a modal message).
 */
import { type GitRemote, type GitHubRepo, type IssueOrigin, issueOrigin, repoName, sameRepo } from "../../github/git-remotes.ts";
import type { FetchedIssue } from "../../github/github-issue.ts";
import type { AgentRunResult } from "../../protocol/agent.ts";
import { textTooLong } from "../../protocol/readiness.ts";
import type { RuntimeConnection } from "../../protocol/webview.ts";
import { sameFolderPath } from "../folder-paths.ts";
import { type RunningChat, stopRunFirst } from "./run-start.ts";

/** What Fix This Issue needs of the chat. */
export interface FixTarget extends RunningChat {
  /** Opens a new conversation, stopping a run in progress. */
  newChat(): void;
}

/** The question asked while a run is in progress; the answer that goes on. */
export const STOP_QUESTION = "Hearth is still working in the chat. Stop that run and start fixing this issue? The conversation stays in the chat history.";
export const STOP_AND_FIX = "Stop and Fix";

/**
 * Opens a new conversation for the fix; while a run is in progress, only after `ask` says
 * yes, and only once that run has ended — Stop only asks the runtime to cancel, and a send
 * while the run is still winding down would be refused ("still working"). Resolves to
 * whether the fix may start (false: nothing was stopped or opened).
 */
export async function startFixConversation(chat: FixTarget, ask: (question: string) => Promise<boolean>): Promise<boolean> {
  if (!(await stopRunFirst(chat, () => ask(STOP_QUESTION)))) return false;
  chat.newChat();
  return true;
}

/** Why an issue text is refused before the fix starts (more than any model here reads), or undefined. */
export function issueTooLong(text: string): string | undefined {
  return textTooLong(text, "The issue text", "Select or paste the part that describes the problem (an error and the lines around it), not a whole log.");
}

/** The answer that fixes an issue of another repository in this folder all the same. */
export const FIX_HERE_ANYWAY = "Fix Here Anyway";

/**
 * The question before the agent edits this folder for an issue of another repository (a
 * user in web who pasted api's issue), or undefined when there is nothing to ask: the issue
 * is this repository's or its upstream's, or the folder has no GitHub remote to compare.
 */
export function otherRepoQuestion(issueRepo: GitHubRepo, folderName: string, origin: IssueOrigin): { message: string; detail: string } | undefined {
  if (origin.kind !== "other") return undefined;
  const named = origin.remotes.map((r) => `${repoName(r.repo)} (${r.name})`);
  const list = named.length === 1 ? named[0]! : `${named.slice(0, -1).join(", ")} and ${named.at(-1)!}`;
  return {
    message: `This issue is from ${repoName(issueRepo)}, but Hearth works in ${folderName}, whose GitHub remote${named.length === 1 ? " is" : "s are"} ${list}. Fix it here anyway?`,
    detail: `The agent would change ${folderName}'s files for an issue of another repository. To fix it in ${repoName(issueRepo)}, open a clone of it and run Fix This Issue there.`,
  };
}

/** The answer that fixes the issue in another folder of the window, a clone of its repository. */
export function fixIn(folderName: string): string {
  return `Fix in ${folderName}`;
}

/**
 * The question before the agent edits this folder for an issue whose repository another
 * folder of the window is a clone of (a user in api, or in a folder that is no repository,
 * who pasted web's issue): fix it there (first answer) or here anyway.
 */
export function homeFolderQuestion(issueRepo: GitHubRepo, folderName: string, homeName: string): { message: string; detail: string } {
  return {
    message: `This issue is from ${repoName(issueRepo)}, the repository of ${homeName}, another folder of this window; Hearth works in ${folderName}. Fix it in ${homeName}?`,
    detail: `${fixIn(homeName)}: Hearth works in ${homeName} from now on (as with "Hearth: Choose Folder…"; its runtime restarts there) and the agent changes ${homeName}'s files. ${FIX_HERE_ANYWAY}: it changes ${folderName}'s files for an issue of another repository.`,
  };
}

/** Another folder of the window on disk: `folder` is what the caller knows it by. */
export interface WindowFolder<F> {
  readonly folder: F;
  readonly name: string;
  /** Its remotes (undefined: no repository). */
  readonly remotes: readonly GitRemote[] | undefined;
}

/** What issueForFolder needs: the folder's remotes, the window's other folders, the fetch, and the modal question. */
export interface IssueForFolderOptions<F> {
  readonly folderName: string;
  /** The folder's remotes (undefined: no folder on disk, no repository). */
  readonly remotes: readonly GitRemote[] | undefined;
  /** The window's other folders on disk: a clone of the issue's repository among them is offered. */
  readonly others?: readonly WindowFolder<F>[];
  /** Fetches the issue; undefined when it could not be (said so) or was cancelled. */
  fetch(): Promise<FetchedIssue | undefined>;
  /** Asks a question; resolves to the answer picked (FIX_HERE_ANYWAY when `answers` is not given), undefined for none. */
  ask(question: { message: string; detail: string; answers?: readonly string[] }): Promise<string | undefined>;
}

/** The issue's text, and the other folder of the window to fix it in when the user chose one. */
export interface IssueToFix<F> {
  readonly text: string;
  readonly folder?: F;
  /** Said to the user when the run starts: the fetched issue held terminal control codes (FetchedIssue.terminalCodes), so `text` is as a terminal shows it. */
  readonly note?: string;
}

/** A GitHub issue with a log pasted in its colours went as a terminal shows it: said, as hearth fix says it on stderr. */
export const TERMINAL_CODES_NOTE = "The issue held terminal control codes (colours, progress-bar redraws): it went to the agent as a terminal shows it.";

/** The fetched issue to fix, in `folder` when given, with its note. */
function fetchedToFix<F>(issue: FetchedIssue, folder?: F): IssueToFix<F> {
  return { text: issue.text, ...(folder === undefined ? {} : { folder }), ...(issue.terminalCodes ? { note: TERMINAL_CODES_NOTE } : {}) };
}

/**
 * A GitHub issue's text for the agent, or undefined (a no, a failed fetch). An issue of
 * another repository by its URL is asked about before the fetch — no wait for the network
 * before a no, and no question about an issue whose fetch then fails. Where another folder of
 * the window is a clone of the issue's repository, the question offers to fix it there.
 * After the fetch, a transferred issue (GitHub names another repository than the URL) is
 * asked about again only when that repository is not the folder's either: the question named
 * the wrong one.
 */
export async function issueForFolder<F>(ref: GitHubRepo, options: IssueForFolderOptions<F>): Promise<IssueToFix<F> | undefined> {
  const here = issueOrigin([ref], options.remotes);
  if (here.kind !== "same" && here.kind !== "fork") {
    const home = options.others?.find((o) => ["same", "fork"].includes(issueOrigin([ref], o.remotes).kind));
    if (home) return issueInFolder(ref, home, options);
  }
  const before = otherRepoQuestion(ref, options.folderName, here);
  if (before && (await options.ask(before)) !== FIX_HERE_ANYWAY) return undefined;
  const issue = await options.fetch();
  if (!issue) return undefined;
  const now = issue.repository;
  if (before && now && !sameRepo(now, ref)) {
    const after = otherRepoQuestion(now, options.folderName, issueOrigin([ref, now], options.remotes));
    if (after && (await options.ask(after)) !== FIX_HERE_ANYWAY) return undefined;
  }
  return fetchedToFix(issue);
}

/** The issue of `home`'s repository: fixed there or here, as the user answers, fetched only after an answer. */
async function issueInFolder<F>(ref: GitHubRepo, home: WindowFolder<F>, options: IssueForFolderOptions<F>): Promise<IssueToFix<F> | undefined> {
  const there = fixIn(home.name);
  const answer = await options.ask({ ...homeFolderQuestion(ref, options.folderName, home.name), answers: [there, FIX_HERE_ANYWAY] });
  if (answer !== there && answer !== FIX_HERE_ANYWAY) return undefined;
  const issue = await options.fetch();
  if (!issue) return undefined;
  return answer === there ? fetchedToFix(issue, home.folder) : fetchedToFix(issue);
}

/** What runtimeRunsIn needs of the runtime: its state, and word when it changes. */
export interface RuntimeStates {
  readonly state: RuntimeConnection;
  onDidChangeState(listener: (state: RuntimeConnection) => void): { dispose(): unknown };
}

/** What runtimeRunsIn needs of the folder choice: the folder Hearth works in, and word when it changes. */
export interface FolderWatch<F> {
  readonly folder: F | undefined;
  isCurrent(folder: F): boolean;
  /** A folder's name in a message (with its path where another folder has its name: FolderChoice.nameOf); its name without. */
  nameOf?(folder: F): string;
  onDidChange(listener: () => void): { dispose(): unknown };
}

/**
 * Waits, after Hearth was moved to `folder` (at `path`), for its runtime to run there:
 * "running", or why it will not (it failed to start, or Hearth works in another folder now —
 * the folder removed, or another chosen meanwhile). A failure the wait begins with is the
 * runtime's in the folder left, which the move restarts: it was answered at once, and the
 * runtime then started fine in `folder`, the fix not sent.
 */
export function runtimeRunsIn<F extends { readonly name: string }>(runtime: RuntimeStates, folders: FolderWatch<F>, folder: F, path: string): Promise<string> {
  const before = runtime.state;
  const verdict = (): string | undefined => {
    const nameOf = (f: F) => folders.nameOf?.(f) ?? f.name;
    if (!folders.isCurrent(folder)) return `Hearth works in ${folders.folder ? nameOf(folders.folder) : "no folder"} now, not ${nameOf(folder)}`;
    const state = runtime.state;
    if (state.kind === "failed" && state !== before) return state.message.replace(/\.$/, "");
    return state.kind === "running" && state.status.folder !== null && sameFolderPath(state.status.folder, path) ? "running" : undefined;
  };
  return new Promise((resolve) => {
    const subs: { dispose(): unknown }[] = [];
    const check = () => {
      const result = verdict();
      if (result === undefined) return;
      for (const s of subs) s.dispose();
      resolve(result);
    };
    subs.push(runtime.onDidChangeState(check), folders.onDidChange(check));
    check();
  });
}

/**
 * What Fix This Issue says when its run ends: the files changed and the tests' outcome, and,
 * where the user's git HEAD moved during the run (`headMoved`), as a warning, that the agent
 * worked and the tests ran on the other commit and git's files are out of the review —
 * "Tests pass." alone would read as a pass on the branch the fix was asked for.
 */
export function fixEndMessage(result: Pick<AgentRunResult, "changedFiles" | "tests" | "message" | "headMoved">): { text: string; warning: boolean } {
  const files = result.changedFiles.length;
  const tests = result.tests ? (result.tests.passed ? " Tests pass." : result.tests.stopped ? ` The tests did not finish (${result.tests.stopped}): they neither passed nor failed.` : " Tests fail.") : "";
  const moved = result.headMoved
    ? ` Git's HEAD moved during the run (from ${result.headMoved.from} to ${result.headMoved.to}: a git checkout, pull or reset): the agent worked${result.tests ? ", and the tests ran," : ""} on ${result.headMoved.to}, and the files git changed are left out of the review (the chat names them).`
    : "";
  const text = files
    ? `Hearth changed ${files} file${files === 1 ? "" : "s"}.${tests}${moved} Review the changes in the chat: open each diff, accept or reject.`
    : `Hearth finished without changing files: ${result.message}${moved}`;
  return { text, warning: moved !== "" };
}
