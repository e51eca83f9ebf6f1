/**
 * Fix This Issue and a run still working in the chat: it asks before stopping it, and a
 * "no" leaves the run and the open conversation alone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before } from "node:test";
import {
  FIX_HERE_ANYWAY,
  fixEndMessage,
  type FixTarget,
  type FolderWatch,
  issueForFolder,
  issueTooLong,
  otherRepoQuestion,
  type RuntimeStates,
  runtimeRunsIn,
  STOP_QUESTION,
  startFixConversation,
} from "../../../../src/extension/chat/fix-start.ts";
import type { RuntimeConnection } from "../../../../src/protocol/webview.ts";
import { READY_MODEL, status } from "../../webview/fixtures.ts";
import { issueOrigin } from "../../../../src/github/git-remotes.ts";
import { fetchGitHubIssueDetails } from "../../../../src/github/github-issue.ts";

/**
 * A chat like the real one: stop() only asks the runtime to cancel; the run ends later, when
 * its request settles (`end()`), and only then may a new message be sent.
 */
type FakeChat = FixTarget & { running: boolean; newChats: number; stops: number; runningAtNewChat: boolean[]; end(): void };
function chat(running: boolean): FakeChat {
  const listeners = new Set<(running: boolean) => void>();
  return {
    running,
    newChats: 0,
    stops: 0,
    runningAtNewChat: [],
    newChat() {
      this.newChats++;
      this.runningAtNewChat.push(this.running);
    },
    stop() {
      this.stops++;
    },
    onDidChangeRunning(listener) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    end() {
      this.running = false;
      for (const l of [...listeners]) l(false);
    },
  };
}

describe("Fix This Issue's new conversation", () => {
  it("opens it at once when no run is in progress, without asking", async () => {
    const c = chat(false);
    const asked: string[] = [];
    assert.equal(await startFixConversation(c, async (q) => (asked.push(q), false)), true);
    assert.deepEqual(asked, []);
    assert.equal(c.newChats, 1);
    assert.equal(c.stops, 0);
  });

  it("asks while a run is in progress; a no stops nothing and opens nothing", async () => {
    const c = chat(true);
    const asked: string[] = [];
    assert.equal(await startFixConversation(c, async (q) => (asked.push(q), false)), false);
    assert.deepEqual(asked, [STOP_QUESTION]);
    assert.equal(c.newChats, 0, "the run goes on in the open conversation");
    assert.equal(c.stops, 0);
  });

  it("after a yes, stops the run and opens the new conversation only once the run has ended, so the fix can be sent", async () => {
    const c = chat(true);
    let settled = false;
    const started = startFixConversation(c, async () => true).then((ok) => ((settled = true), ok));
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(c.stops, 1, "the run was asked to stop");
    assert.equal(settled, false, "the fix waits while the stopped run is still winding down");
    assert.equal(c.newChats, 0);
    c.end();
    assert.equal(await started, true);
    assert.deepEqual(c.runningAtNewChat, [false], "the new conversation opens with no run in progress: send() would refuse one");
    assert.match(STOP_QUESTION, /^Hearth is still working in the chat\. Stop that run/);
  });

  it("a run that ends while the question is open is not waited for", async () => {
    const c = chat(true);
    assert.equal(await startFixConversation(c, async () => (c.end(), true)), true);
    assert.equal(c.newChats, 1);
  });
});

// A 20 MB selection or paste went to the chat whole: the view rendered it, the history kept
// it, the runtime tokenized it, and only then did the run fail with "send a shorter one".
describe("Fix This Issue with more text than any model reads", () => {
  it("refuses it before anything starts, saying how long it is and what to do", () => {
    assert.equal(
      issueTooLong("x".repeat(20 * 1024 * 1024)),
      "The issue text is 20,971,520 characters; the largest context a model here can have (262,144 tokens) holds about 1,048,576. Select or paste the part that describes the problem (an error and the lines around it), not a whole log.",
    );
  });

  it("takes an issue up to that size", () => {
    assert.equal(issueTooLong("add(2, 3) returns -1"), undefined);
    assert.equal(issueTooLong("y".repeat(1_048_576)), undefined);
  });
});

describe("Fix This Issue with an issue of another repository", () => {
  const api = { owner: "acme", repo: "api" };

  it("asks, naming the issue's repository and the folder's, when none of the folder's GitHub remotes is the issue's", () => {
    const one = otherRepoQuestion(api, "web", issueOrigin([api], [{ name: "origin", url: "git@github.com:acme/web.git" }]));
    assert.deepEqual(one, {
      message: "This issue is from acme/api, but Hearth works in web, whose GitHub remote is acme/web (origin). Fix it here anyway?",
      detail: "The agent would change web's files for an issue of another repository. To fix it in acme/api, open a clone of it and run Fix This Issue there.",
    });
    const three = otherRepoQuestion(api, "web", issueOrigin([api], [
      { name: "origin", url: "git@github.com:acme/web.git" }, { name: "fork", url: "https://github.com/me/web" }, { name: "old", url: "https://github.com/acme/site" },
    ]));
    assert.match(three!.message, /whose GitHub remotes are acme\/web \(origin\), me\/web \(fork\) and acme\/site \(old\)\. Fix it here anyway\?$/);
  });

  it("asks nothing for the folder's own repository, its upstream, or a folder with no GitHub remote", () => {
    for (const remotes of [
      [{ name: "origin", url: "https://github.com/ACME/api.git" }],
      [{ name: "origin", url: "git@github.com:me/api.git" }, { name: "upstream", url: "git@github.com:acme/api.git" }],
      [{ name: "origin", url: "git@gitlab.com:acme/web.git" }],
      [],
      undefined,
    ]) {
      assert.equal(otherRepoQuestion(api, "web", issueOrigin([api], remotes)), undefined, JSON.stringify(remotes));
    }
  });
});

describe("Fix This Issue from a GitHub URL: the other-repository question and the fetch", () => {
  let server: Server;
  let base: string;
  const fetched: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      fetched.push(req.url!);
      res.setHeader("content-type", "application/json");
      const issue = (repo: string) => JSON.stringify({ title: "T", body: "B", comments: 0, repository_url: `${base}/repos/${repo}` });
      if (req.url === "/repos/acme/api/issues/12") return res.end(issue("acme/api"));
      if (req.url === "/repos/acme/old-web/issues/3") return res.end(issue("acme/web")); // transferred to web
      if (req.url === "/repos/acme/old-api/issues/4") return res.end(issue("acme/cli")); // transferred on to a third repository
      res.statusCode = 404;
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const web = [{ name: "origin", url: "git@github.com:acme/web.git" }];
  function run(owner: string, repo: string, number: number, answer: boolean) {
    const asked: string[] = [];
    const ref = { owner, repo, number };
    const result = issueForFolder(ref, {
      folderName: "web",
      remotes: web,
      fetch: () => fetchGitHubIssueDetails(ref, { apiBase: base }),
      ask: async (question) => (asked.push(question.message), answer ? FIX_HERE_ANYWAY : undefined),
    });
    return { asked, result };
  }

  it("asks about another repository's issue before fetching it: a no fetches nothing", async () => {
    const before = fetched.length;
    const { asked, result } = run("acme", "api", 12, false);
    assert.equal(await result, undefined);
    assert.deepEqual(asked, ["This issue is from acme/api, but Hearth works in web, whose GitHub remote is acme/web (origin). Fix it here anyway?"]);
    assert.equal(fetched.length, before, "no request: the user said no before any wait");
  });

  it("after a yes, fetches it and asks nothing more", async () => {
    const { asked, result } = run("acme", "api", 12, true);
    assert.deepEqual(await result, { text: "T (acme/api#12)\n\nB" });
    assert.equal(asked.length, 1);
    assert.equal(fetched.at(-1), "/repos/acme/api/issues/12");
  });

  it("an issue of the folder's own repository is fetched without a question", async () => {
    const asked: string[] = [];
    const ref = { owner: "ACME", repo: "web", number: 3 };
    const result = await issueForFolder(ref, { folderName: "web", remotes: web, fetch: async () => ({ text: "ours" }), ask: async (q) => (asked.push(q.message), undefined) });
    assert.deepEqual(result, { text: "ours" });
    assert.deepEqual(asked, []);
  });

  it("a transferred issue: after the fetch, asks again only when GitHub names yet another repository than the one asked about", async () => {
    const moved = run("acme", "old-api", 4, true);
    assert.deepEqual(await moved.result, { text: "T (acme/old-api#4)\n\nB" });
    assert.deepEqual(moved.asked.map((q) => q.match(/from (\S+),/)?.[1]), ["acme/old-api", "acme/cli"]);
    const home = run("acme", "old-web", 3, true);
    assert.deepEqual(await home.result, { text: "T (acme/old-web#3)\n\nB" });
    assert.equal(home.asked.length, 1, "transferred into the folder's repository: nothing more to ask");
  });
});

describe("Fix This Issue in a window of several folders, one of them a clone of the issue's repository", () => {
  const apiRemotes = [{ name: "origin", url: "git@github.com:acme/api.git" }];
  const webRemotes = [{ name: "origin", url: "https://github.com/acme/web.git" }];
  // The window: api (a clone of acme/api), notes (no repository), web (a clone of acme/web).
  const others = (here: string) => [
    { folder: "api", name: "api", remotes: apiRemotes },
    { folder: "notes", name: "notes", remotes: undefined },
    { folder: "web", name: "web", remotes: webRemotes },
  ].filter((f) => f.folder !== here);
  function fix(here: string, answer: (answers: readonly string[]) => string | undefined) {
    const asked: { message: string; detail: string; answers: readonly string[] }[] = [];
    let fetches = 0;
    const ref = { owner: "acme", repo: "web", number: 7 };
    const result = issueForFolder(ref, {
      folderName: here,
      remotes: here === "api" ? apiRemotes : here === "web" ? webRemotes : undefined,
      others: others(here),
      fetch: async () => (fetches++, { text: "web's issue" }),
      ask: async (question) => (asked.push({ ...question, answers: question.answers ?? [FIX_HERE_ANYWAY] }), answer(question.answers ?? [FIX_HERE_ANYWAY])),
    });
    return { asked, result, fetches: () => fetches };
  }

  it("working in api, offers to fix web's issue in web, before fetching it; Fix in web says so with the issue", async () => {
    const run = fix("api", (answers) => answers[0]);
    assert.deepEqual(await run.result, { text: "web's issue", folder: "web" });
    assert.deepEqual(run.asked, [{
      message: "This issue is from acme/web, the repository of web, another folder of this window; Hearth works in api. Fix it in web?",
      detail: "Fix in web: Hearth works in web from now on (as with \"Hearth: Choose Folder…\"; its runtime restarts there) and the agent changes web's files. Fix Here Anyway: it changes api's files for an issue of another repository.",
      answers: ["Fix in web", FIX_HERE_ANYWAY],
    }]);
    assert.equal(run.fetches(), 1);
  });

  it("Fix Here Anyway fixes it in api, asking nothing more; no answer fetches nothing", async () => {
    const here = fix("api", () => FIX_HERE_ANYWAY);
    assert.deepEqual(await here.result, { text: "web's issue" });
    assert.equal(here.asked.length, 1);
    const none = fix("api", () => undefined);
    assert.equal(await none.result, undefined);
    assert.equal(none.fetches(), 0, "no request: the user said no before any wait");
  });

  it("working in notes, no repository, web's issue is not fixed there without a question", async () => {
    const run = fix("notes", (answers) => answers[0]);
    assert.deepEqual(await run.result, { text: "web's issue", folder: "web" });
    assert.equal(run.asked[0]?.message, "This issue is from acme/web, the repository of web, another folder of this window; Hearth works in notes. Fix it in web?");
  });

  it("working in web, its own issue is fixed there without a question", async () => {
    const run = fix("web", () => undefined);
    assert.deepEqual(await run.result, { text: "web's issue" });
    assert.deepEqual(run.asked, []);
  });
});

/**
 * Fix in web: Hearth was moved to web (the runtime restarts there) and the fix waits for its
 * runtime there. A runtime and a folder choice like the real ones: a state, a folder, and word
 * when either changes.
 */
describe("runtimeRunsIn (the wait before a fix in another folder of the window)", () => {
  type Folder = { readonly name: string };
  const [api, web] = [{ name: "api" }, { name: "web" }];
  function window(state: RuntimeConnection, current: Folder | undefined) {
    const stateListeners = new Set<(s: RuntimeConnection) => void>();
    const folderListeners = new Set<() => void>();
    const runtime: Omit<RuntimeStates, "state"> & { state: RuntimeConnection; set(s: RuntimeConnection): void; listeners(): number } = {
      state,
      onDidChangeState: (l) => (stateListeners.add(l), { dispose: () => stateListeners.delete(l) }),
      set(s) {
        this.state = s;
        for (const l of [...stateListeners]) l(s);
      },
      listeners: () => stateListeners.size + folderListeners.size,
    };
    const folders: FolderWatch<Folder> & { move(f: Folder | undefined): void } = {
      folder: current,
      isCurrent: (f) => f === folders.folder,
      onDidChange: (l) => (folderListeners.add(l), { dispose: () => folderListeners.delete(l) }),
      move(f) {
        (this as { folder: Folder | undefined }).folder = f;
        for (const l of [...folderListeners]) l();
      },
    };
    return { runtime, folders };
  }
  const runningIn = (folder: string): RuntimeConnection => ({ kind: "running", status: { ...status(READY_MODEL), folder } });
  const settled = (p: Promise<string>) => Promise.race([p, new Promise<string>((r) => setImmediate(() => r("waiting")))]);

  it("waits while the runtime still runs in the folder left, and goes on once it runs in web", async () => {
    const { runtime, folders } = window(runningIn("/w/api"), web);
    const wait = runtimeRunsIn(runtime, folders, web, "/w/web");
    assert.equal(await settled(wait), "waiting", "the runtime in api is not web's");
    runtime.set({ kind: "starting" });
    assert.equal(await settled(wait), "waiting");
    runtime.set(runningIn("/w/web/"));
    assert.equal(await wait, "running");
    assert.equal(runtime.listeners(), 0, "nothing is left listening");
  });

  it("a runtime that had failed in the folder left is not taken for a failure in web: it waits for web's start", async () => {
    // It answered at once with api's old failure, while the runtime then started fine in web.
    const { runtime, folders } = window({ kind: "failed", message: "Hearth's runtime stopped 3 times in a row (exit code 1) and was not restarted." }, web);
    const wait = runtimeRunsIn(runtime, folders, web, "/w/web");
    assert.equal(await settled(wait), "waiting", "the failure is api's runtime's, from before the move");
    runtime.set({ kind: "starting" });
    runtime.set(runningIn("/w/web"));
    assert.equal(await wait, "running");
  });

  it("says why when the runtime fails to start in web", async () => {
    const { runtime, folders } = window(runningIn("/w/api"), web);
    const wait = runtimeRunsIn(runtime, folders, web, "/w/web");
    runtime.set({ kind: "starting" });
    runtime.set({ kind: "failed", message: "Hearth's runtime did not start within 60 s." });
    assert.equal(await wait, "Hearth's runtime did not start within 60 s");
    assert.equal(runtime.listeners(), 0);
  });

  it("says where Hearth works when web is removed from the window (or another folder chosen) while it waits", async () => {
    const { runtime, folders } = window(runningIn("/w/api"), web);
    const wait = runtimeRunsIn(runtime, folders, web, "/w/web");
    runtime.set({ kind: "starting" });
    folders.move(api);
    assert.equal(await wait, "Hearth works in api now, not web");
    assert.equal(runtime.listeners(), 0);
    const none = window(runningIn("/w/api"), web);
    const alone = runtimeRunsIn(none.runtime, none.folders, web, "/w/web");
    none.folders.move(undefined);
    assert.equal(await alone, "Hearth works in no folder now, not web");
  });

  it("names two folders of the same name by their paths (two clones both called app): it said 'Hearth works in app now, not app'", async () => {
    const [work, review] = [{ name: "app", path: "/home/me/work/app" }, { name: "app", path: "/home/me/review/app" }];
    const { runtime, folders } = window(runningIn(work.path), review);
    const named = Object.assign(folders, { nameOf: (f: Folder) => `${f.name} (${(f as typeof work).path})` });
    const wait = runtimeRunsIn(runtime, named, review, review.path);
    folders.move(work);
    assert.equal(await wait, "Hearth works in app (/home/me/work/app) now, not app (/home/me/review/app)");
  });
});

describe("Fix This Issue's closing message", () => {
  it("says what changed and how the tests ended", () => {
    assert.deepEqual(fixEndMessage({ changedFiles: ["a.py", "b.py"], tests: { command: "pytest", passed: true, exitCode: 0, output: "" }, message: "done" }), {
      warning: false,
      text: "Hearth changed 2 files. Tests pass. Review the changes in the chat: open each diff, accept or reject.",
    });
  });
  it("warns where the user's git HEAD moved during the run: the tests passed on the other branch, git's files left out", () => {
    const said = fixEndMessage({ changedFiles: ["a.py"], tests: { command: "pytest", passed: true, exitCode: 0, output: "" }, message: "done", headMoved: { from: "main", to: "other" } });
    assert.equal(said.warning, true);
    assert.equal(said.text, "Hearth changed 1 file. Tests pass. Git's HEAD moved during the run (from main to other: a git checkout, pull or reset): the agent worked, and the tests ran, on other, and the files git changed are left out of the review (the chat names them). Review the changes in the chat: open each diff, accept or reject.");
  });
  it("says final tests that ran past their limit did not finish, not that they fail", () => {
    const said = fixEndMessage({ changedFiles: ["a.py"], tests: { command: "pytest", passed: false, exitCode: null, output: "", stopped: "they ran past the 600 s limit and were stopped" }, message: "done" });
    assert.equal(said.text, "Hearth changed 1 file. The tests did not finish (they ran past the 600 s limit and were stopped): they neither passed nor failed. Review the changes in the chat: open each diff, accept or reject.");
  });
  it("warns of the move when the run changed no file of its own", () => {
    const said = fixEndMessage({ changedFiles: [], message: "nothing to do", headMoved: { from: "main", to: "3f2a1b9c0d4e" } });
    assert.equal(said.warning, true);
    assert.match(said.text, /^Hearth finished without changing files: nothing to do Git's HEAD moved during the run \(from main to 3f2a1b9c0d4e: .*\): the agent worked on 3f2a1b9c0d4e, and the files git changed are left out of the review/);
  });
});

// A GitHub issue with a log pasted in its colours: hearth fix says it went to the model as a
// terminal shows it (b8882bd5); Fix This Issue, with the same fetch, said nothing of it.
describe("Fix This Issue, a fetched issue that held terminal control codes", () => {
  const web = [{ name: "origin", url: "https://github.com/acme/web.git" }];
  const ref = { owner: "acme", repo: "web", number: 3 };
  const coloured = async () => ({ text: "T (acme/web#3)\n\nError: boom", terminalCodes: true as const });

  it("comes with a note saying so, in this folder and in another folder of the window", async () => {
    const here = await issueForFolder(ref, { folderName: "web", remotes: web, fetch: coloured, ask: async () => undefined });
    assert.deepEqual(here, { text: "T (acme/web#3)\n\nError: boom", note: "The issue held terminal control codes (colours, progress-bar redraws): it went to the agent as a terminal shows it." });
    const there = await issueForFolder(ref, { folderName: "api", remotes: undefined, others: [{ folder: "web", name: "web", remotes: web }], fetch: coloured, ask: async (q) => q.answers?.[0] });
    assert.equal(there?.folder, "web");
    assert.equal(there?.note, here?.note);
  });

  it("a plain issue has no note", async () => {
    const plain = await issueForFolder(ref, { folderName: "web", remotes: web, fetch: async () => ({ text: "plain" }), ask: async () => undefined });
    assert.deepEqual(plain, { text: "plain" });
  });
});
