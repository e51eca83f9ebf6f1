// A command refused or failed for want of a running runtime offers the next step as a button
// (Restart Runtime, Show Log, Open Folder…), not only words telling the user to run a command.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { blockerActions, commandFailure, importBlocker, indexedMessage, reindexBlocker, requestFailure, requestNotice, RuntimeNotRunningError, SettingsNotWritten } from "../../../src/extension/request-failure.ts";
import type { RuntimeStatus } from "../../../src/protocol/status.ts";
import { agentBlocker } from "../../../src/protocol/readiness.ts";

describe("a request the runtime could not answer (Reindex Workspace, Download Model, Download CUDA)", () => {
  it("a stopped runtime: the message, and Restart Runtime first", () => {
    const failure = requestFailure(new RuntimeNotRunningError("Hearth's runtime is stopped.", true));
    assert.equal(failure.message, "Hearth's runtime is stopped.");
    assert.deepEqual(failure.actions, ["Restart Runtime", "Show Log"]);
  });

  it("a runtime starting, or one that stopped mid-request (restarted by itself): the log", () => {
    assert.deepEqual(requestFailure(new RuntimeNotRunningError("Hearth's runtime is starting or restarting; try again in a moment.")).actions, ["Show Log"]);
  });

  it("the runtime's own refusal (the index not ready) is said as it is, with the log", () => {
    const refusal = Object.assign(new Error("The workspace cannot be indexed: indexing."), { code: -31001 });
    assert.deepEqual(requestFailure(refusal), { message: "The workspace cannot be indexed: indexing.", actions: ["Show Log"] });
  });

  it("any other error points at the log with a button, not in words only", () => {
    assert.deepEqual(requestFailure(new Error("boom")), { message: "boom", actions: ["Show Log"] });
    assert.deepEqual(requestFailure("odd"), { message: "odd", actions: ["Show Log"] });
  });
});

describe("a run refused before it starts (Fix This Issue)", () => {
  it("a stopped runtime offers Restart Runtime, as its reason says", () => {
    const blocker = agentBlocker({ kind: "failed", message: "killed by SIGKILL" })!;
    assert.deepEqual(blockerActions(blocker), ["Restart Runtime", "Show Log"]);
  });

  it("a runtime starting offers the log; no model, the three ways to get one; no folder, Open Folder…", () => {
    assert.deepEqual(blockerActions(agentBlocker({ kind: "starting" })!), ["Show Log"]);
    assert.deepEqual(blockerActions({ reason: "No model yet.", needsModel: true }), ["Download Model…", "Choose GGUF File…", "Use Server URL…"]);
    assert.deepEqual(blockerActions({ reason: "Open a folder first.", needsModel: false, needsFolder: true }), ["Open Folder…"]);
  });
});

describe("Fix This Issue with a model that did not load", () => {
  const status = { folder: "/w", model: { kind: "error", source: { kind: "file", modelPath: "/m/x.gguf" }, message: "/m/x.gguf is not a GGUF model" } } as unknown as RuntimeStatus;

  it("says why in the notification, not 'see the card above' (a notification has no card above it), with the ways to another model", () => {
    const blocker = agentBlocker({ kind: "running", status }, "notice")!;
    assert.equal(blocker.reason, "The model did not load: /m/x.gguf is not a GGUF model. Choose another model, or fix that and restart the runtime.");
    assert.deepEqual(blockerActions(blocker), ["Download Model…", "Choose GGUF File…", "Use Server URL…"]);
  });

  it("the chat view, where the card with the error is above Send, still points at it", () => {
    assert.match(agentBlocker({ kind: "running", status })!.reason, /see the card above/);
  });
});

describe("Fix This Issue while the runtime is not up, or with no model: the notification's words fit a notification", () => {
  const none = { folder: "/w", model: { kind: "none" } } as unknown as RuntimeStatus;
  const notice = (runtime: Parameters<typeof agentBlocker>[0]) => agentBlocker(runtime, "notice")!.reason;

  it("says nothing of Send or chatting, which a Fix This Issue notification has no part in", () => {
    assert.equal(notice({ kind: "starting" }), "Hearth is starting; try again once the runtime is up.");
    assert.equal(notice({ kind: "restarting", attempt: 1, inSeconds: 2, reason: "crashed" }), "Hearth's runtime is restarting; try again once it is back.");
    assert.equal(notice({ kind: "failed", message: "killed by SIGKILL" }), "Hearth's runtime stopped. Restart it (Hearth: Restart Runtime), then try again.");
    assert.equal(notice({ kind: "running", status: none }), "No model yet. Download one, choose a GGUF file, or connect to a server.");
  });

  it("the chat view keeps its words about Send and chatting", () => {
    assert.match(agentBlocker({ kind: "starting" })!.reason, /Send works once the runtime is up/);
    assert.match(agentBlocker({ kind: "failed", message: "x" })!.reason, /to chat again/);
    assert.match(agentBlocker({ kind: "running", status: none })!.reason, /to chat\.$/);
  });
});

describe("Reindex Workspace in a window with no folder", () => {
  const status = (folder: string | null) => ({ folder }) as unknown as RuntimeStatus;

  it("refuses before asking the runtime, saying to open a folder, with Open Folder…", () => {
    const blocker = reindexBlocker({ kind: "running", status: status(null) })!;
    assert.equal(blocker.reason, "Hearth: open a folder first; Hearth indexes the files of a folder.");
    assert.deepEqual(blockerActions(blocker), ["Open Folder…"]);
  });

  it("asks the runtime when a folder is open, or when it is not running (its answer says so)", () => {
    assert.equal(reindexBlocker({ kind: "running", status: status("/w") }), undefined);
    assert.equal(reindexBlocker({ kind: "failed", message: "x" }), undefined);
  });
});

describe("Import Conversation in a window with no folder", () => {
  it("refuses before the file is chosen, saying it can be imported once a folder is open, with Open Folder…", () => {
    // Imported there, the chat could not continue it (no folder for the agent), and opening a folder reloads the window: it was gone.
    const blocker = importBlocker(undefined)!;
    assert.equal(blocker.reason, "Hearth: open a folder first; a conversation can be imported once a folder is open, and its chat continues there (the agent reads and changes that folder's files). In a window with no folder, the imported chat could not go on.");
    assert.deepEqual(blockerActions(blocker), ["Open Folder…"]);
  });

  it("imports where Hearth works in a folder, whatever the runtime's state (the import says its own failure)", () => {
    assert.equal(importBlocker("/w/api"), undefined);
  });
});

describe("Reindex Workspace's answer", () => {
  it("names the folder in a multi-root window, where the user cannot tell which of them was indexed", () => {
    assert.equal(indexedMessage(120, "api", 2), "Hearth indexed 120 files in api (the folder Hearth works in; Hearth: Choose Folder… changes it).");
    assert.equal(indexedMessage(1, "web", 3), "Hearth indexed 1 file in web (the folder Hearth works in; Hearth: Choose Folder… changes it).");
  });

  it("with one folder open, the count alone", () => {
    assert.equal(indexedMessage(120, "api", 1), "Hearth indexed 120 files.");
  });
});

describe("a command that throws (caught for every command, not left to VS Code's 'command resulted in an error')", () => {
  it("a user settings file VS Code cannot write (Select Model with a broken settings.json): said with Open User Settings, since VS Code's own notice comes only sometimes", () => {
    // As updateSetting throws VS Code's refusal on.
    const words = "Unable to write into user settings. Please open the user settings to correct errors/warnings in it and try again.";
    const error = SettingsNotWritten.from(new Error(words));
    assert.deepEqual(commandFailure("Select Model…", error), { message: `Hearth: Select Model did not finish: ${words}`, actions: ["Open User Settings"] });
    // The same through a command's own catch (Download Model selecting the model it downloaded).
    assert.deepEqual(requestNotice(error), { message: words, actions: ["Open User Settings"] });
    assert.deepEqual(requestNotice(new Error("the index is not ready")), requestFailure(new Error("the index is not ready")));
  });

  it("the same in any display language: VS Code's error reaches the extension named CodeExpectedError, its words translated", () => {
    // As VS Code's RPC hands a ConfigurationEditingError to the extension host: a plain Error with
    // the name of its ErrorNoTelemetry base; its code does not cross. The words: VS Code's German pack.
    const refusal = Object.assign(new Error("In die Benutzereinstellungen kann nicht geschrieben werden. Öffnen Sie die Benutzereinstellungen, um die Fehler/Warnungen zu korrigieren, und versuchen Sie es erneut."), { name: "CodeExpectedError" });
    // As updateSetting throws it on.
    const error = SettingsNotWritten.from(refusal);
    assert.ok(error instanceof SettingsNotWritten);
    assert.deepEqual(commandFailure("Select Model…", error)?.actions, ["Open User Settings"]);
    assert.deepEqual(requestNotice(error)?.actions, ["Open User Settings"]);
    const english = SettingsNotWritten.from(new Error("Unable to write into user settings. Please open the user settings to correct errors/warnings in it and try again."));
    assert.ok(english instanceof SettingsNotWritten);
  });

  it("VS Code's other expected errors, outside a settings write, are said: VS Code shows none of them itself", () => {
    // A CodeExpectedError from another API (a task that cannot run) reaching a command's catch.
    const error = Object.assign(new Error("Es gibt keine Aufgabe mit diesem Namen."), { name: "CodeExpectedError" });
    assert.deepEqual(commandFailure("Select Model…", error), { message: "Hearth: Select Model did not finish: Es gibt keine Aufgabe mit diesem Namen.", actions: ["Show Log"] });
    assert.deepEqual(requestNotice(error), requestFailure(error));
    // updateSetting hands on a failure that is not VS Code's refusal as it was.
    const other = new Error("the extension host is shutting down");
    assert.equal(SettingsNotWritten.from(other), other);
  });

  it("anything else (a memory file deleted meanwhile): the reason and the log; a stopped runtime, Restart Runtime", () => {
    assert.deepEqual(commandFailure("Forget Project Memory…", new Error("EntryNotFound (FileSystemError): x.md")), {
      message: "Hearth: Forget Project Memory did not finish: EntryNotFound (FileSystemError): x.md",
      actions: ["Show Log"],
    });
    assert.deepEqual(commandFailure("Reindex Workspace", new RuntimeNotRunningError("Hearth's runtime is stopped.", true))?.actions, ["Restart Runtime", "Show Log"]);
  });
});
