// Agent runs through the built runtime over LSP, as the chat view drives them: the scripted
// backend replays a model's turns, the real tools edit a real fixture workspace, approvals
// go to the client, checkpoints restore, conversations persist.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { cpSync, existsSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CancellationTokenSource } from "vscode-languageserver-protocol";
import { type RuntimeProcess, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import type { ModelScript } from "../../../src/models/scripted.ts";
import {
  AgentApproveRequest,
  AgentEventNotification,
  type AgentRunParams,
  AgentRunRequest,
  type AgentWireEvent,
  CheckpointFileRequest,
  CheckpointRestoreRequest,
  ConversationExportRequest,
  ConversationForgetRequest,
  ConversationImportRequest,
  MentionSearchRequest,
} from "../../../src/protocol/agent.ts";
import { StatusRequest } from "../../../src/protocol/lsp-ext.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll, PYTHON_CALC as FIXTURE } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();

interface Started {
  runtime: RuntimeProcess;
  root: string;
  storage: string;
  events: AgentWireEvent[];
  approvals: string[];
}

/** A runtime on a copy of the calculator fixture with `script` as its model; approvals answered by `answer`. */
async function start(script: ModelScript | undefined, answer: (tool: string) => boolean = () => true, settings: Record<string, unknown> = {}, place?: { root: string; storage: string }): Promise<Started> {
  const root = place?.root ?? tempDir("hearth-agent-ws-");
  if (!place) cpSync(FIXTURE, root, { recursive: true });
  const storage = place?.storage ?? tempDir("hearth-agent-storage-");
  const modelPath = script ? join(storage, "model.json") : "";
  if (script) writeFileSync(modelPath, JSON.stringify(script));
  const runtime = await spawnRuntime({
    runtimePath: RUNTIME,
    rootPath: root,
    initializationOptions: { settings: { modelPath, approvalPolicy: "ask", ...settings }, storagePath: storage },
  });
  running.push(runtime);
  const started: Started = { runtime, root, storage, events: [], approvals: [] };
  runtime.connection.onNotification(AgentEventNotification, (p) => {
    started.events.push(p.event);
  });
  runtime.connection.onRequest(AgentApproveRequest, (p) => {
    started.approvals.push(p.call.name);
    return { approved: answer(p.call.name) };
  });
  return started;
}

const run = (s: Started, text: string, extra: Partial<AgentRunParams> = {}, token?: CancellationTokenSource) =>
  s.runtime.connection.sendRequest(AgentRunRequest, { runId: `r${Math.random()}`, conversationId: "conv1", text, mode: "chat", ...extra }, token?.token);

const FIX_ADD = { name: "edit_file", arguments: { path: "calc.py", old_text: "return a - b", new_text: "return a + b" } };
const ORIGINAL = readFileSync(join(FIXTURE, "calc.py"), "utf8");

describe("agent runs in the runtime", () => {
  it("runs a chat turn that reads and edits a file: approval asked, real diff reported, file changed, conversation kept", { timeout: 120_000 }, async () => {
    const s = await start({
      turns: [
        { thinking: "Look at add first.", toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] },
        { text: "add subtracts; fixing.", toolCalls: [FIX_ADD] },
        { text: "Fixed: `add` now adds." },
      ],
    });
    writeFileSync(join(s.root, "notes-utf16.txt"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("café ✓\r\nsecond line\r\n", "utf16le")]));
    const result = await run(s, "add() is wrong, fix it");
    assert.equal(result.stopReason, "answered");
    assert.equal(result.message, "Fixed: `add` now adds.");
    assert.deepEqual(result.changedFiles, ["calc.py"]);
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /return a \+ b/);
    assert.deepEqual(s.approvals, ["edit_file"], "reads run freely, the write asks");

    const user = s.events[0]!;
    assert.ok(user.type === "user" && user.messageIndex === 1 && user.checkpoint === result.startCheckpoint);
    const types = s.events.map((e) => e.type);
    assert.ok(types.indexOf("approvalRequest") < types.indexOf("approval"), types.join());
    const edit = s.events.find((e) => e.type === "toolEnd" && e.diff);
    assert.ok(edit?.type === "toolEnd");
    assert.match(edit.diff!, /^-    return a - b$/m);
    assert.match(edit.diff!, /^\+    return a \+ b$/m);
    assert.deepEqual(edit.changedFiles, ["calc.py"]);
    assert.ok(edit.checkpoint, "the step can be undone");
    assert.equal(s.events.at(-1)?.type, "end");

    // The review's left side: the file as it was before the run.
    const before = await s.runtime.connection.sendRequest(CheckpointFileRequest, { checkpoint: result.startCheckpoint!, path: "calc.py" });
    assert.equal(before.content, ORIGINAL);
    const missing = await s.runtime.connection.sendRequest(CheckpointFileRequest, { checkpoint: result.startCheckpoint!, path: "nope.py" });
    assert.equal(missing.content, null);
    // A UTF-16 file (its byte-order mark says so, as VS Code reads it on the right side) reads as its text.
    const utf16 = await s.runtime.connection.sendRequest(CheckpointFileRequest, { checkpoint: result.startCheckpoint!, path: "notes-utf16.txt" });
    assert.equal(utf16.content, "café ✓\r\nsecond line\r\n");

    // The conversation is persisted with both sides of the exchange.
    const saved = JSON.parse(readFileSync(join(s.storage, "conversations", "conv1.json"), "utf8")) as { messages: { role: string }[] };
    assert.deepEqual(saved.messages.map((m) => m.role), ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]);
  });

  it("a denied write leaves the file alone; restoring the first checkpoint undoes the accepted one and rewinds the conversation", { timeout: 120_000 }, async () => {
    const s = await start(
      {
        turns: [
          { toolCalls: [FIX_ADD] },
          { text: "Done." },
          { toolCalls: [{ name: "write_file", arguments: { path: "calc.py", content: "broken\n" } }] },
          { text: "The user said no." },
        ],
      },
      (tool) => tool !== "write_file",
    );
    const first = await run(s, "fix add");
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /a \+ b/);
    s.events.length = 0;
    const second = await run(s, "now rewrite the file");
    assert.equal(second.stopReason, "answered");
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /a \+ b/, "the denied write did not happen");
    assert.ok(s.events.some((e) => e.type === "approval" && !e.approved));
    const secondUser = s.events[0]!;
    assert.ok(secondUser.type === "user");

    const restored = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, {
      checkpoint: first.startCheckpoint!,
      conversationId: "conv1",
      messageIndex: 1,
    });
    assert.deepEqual(restored.restoredFiles, ["calc.py"]);
    assert.equal(readFileSync(join(s.root, "calc.py"), "utf8"), ORIGINAL);
    const saved = JSON.parse(readFileSync(join(s.storage, "conversations", "conv1.json"), "utf8")) as { messages: { role: string }[] };
    assert.deepEqual(saved.messages.map((m) => m.role), ["system"], "the model forgets everything from the restored message on");
  });

  it("a restore whose files came back but whose rewound conversation could not be saved says so, not that nothing was restored", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Done." }] });
    const first = await run(s, "fix add");
    // Where conversations are kept is a file now: the rewind's save fails once the files are back.
    const folder = join(s.storage, "conversations");
    rmSync(folder, { recursive: true });
    writeFileSync(folder, "not a folder");
    const restored = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: first.startCheckpoint!, conversationId: "conv1", messageIndex: 1 });
    assert.deepEqual(restored.restoredFiles, ["calc.py"]);
    assert.equal(readFileSync(join(s.root, "calc.py"), "utf8"), ORIGINAL);
    assert.match(restored.rewindNotSaved ?? "", /^The conversation goes on from the restored message, but that could not be saved \(.*conversations, where Hearth keeps conversations, is a file, not a folder: move it away and later turns are saved\): a restart of Hearth loses the rewind\.$/);
    assert.equal(readFileSync(folder, "utf8"), "not a folder");
  });

  it("a restore names the changed files it left as they are, and why", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Done." }] });
    const first = await run(s, "fix add");
    writeFileSync(join(s.root, "notes.txt "), "a name that ends with a space\n");
    const restored = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: first.startCheckpoint! });
    assert.deepEqual(restored, { restoredFiles: ["calc.py"], notRestored: [{ path: "notes.txt ", reason: "its name starts or ends with a space" }] });
    assert.equal(readFileSync(join(s.root, "calc.py"), "utf8"), ORIGINAL);
    assert.equal(readFileSync(join(s.root, "notes.txt "), "utf8"), "a name that ends with a space\n");
  });

  it("a restore cut off by a runtime that died is finished by the next runtime, which says so in the chat once", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Done." }] });
    const first = await run(s, "fix add");
    await s.runtime.close();
    // As restoreCheckpoint leaves it when killed before writing calc.py (checkpoint-journal.ts).
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    const gitDir = join(s.storage, "checkpoints", createHash("sha1").update(realpathSync(s.root)).digest("hex").slice(0, 16));
    writeFileSync(join(gitDir, "hearth-restore.json"), JSON.stringify({ pid: gone.pid, checkpoint: first.startCheckpoint, paths: ["calc.py"] }));

    const next = await start({ turns: [{ text: "Hello." }, { text: "Hello again." }] }, undefined, {}, { root: s.root, storage: s.storage });
    await run(next, "hi", { conversationId: "conv2" });
    assert.equal(readFileSync(join(s.root, "calc.py"), "utf8"), ORIGINAL);
    const notices = () => next.events.flatMap((e) => (e.type === "notice" ? [e.text] : []));
    assert.deepEqual(notices(), [`A restore to checkpoint ${first.startCheckpoint!.slice(0, 8)} was cut off (Hearth or the editor closed while it wrote files); Hearth finished it when it started again: “calc.py” put back.`]);
    await run(next, "hi again", { conversationId: "conv2", continues: true });
    assert.equal(notices().length, 1, "said once");
  });

  it("a patch killed between its files is finished at a run's start, and the chat says so (never unsaid inside a later edit)", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ text: "Hello." }, { text: "Hello again." }] });
    // As disk-workspace.ts's writes journal is left by a process killed after renaming a.txt, before b.txt.
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    const real = realpathSync(s.root);
    writeFileSync(join(s.root, "a.txt"), "A2\n");
    writeFileSync(join(s.root, "b.txt"), "B1\n");
    const staged = join(real, `.bbbbbbbbbbbb-${gone.pid}.hearth-tmp`);
    writeFileSync(staged, "B2\n");
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    const files = [
      { tmp: join(real, `.aaaaaaaaaaaa-${gone.pid}.hearth-tmp`), target: join(real, "a.txt"), before: sha("A1\n"), after: sha("A2\n") },
      { tmp: staged, target: join(real, "b.txt"), before: sha("B1\n"), after: sha("B2\n") },
    ];
    const journal = join(s.root, ".hearth-writes-journal-cccccccccccc.json");
    writeFileSync(journal, JSON.stringify({ phase: "renaming", pid: gone.pid, started: Date.now(), host: hostname(), files }));
    await run(s, "hi");
    assert.equal(readFileSync(join(s.root, "b.txt"), "utf8"), "B2\n");
    assert.equal(existsSync(journal) || existsSync(staged), false, "nothing left behind");
    const notices = () => s.events.flatMap((e) => (e.type === "notice" ? [e.text] : []));
    assert.deepEqual(notices(), ["A batch of writes (a patch) was cut off halfway by its process's end (killed, or the machine stopped); finished it: b.txt now hold the new content."]);
    await run(s, "hi again", { continues: true });
    assert.equal(notices().length, 1, "said once");
  });

  it("undoing a step or rejecting a file that changed since (by hand or a later step) restores nothing until asked to anyway", { timeout: 120_000 }, async () => {
    const s = await start({
      turns: [
        { toolCalls: [FIX_ADD] },
        { toolCalls: [{ name: "edit_file", arguments: { path: "calc.py", old_text: "return a + b", new_text: "return b + a" } }] },
        { text: "Done." },
      ],
    });
    const result = await run(s, "fix add");
    const [first, second] = s.events.filter((e) => e.type === "toolEnd" && e.changedFiles?.length);
    assert.ok(first?.type === "toolEnd" && second?.type === "toolEnd" && first.after && second.after && result.endCheckpoint, "each step and the run know the state they left");
    const step = { checkpoint: first.checkpoint!, paths: ["calc.py"], expect: first.after };
    // The second step changed calc.py after the first: undoing the first would drop it.
    const refused = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, step);
    assert.deepEqual(refused, { restoredFiles: [], changedSince: ["calc.py"] });
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /return b \+ a/);
    // The last step, and then a hand edit after the run.
    const last = { checkpoint: second.checkpoint!, paths: ["calc.py"], expect: second.after };
    writeFileSync(join(s.root, "calc.py"), readFileSync(join(s.root, "calc.py"), "utf8") + "# mine\n");
    assert.deepEqual(await s.runtime.connection.sendRequest(CheckpointRestoreRequest, last), { restoredFiles: [], changedSince: ["calc.py"] });
    const reject = { checkpoint: result.startCheckpoint!, paths: ["calc.py"], expect: result.endCheckpoint };
    assert.deepEqual(await s.runtime.connection.sendRequest(CheckpointRestoreRequest, reject), { restoredFiles: [], changedSince: ["calc.py"] });
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /# mine\n$/, "nothing was restored");
    // Asked to anyway: restored.
    assert.deepEqual((await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { ...reject, force: true })).restoredFiles, ["calc.py"]);
    assert.equal(readFileSync(join(s.root, "calc.py"), "utf8"), ORIGINAL);
  });

  it("undoing a step nothing changed since restores it without a question", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Done." }] });
    await run(s, "fix add");
    const edit = s.events.find((e) => e.type === "toolEnd" && e.changedFiles?.length);
    assert.ok(edit?.type === "toolEnd" && edit.after);
    const undone = await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: edit.checkpoint!, paths: ["calc.py"], expect: edit.after });
    assert.deepEqual(undone, { restoredFiles: ["calc.py"] });
    assert.equal(readFileSync(join(s.root, "calc.py"), "utf8"), ORIGINAL);
  });

  it("under auto-edit an edit runs unasked, but a write to .vscode/settings.json asks and says why", { timeout: 120_000 }, async () => {
    const settingsJson = { name: "write_file", arguments: { path: ".vscode/settings.json", content: '{ "python.defaultInterpreterPath": "./run-me.sh" }\n' } };
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { toolCalls: [settingsJson] }, { text: "Done." }] }, () => false, { approvalPolicy: "auto-edit" });
    await run(s, "fix add and set up the editor");
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /a \+ b/);
    assert.deepEqual(s.approvals, ["write_file"]);
    const asked = s.events.find((e) => e.type === "approvalRequest");
    assert.ok(asked?.type === "approvalRequest");
    assert.match(asked.reason ?? "", /^it changes \.vscode\/settings\.json: VS Code reads it/);
    assert.equal(existsSync(join(s.root, ".vscode/settings.json")), false);
  });

  it("write_file replaces a file the chat's model read in an earlier message, but not one it never read", { timeout: 120_000 }, async () => {
    const replace = (path: string) => ({ toolCalls: [{ name: "write_file", arguments: { path, content: "def add(a, b):\n    return a + b\n" } }] });
    const s = await start({
      turns: [{ toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] }, { text: "Read it." }, replace("calc.py"), { text: "Replaced." }, replace("test_calc.py"), { text: "Tried." }],
    }, undefined, { approvalPolicy: "auto-edit" });
    await run(s, "read calc.py");
    await run(s, "now replace it", { continues: true });
    assert.equal(readFileSync(join(s.root, "calc.py"), "utf8"), "def add(a, b):\n    return a + b\n");
    await run(s, "and the tests too", { continues: true });
    assert.equal(readFileSync(join(s.root, "test_calc.py"), "utf8"), readFileSync(join(FIXTURE, "test_calc.py"), "utf8"));
    const ends = s.events.flatMap((e) => (e.type === "toolEnd" ? [e] : []));
    assert.deepEqual(ends.map((e) => e.ok), [true, true, false]);
    assert.match(ends[2]!.preview, /have not read it/);
  });

  it("write_file does not count a read the conversation was rewound past, nor one of a conversation imported over it", { timeout: 120_000 }, async () => {
    const read = { toolCalls: [{ name: "read_file", arguments: { path: "calc.py" } }] };
    const replace = { toolCalls: [{ name: "write_file", arguments: { path: "calc.py", content: "x = 1\n" } }] };
    const s = await start({ turns: [read, { text: "Read it." }, replace, { text: "Tried." }, read, { text: "Read it." }, { text: "Hello." }, replace, { text: "Tried again." }] }, undefined, { approvalPolicy: "auto-edit" });
    const first = await run(s, "read calc.py");
    await s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: first.startCheckpoint!, conversationId: "conv1", messageIndex: 1 });
    await run(s, "replace it", { continues: true });
    await run(s, "read calc.py again", { continues: true });
    await run(s, "hi", { conversationId: "conv2" });
    const { markdown } = await s.runtime.connection.sendRequest(ConversationExportRequest, { conversationId: "conv2", title: "Hello" });
    await s.runtime.connection.sendRequest(ConversationImportRequest, { conversationId: "conv1", markdown });
    await run(s, "replace it", { continues: true });
    assert.equal(readFileSync(join(s.root, "calc.py"), "utf8"), ORIGINAL);
    const ends = s.events.flatMap((e) => (e.type === "toolEnd" ? [e] : []));
    assert.deepEqual(ends.map((e) => e.ok), [true, false, true, false]);
    for (const refused of [ends[1]!, ends[3]!]) assert.match(refused.preview, /have not read it/);
  });

  it("says once per conversation which large files its checkpoints leave out", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ text: "Hello." }, { text: "Again." }] });
    writeFileSync(join(s.root, "weights.gguf"), "GGUF");
    truncateSync(join(s.root, "weights.gguf"), 40 * 1024 * 1024);
    await run(s, "hi");
    const notices = () => s.events.filter((e) => e.type === "notice");
    assert.deepEqual(notices(), [{ type: "notice", level: "warning", text: "Checkpoints leave out 1 file over 32 MiB, so Undo and Restore cannot bring back a change a command makes to it: weights.gguf." }]);
    await run(s, "hi again");
    assert.equal(notices().length, 1, "not again for the same conversation");
  });

  it("Fix mode runs the project's tests at the end and reports them", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { toolCalls: [{ name: "finish", arguments: { summary: "add() adds now." } }] }] }, () => true);
    const result = await run(s, "add(2, 3) returns -1", { mode: "fix", conversationId: "fix1" });
    assert.equal(result.stopReason, "finished");
    assert.equal(result.message, "add() adds now.");
    assert.equal(result.tests?.passed, true, result.tests?.output);
    assert.match(result.tests!.command, /unittest/);
  });

  it("runs a Python project's tests with the interpreter the editor sends with the run, and asks naming it", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [{ name: "run_tests", arguments: {} }] }, { text: "Ran them." }] }, () => true);
    const env = join(tempDir("hearth-agent-python-"), "env");
    execFileSync("python3", ["-m", "venv", "--without-pip", env]);
    const python = { program: join(env, "bin", "python"), from: "the interpreter selected in VS Code's Python extension" };
    await run(s, "run the tests", { conversationId: "python1", python });
    const asked = s.events.find((e) => e.type === "approvalRequest" && e.call.name === "run_tests");
    assert.ok(asked?.type === "approvalRequest");
    assert.equal(asked.runs?.startsWith(`\`${python.program} -m unittest -q\` (test_*.py files (unittest), with ${python.from}: ${python.program}`), true, asked.runs);
    const ended = s.events.find((e) => e.type === "toolEnd" && e.callId === asked.call.id);
    assert.ok(ended?.type === "toolEnd");
    assert.equal(ended.preview.startsWith(`$ ${python.program} -m unittest -q  (`), true, ended.preview);
  });

  it("Stop cancels a run at once, mid-generation", { timeout: 120_000 }, async () => {
    const s = await start({ chunkDelayMs: 200, chunkSize: 1, turns: [{ text: "x".repeat(500) }] });
    const source = new CancellationTokenSource();
    const pending = run(s, "write a lot", {}, source);
    while (!s.events.some((e) => e.type === "model")) await new Promise((r) => setTimeout(r, 20));
    const cancelledAt = Date.now();
    source.cancel();
    const result = await pending;
    assert.equal(result.stopReason, "cancelled");
    assert.ok(Date.now() - cancelledAt < 5000, "the run ends long before the 100 s the script would take");
  });

  it("without a model the run ends with a model error that says what to do", { timeout: 120_000 }, async () => {
    const s = await start(undefined, () => true, { modelPreset: "custom" });
    const result = await run(s, "hello");
    assert.equal(result.stopReason, "model-error");
    assert.ok(result.message.length > 0);
    assert.deepEqual(s.events.map((e) => e.type), ["user", "end"]);
  });

  it("remember asks first; the approved memory is in the next conversation's system prompt and never in the review", { timeout: 120_000 }, async () => {
    const remember = (fact: string) => ({ name: "remember", arguments: { fact, title: fact.slice(0, 30) } });
    const s = await start(
      {
        turns: [
          { toolCalls: [remember("Run the tests with python3 -m unittest.")] },
          { text: "Noted." },
          { text: "Hello again." },
        ],
      },
      () => true,
    );
    const first = await run(s, "remember how to run the tests");
    assert.deepEqual(s.approvals, ["remember"], "a memory is asked for even though reads are free");
    assert.deepEqual(first.changedFiles, [], "memories are not part of the code review");
    const memoryDir = join(s.root, ".hearth", "memory");
    const files = readdirSync(memoryDir);
    assert.equal(files.length, 1);
    assert.match(readFileSync(join(memoryDir, files[0]!), "utf8"), /python3 -m unittest/);

    const denied = await start({ turns: [{ toolCalls: [remember("Never edit generated files.")] }, { text: "Not noted." }] }, () => false);
    await run(denied, "remember this");
    assert.equal(existsSync(join(denied.root, ".hearth")), false, "a denied memory writes nothing");

    await run(s, "hi", { conversationId: "conv2" });
    const saved = JSON.parse(readFileSync(join(s.storage, "conversations", "conv2.json"), "utf8")) as { messages: { role: string; content: string }[] };
    assert.match(saved.messages[0]!.content, /python3 -m unittest/, "the memory is in the new conversation's prompt");
  });

  it("an export of a conversation holding a secret file the user let the agent read names that file", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [{ name: "read_file", arguments: { path: ".env" } }] }, { text: "Read it." }] });
    writeFileSync(join(s.root, ".env"), "API_TOKEN=not-for-sharing\n");
    await run(s, "what is in .env?");
    assert.ok(s.approvals.includes("read_file"), "the read was asked for and allowed");
    const exported = await s.runtime.connection.sendRequest(ConversationExportRequest, { conversationId: "conv1", title: "Env" });
    assert.match(exported.markdown, /not-for-sharing/);
    assert.deepEqual(exported.secretFiles, [".env"]);
    await run(s, "plain question", { conversationId: "conv2" });
    assert.equal((await s.runtime.connection.sendRequest(ConversationExportRequest, { conversationId: "conv2", title: "Plain" })).secretFiles, undefined);
  });

  // The diff since the first message could not be made (here its checkpoint is gone; past its limit the same): it was left out without a word.
  it("an export whose diff cannot be made says so in the file and in its answer", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ text: "Hello." }] });
    await run(s, "hi");
    const exported = await s.runtime.connection.sendRequest(ConversationExportRequest, { conversationId: "conv1", title: "Gone", sinceCheckpoint: "0123456789abcdef0123456789abcdef01234567" });
    assert.match(exported.patchLeftOut ?? "", /^The diff of the changes is left out of this export: it could not be made \(Checkpoint 0123456789abcdef0123456789abcdef01234567 does not exist/);
    assert.match(exported.markdown, /\n## Changes\n\n_The diff of the changes is left out of this export: it could not be made /);
    await s.runtime.connection.sendRequest(ConversationImportRequest, { conversationId: "conv9", markdown: exported.markdown });
  });

  it("an export names a file the agent read through a link to a secret file (notes.txt → .env)", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [{ name: "read_file", arguments: { path: "notes.txt" } }] }, { text: "Read it." }] });
    writeFileSync(join(s.root, ".env"), "API_TOKEN=not-for-sharing\n");
    symlinkSync(".env", join(s.root, "notes.txt"));
    await run(s, "what is in notes.txt?");
    const exported = await s.runtime.connection.sendRequest(ConversationExportRequest, { conversationId: "conv1", title: "Notes" });
    assert.match(exported.markdown, /not-for-sharing/);
    assert.deepEqual(exported.secretFiles, ["notes.txt"]);
  });

  it("exports a conversation as Markdown that imports elsewhere and continues", { timeout: 120_000 }, async () => {
    const a = await start({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Fixed add." }] });
    const first = await run(a, "fix add please");
    const { markdown } = await a.runtime.connection.sendRequest(ConversationExportRequest, { conversationId: "conv1", title: "Fix add", sinceCheckpoint: first.startCheckpoint! });
    assert.match(markdown, /fix add please/);
    assert.match(markdown, /```diff[\s\S]*\+    return a \+ b/);

    const b = await start({ turns: [{ text: "Continuing where we left off." }] });
    const imported = await b.runtime.connection.sendRequest(ConversationImportRequest, { conversationId: "handed-over", markdown });
    assert.equal(imported.title, "Fix add");
    assert.deepEqual(imported.messages.map((m) => m.role), ["user", "assistant", "tool", "assistant"]);
    const next = await run(b, "and now mul?", { conversationId: "handed-over" });
    assert.equal(next.message, "Continuing where we left off.");
    const user = b.events.find((e) => e.type === "user");
    assert.ok(user?.type === "user" && user.messageIndex === 5, "the new message follows the imported ones");
    const saved = JSON.parse(readFileSync(join(b.storage, "conversations", "handed-over.json"), "utf8")) as { messages: { role: string; content: string }[] };
    assert.deepEqual(saved.messages.map((m) => m.role), ["system", "user", "assistant", "tool", "assistant", "user", "assistant"]);
    assert.ok(saved.messages[0]!.content.length > 0, "this workspace's system prompt was built for it");
    await assert.rejects(b.runtime.connection.sendRequest(ConversationImportRequest, { conversationId: "x", markdown: "# just notes\n" }), /not|export/i);
  });

  // The way back to a turn Hearth set aside (<id>.older-hearth-…json, named in the chat): Import Conversation of that file.
  it("imports a conversation file Hearth saved, which continues as a new chat", { timeout: 120_000 }, async () => {
    const a = await start({ turns: [{ text: "Hello there." }] });
    await run(a, "say hello");
    const file = readFileSync(join(a.storage, "conversations", "conv1.json"), "utf8");
    const b = await start({ turns: [{ text: "Back again." }] });
    const imported = await b.runtime.connection.sendRequest(ConversationImportRequest, { conversationId: "recovered", markdown: file });
    assert.equal(imported.title, "say hello");
    assert.deepEqual(imported.messages.map((m) => m.role), ["user", "assistant"]);
    assert.equal((await run(b, "again", { conversationId: "recovered" })).message, "Back again.");
  });

  it("a conversation deleted while it runs stays deleted when the run ends", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Done." }] });
    // The user deletes the chat while its edit waits for approval: the client stops the run and forgets the conversation.
    s.runtime.connection.onRequest(AgentApproveRequest, async () => {
      await s.runtime.connection.sendRequest(ConversationForgetRequest, { conversationId: "conv1" });
      return { approved: false };
    });
    await run(s, "fix add");
    const dir = join(s.storage, "conversations");
    assert.deepEqual(existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith("conv1")) : [], []);
    const exported = s.runtime.connection.sendRequest(ConversationExportRequest, { conversationId: "conv1", title: "t" });
    await assert.rejects(exported, /no messages/);
  });

  it("refuses to restore or import over a conversation while it runs", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Done." }, { toolCalls: [FIX_ADD] }, { text: "Again." }] });
    const first = await run(s, "fix add");
    const refusals: string[] = [];
    s.runtime.connection.onRequest(AgentApproveRequest, async () => {
      const answers = await Promise.allSettled([
        s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: first.startCheckpoint!, conversationId: "conv1", messageIndex: 1 }),
        s.runtime.connection.sendRequest(ConversationImportRequest, { conversationId: "conv1", markdown: "x" }),
      ]);
      for (const answer of answers) refusals.push(answer.status === "rejected" ? String((answer.reason as Error).message) : "done");
      return { approved: false };
    });
    await run(s, "once more");
    assert.equal(refusals.length, 2);
    for (const message of refusals) assert.match(message, /running/);
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /a \+ b/, "the files stay as the run left them");
  });

  it("a rewind into the middle of a turn restores nothing", { timeout: 120_000 }, async () => {
    const s = await start({ turns: [{ toolCalls: [FIX_ADD] }, { text: "Done." }] });
    const first = await run(s, "fix add");
    // Message 2 is the model's tool call: cutting there would leave the call without its result.
    const restore = s.runtime.connection.sendRequest(CheckpointRestoreRequest, { checkpoint: first.startCheckpoint!, conversationId: "conv1", messageIndex: 2 });
    await assert.rejects(restore, /nothing was restored/);
    assert.match(readFileSync(join(s.root, "calc.py"), "utf8"), /a \+ b/);
    const saved = JSON.parse(readFileSync(join(s.storage, "conversations", "conv1.json"), "utf8")) as { messages: unknown[] };
    assert.equal(saved.messages.length, 5);
  });

  it("finds files and symbols for @-mentions from the index", { timeout: 120_000 }, async () => {
    const s = await start(undefined);
    // No bound of its own: at load 10-20 the build can take longer than any fixed count of
    // waits, and a search before it is ready finds nothing (the test's timeout bounds it).
    while ((await s.runtime.connection.sendRequest(StatusRequest)).index.kind !== "ready") await new Promise((r) => setTimeout(r, 50));
    const hits = await s.runtime.connection.sendRequest(MentionSearchRequest, { query: "calc" });
    assert.deepEqual(hits.files.slice(0, 2), ["calc.py", "test_calc.py"]);
    const symbols = await s.runtime.connection.sendRequest(MentionSearchRequest, { query: "mu" });
    assert.ok(symbols.symbols.some((x) => x.name === "mul" && x.path === "calc.py" && x.line === 7), JSON.stringify(symbols));
  });
});
