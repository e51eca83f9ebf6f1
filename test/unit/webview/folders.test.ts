// Where Hearth works: with no folder open the agent has nothing to work on, so Send and
// Fix This Issue say so before anything is typed (completions still work); in a window of
// several folders the view names the one Hearth works in and offers Change….
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { type FakeHost, key, onlyButton, startApp, typeInto } from "./dom-env.ts";
import { READY_MODEL, conversation, status, transcript } from "./fixtures.ts";
import type { ChatApp } from "../../../src/webview/app.ts";
import { NO_FOLDER_REASON, agentBlocker, runBlocker } from "../../../src/protocol/readiness.ts";
import type { ModelState, RuntimeStatus } from "../../../src/protocol/status.ts";
import type { ToWebview } from "../../../src/protocol/webview.ts";
import { completionsLook } from "../../../src/extension/status-look.ts";

let host: FakeHost;
let root: HTMLElement;
let app: ChatApp;

const q = (selector: string) => root.querySelector<HTMLElement>(selector);
const textarea = () => q('textarea[aria-label="Message Hearth"]') as HTMLTextAreaElement;

function noFolder(model: ModelState = READY_MODEL): RuntimeStatus {
  return { ...status(model), folder: null };
}

function state(s: RuntimeStatus, extra: Partial<Extract<ToWebview, { type: "state" }>> = {}): ToWebview {
  return { type: "state", runtime: { kind: "running", status: s }, inlineCompletions: true, ...extra };
}

describe("no folder open", () => {
  beforeEach(() => {
    ({ root, host, app } = startApp());
    app.receive(conversation(transcript()));
  });

  it("Send is off with the reason beside it, and Open Folder… runs Hearth: Choose Folder (VS Code's Open Folder there)", () => {
    app.receive(state(noFolder()));
    const send = onlyButton(root, "Send");
    assert.equal(send.disabled, true);
    assert.equal(q("[data-blocked]")?.textContent, NO_FOLDER_REASON);
    typeInto(textarea(), "explain this repo");
    key(textarea(), "Enter");
    assert.equal(host.sent("send").length, 0, "nothing is sent to an agent that has no folder");
    assert.equal(q('[data-folder="none"]')?.textContent, NO_FOLDER_REASON);
    app.receive(state({ ...noFolder(), index: { kind: "idle", detail: "no folder is open" } }));
    assert.equal(q("[data-index]")?.textContent, "No folder is open", "the index's line reads as a sentence too");
    onlyButton(root, "Open Folder…").click();
    assert.deepEqual(host.sent("runCommand").map((m) => m.command), ["chooseFolder"]);
  });

  it("a folder opened (the runtime reports one) turns Send on and the card goes", () => {
    app.receive(state(noFolder()));
    app.receive(state(status(READY_MODEL)));
    assert.equal(onlyButton(root, "Send").disabled, false);
    assert.equal(q('[data-folder="none"]'), null);
  });

  it("without a model too, the model's reason comes first and both cards show", () => {
    app.receive(state(noFolder({ kind: "none", detail: "nothing configured" })));
    assert.match(q("[data-blocked]")?.textContent ?? "", /^No model yet/);
    assert.ok(q('[data-model="none"]'));
    assert.ok(q('[data-folder="none"]'));
  });

  it("the rule: the agent needs a folder, completions do not", () => {
    const running = { kind: "running", status: noFolder() } as const;
    assert.equal(runBlocker(running), undefined, "completions and VS Code's chat need only a model");
    assert.deepEqual(agentBlocker(running), { reason: NO_FOLDER_REASON, needsModel: false, needsFolder: true });
    assert.equal(agentBlocker({ kind: "running", status: status(READY_MODEL) }), undefined);
    const look = completionsLook({ runtime: running, enabled: true, snoozedMs: 0, summary: "" });
    assert.match(look.text, /Completions: on/);
  });
});

describe("several folders", () => {
  beforeEach(() => {
    ({ root, host, app } = startApp());
    app.receive(conversation(transcript()));
  });

  it("names the folder Hearth works in, and Change… runs Hearth: Choose Folder", () => {
    app.receive(state(status(READY_MODEL), { folder: "api (2 of 3 folders)" }));
    const line = q("[data-folder]")!;
    assert.equal(line.textContent, "Working in api (2 of 3 folders)");
    onlyButton(root, "Change…").click();
    assert.deepEqual(host.sent("runCommand").map((m) => m.command), ["chooseFolder"]);
    assert.equal(onlyButton(root, "Send").disabled, false);
  });

  it("one folder: no folder line", () => {
    app.receive(state(status(READY_MODEL)));
    assert.equal(q("[data-folder]"), null);
    assert.equal(root.textContent?.includes("Change…"), false);
  });
});
