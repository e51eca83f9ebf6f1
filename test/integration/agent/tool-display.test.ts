// A tool's display strings live on its definition and reach its card without any other
// change: a tool this test defines (unknown to the webview, the extension and the agent)
// runs in a chat turn (runConversationTurn, the editor's path, with the scripted backend),
// and the events it produces, replayed into the real chat page (jsdom), show its title,
// its "Hearth wants to …" and its key argument.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace, type Tool } from "../../../src/tools/index.ts";
import { startApp } from "../../unit/webview/dom-env.ts";
import { conversation, event, transcript } from "../../unit/webview/fixtures.ts";

const FIXTURE = resolve(import.meta.dirname, "../../fixtures/agent/python-calc");

function folder(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A tool Hearth has never heard of, with its own display. */
const publishTool: Tool = {
  effect: "command",
  display: { title: "Publish docs", wouldLikeTo: "publish {site} to {target}", keyArguments: ["site"], body: "arguments" },
  definition: {
    name: "publish_docs",
    description: "Publish the documentation site.",
    parameters: { type: "object", properties: { site: { type: "string" }, target: { type: "string" } }, required: ["site", "target"] },
  },
  async execute(input) {
    return { text: `published ${String(input.site)}` };
  },
};

describe("tool display strings", () => {
  it("a tool's own display shows on its card, asking and done, with nothing changed outside its definition", { timeout: 120_000 }, async (t) => {
    const root = folder(t, "hearth-display-ws-");
    cpSync(FIXTURE, root, { recursive: true });
    const backend = new ScriptedBackend({
      turns: [{ text: "Publishing.", toolCalls: [{ name: "publish_docs", arguments: { site: "docs", target: "staging" } }] }, { text: "Published." }],
    });
    const events: AgentWireEvent[] = [];
    const { root: page, app } = startApp();
    app.receive(conversation(transcript([], { runId: "r1" })));
    const card = () => page.querySelector<HTMLElement>('[data-tool="publish_docs"]');
    let asked: { title: string; question: string; args: string } | undefined;
    await runConversationTurn({
      mode: "chat",
      text: "publish the docs",
      messages: [],
      workspace: new DiskWorkspace(root),
      checkpoints: await CheckpointStore.open({ workspaceRoot: root, storageDir: folder(t, "hearth-display-state-") }),
      backend: async () => backend,
      policy: "ask",
      approve: async () => {
        // What the page shows while the call waits for the user: the events so far, replayed.
        for (const e of events.splice(0)) app.receive(event(e));
        const el = card()!;
        asked = { title: el.querySelector(".tool-name")!.textContent!, question: el.querySelector(".tool-ask")!.textContent!, args: el.querySelector(".tool-args")!.textContent! };
        return true;
      },
      onEvent: (e) => events.push(e),
      signal: new AbortController().signal,
      extraTools: [publishTool],
    });
    assert.deepEqual(asked, { title: "Publish docs", question: "Hearth wants to publish docs to staging.", args: "site docs" });
    for (const e of events.splice(0)) app.receive(event(e));
    const done = card()!;
    assert.equal(done.dataset.status, "done");
    assert.equal(done.querySelector(".tool-name")?.textContent, "Publish docs");
    // The label names the step by its title and first key argument (a list of cards must tell steps apart).
    assert.equal(done.getAttribute("aria-label"), "Publish docs docs: Done");
    assert.match(done.querySelector("details pre")?.textContent ?? "", /"target": "staging"/, "the arguments not on the first line are in the body");
  });
});
