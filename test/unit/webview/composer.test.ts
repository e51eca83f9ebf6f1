import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { type FakeHost, key, onlyButton, startApp, tick, typeInto } from "./dom-env.ts";
import { conversation, stateMessage, transcript } from "./fixtures.ts";
import type { ChatApp, SavedState } from "../../../src/webview/app.ts";
import { mentionQueryAt } from "../../../src/webview/mentions.ts";

let host: FakeHost;
let root: HTMLElement;
let app: ChatApp;

function start(saved?: unknown): void {
  ({ root, host, app } = startApp(saved));
}

const textarea = () => root.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message Hearth"]')!;
const options = () => [...root.querySelectorAll<HTMLElement>('[role="listbox"] [role="option"]')];
const chips = () => [...root.querySelectorAll<HTMLElement>(".composer-chips .chip")].map((c) => c.querySelector(".chip-label")?.textContent);

describe("webview: composer", () => {
  beforeEach(() => {
    start();
    app.receive(stateMessage());
    app.receive(conversation(transcript()));
  });

  it("Enter sends the text with the chosen mentions and clears the box; Shift+Enter does not send", () => {
    typeInto(textarea(), "first line");
    const shift = key(textarea(), "Enter", { shiftKey: true });
    assert.equal(shift.defaultPrevented, false, "Shift+Enter is a newline");
    assert.equal(host.sent("send").length, 0);
    onlyButton(root, "Add Selection").click();
    onlyButton(root, "Add Problems").click();
    assert.deepEqual(chips(), ["Selection", "Problems"]);
    const enter = key(textarea(), "Enter");
    assert.ok(enter.defaultPrevented);
    assert.deepEqual(host.sent("send"), [{ type: "send", text: "first line", mentions: [{ kind: "selection" }, { kind: "problems" }] }]);
    assert.equal(textarea().value, "");
    assert.deepEqual(chips(), []);
  });

  it("does not send an empty message, nor while a reply runs", () => {
    key(textarea(), "Enter");
    typeInto(textarea(), "   ");
    key(textarea(), "Enter");
    app.receive(conversation(transcript([], { runId: "r1" })));
    typeInto(textarea(), "queued?");
    key(textarea(), "Enter");
    assert.equal(host.sent("send").length, 0);
    assert.equal(textarea().value, "queued?", "the draft is kept");
  });

  it("does not send attachments without words: the chips stay and the box says what to type", () => {
    onlyButton(root, "Add Selection").click();
    key(textarea(), "Enter");
    assert.equal(host.sent("send").length, 0, "the runtime refuses a message with no words; it was sent and lost");
    assert.deepEqual(chips(), ["Selection"], "the attachment is kept");
    const note = root.querySelector<HTMLElement>(".composer-note")!;
    assert.equal(note.hidden, false);
    assert.equal(note.getAttribute("role"), "status");
    assert.match(note.textContent!, /^Type what Hearth should do with Selection/);
    typeInto(textarea(), "explain this");
    assert.equal(note.hidden, true, "the note goes once the user types");
    key(textarea(), "Enter");
    assert.deepEqual(host.sent("send"), [{ type: "send", text: "explain this", mentions: [{ kind: "selection" }] }]);
  });

  it("does not send a message longer than any model's context (a pasted log): the text stays and the box says how long it is", () => {
    const log = "2026-12-07 INFO request served\n".repeat(40_000); // 1.24 million characters
    typeInto(textarea(), `why does this fail?\n${log}`);
    key(textarea(), "Enter");
    assert.equal(host.sent("send").length, 0);
    assert.equal(textarea().value.length, log.length + 20, "the paste is kept to cut down");
    const note = root.querySelector<HTMLElement>(".composer-note")!;
    assert.equal(note.hidden, false);
    assert.equal(
      note.textContent,
      "The message is 1,240,019 characters; the largest context a model here can have (262,144 tokens) holds about 1,048,576. Paste the part that matters (an error and the lines around it), not a whole log or file.",
    );
    typeInto(textarea(), `why does this fail?\n${log.slice(0, 5_000)}`);
    key(textarea(), "Enter");
    assert.equal(host.sent("send").length, 1, "a shorter paste goes");
  });

  it("a pasted or dropped image (or other file) says the model reads text only; the text pasted beside it goes in as usual", () => {
    typeInto(textarea(), "what is wrong here?");
    const transfer = (files: number, text?: string) => ({
      types: [...(text === undefined ? [] : ["text/plain"]), ...(files ? ["Files"] : [])],
      items: [...Array.from({ length: files }, () => ({ kind: "file", type: "image/png" })), ...(text === undefined ? [] : [{ kind: "string", type: "text/plain" }])],
      getData: (type: string) => (type === "text/plain" ? (text ?? "") : ""),
    });
    const fire = (type: "paste" | "drop", data: ReturnType<typeof transfer>) => {
      const event = new window.Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(event, type === "paste" ? "clipboardData" : "dataTransfer", { value: data });
      textarea().dispatchEvent(event);
      return event;
    };
    const note = () => root.querySelector<HTMLElement>(".composer-note")!;
    const pasted = fire("paste", transfer(1));
    assert.equal(pasted.defaultPrevented, true);
    assert.equal(note().hidden, false, "a screenshot pasted did nothing and said nothing");
    assert.equal(note().textContent, "Hearth sends the model text only: an image or other file cannot go into a message. Paste its text, or attach a project file with @.");
    assert.equal(textarea().value, "what is wrong here?", "the draft is kept");
    typeInto(textarea(), "what is wrong here? ");
    assert.equal(note().hidden, true);
    const dropped = fire("drop", transfer(2));
    assert.equal(dropped.defaultPrevented, true, "a file dropped from the desktop is not opened in place of the chat");
    assert.equal(note().hidden, false);
    typeInto(textarea(), "what is wrong here? ");
    const text = fire("paste", transfer(0, "TypeError: x is undefined"));
    assert.equal(text.defaultPrevented, false, "text is pasted by the browser as always");
    assert.equal(note().hidden, true);
    const both = fire("paste", transfer(1, "TypeError: x is undefined")); // a spreadsheet's cells come as text and a picture
    assert.equal(both.defaultPrevented, false);
    assert.equal(note().hidden, true);
    // Dropped beside the box (Shift held, on the conversation): VS Code's host only stops the
    // browser opening it, so nothing happened and nothing was said.
    typeInto(textarea(), "what is wrong here?");
    const beside = new window.Event("drop", { bubbles: true, cancelable: true });
    Object.defineProperty(beside, "dataTransfer", { value: transfer(1) });
    root.querySelector(".scroller")!.dispatchEvent(beside);
    assert.equal(beside.defaultPrevented, true);
    assert.equal(note().hidden, false, "a file dropped on the conversation said nothing");
    assert.equal(textarea().value, "what is wrong here?");
  });

  it("a pasted terminal log goes in as the terminal showed it: no colour codes, a progress bar's last frame, no NUL", () => {
    typeInto(textarea(), "npm install fails:\n");
    // An npm install log saved with colours (FORCE_COLOR, a CI's raw log): the box turned each \r
    // frame into a line of its own and kept every ESC [ … m, all of it sent to the model.
    const frames = Array.from({ length: 300 }, (_, i) => `\r${"#".repeat(Math.floor(i / 10))}${".".repeat(30 - Math.floor(i / 10))} ${String(i).padStart(3)}/300 reify:lodash`).join("");
    const log = `\x1b[32madded\x1b[0m 3 packages\n${frames}\r\x1b[K\x1b[1mnpm\x1b[22m \x1b[31mERR!\x1b[39m code E404\u0000\n`;
    const event = new window.Event("paste", { bubbles: true, cancelable: true });
    Object.defineProperty(event, "clipboardData", { value: { types: ["text/plain"], items: [{ kind: "string", type: "text/plain" }], getData: (type: string) => (type === "text/plain" ? log : "") } });
    textarea().dispatchEvent(event);
    assert.equal(event.defaultPrevented, true, "the browser's paste would keep the codes and a line per frame");
    assert.equal(textarea().value, "npm install fails:\nadded 3 packages\nnpm ERR! code E404\n");
    const note = root.querySelector<HTMLElement>(".composer-note")!;
    assert.equal(note.hidden, false);
    assert.equal(note.textContent, `The paste held terminal control codes (colours, progress-bar redraws): it went in as a terminal shows it, 36 of its ${log.length.toLocaleString("en-US")} characters.`);
    key(textarea(), "Enter");
    assert.deepEqual(host.sent("send"), [{ type: "send", text: "npm install fails:\nadded 3 packages\nnpm ERR! code E404", mentions: [] }]);
    // Text with Windows line ends and nothing else is the browser's to paste, as always.
    const plain = new window.Event("paste", { bubbles: true, cancelable: true });
    Object.defineProperty(plain, "clipboardData", { value: { types: ["text/plain"], items: [{ kind: "string", type: "text/plain" }], getData: () => "a\r\nb\r\n" } });
    textarea().dispatchEvent(plain);
    assert.equal(plain.defaultPrevented, false);
  });

  it("@-mentions: asks after typing, shows the answer, ↓ and Enter choose, the chip is removable", async () => {
    typeInto(textarea(), "Look at @sess");
    await tick(5);
    const [query] = host.sent("mentionQuery");
    assert.equal(query?.query, "sess");
    app.receive({ type: "mentions", requestId: query!.requestId - 1, items: [{ kind: "file", path: "stale.ts" }] });
    assert.equal(options().length, 0, "a stale answer is dropped");
    app.receive({
      type: "mentions",
      requestId: query!.requestId,
      items: [
        { kind: "file", path: "src/session.ts" },
        { kind: "symbol", name: "refreshSession", symbolKind: "function", path: "src/session.ts", line: 12 },
      ],
    });
    assert.equal(options().length, 2);
    assert.equal(options()[0]!.getAttribute("aria-selected"), "true");
    key(textarea(), "ArrowDown");
    assert.equal(options()[1]!.getAttribute("aria-selected"), "true");
    assert.equal(textarea().getAttribute("aria-activedescendant"), options()[1]!.id);
    key(textarea(), "ArrowDown");
    assert.equal(options()[0]!.getAttribute("aria-selected"), "true", "wraps around");
    key(textarea(), "ArrowUp");
    const enter = key(textarea(), "Enter");
    assert.ok(enter.defaultPrevented);
    assert.equal(host.sent("send").length, 0, "Enter chose, it did not send");
    assert.equal(options().length, 0, "popup closed");
    assert.equal(textarea().value, "Look at ");
    assert.deepEqual(chips(), ["refreshSession"]);

    typeInto(textarea(), "Look at @ma");
    await tick(5);
    app.receive({ type: "mentions", requestId: host.sent("mentionQuery").at(-1)!.requestId, items: [{ kind: "file", path: "main.ts" }] });
    key(textarea(), "Tab");
    assert.deepEqual(chips(), ["refreshSession", "main.ts"]);

    onlyButton(root, "Remove refreshSession").click();
    assert.deepEqual(chips(), ["main.ts"]);
    key(textarea(), "Enter");
    assert.deepEqual(host.sent("send").at(-1), { type: "send", text: "Look at", mentions: [{ kind: "file", path: "main.ts" }] });
  });

  it("Escape closes the popup without choosing; typing past the mention closes it too", async () => {
    typeInto(textarea(), "@x");
    await tick(5);
    app.receive({ type: "mentions", requestId: host.sent("mentionQuery").at(-1)!.requestId, items: [{ kind: "file", path: "x.ts" }] });
    assert.equal(options().length, 1);
    key(textarea(), "Escape");
    assert.equal(options().length, 0);
    assert.equal(textarea().hasAttribute("aria-activedescendant"), false);
    assert.deepEqual(chips(), []);
    typeInto(textarea(), "@x and more");
    await tick(5);
    assert.equal(host.sent("mentionQuery").length, 1, "no query once the mention is done");
  });

  it("@sel offers the selection and @prob the problems, before the index's answers", async () => {
    typeInto(textarea(), "@prob");
    await tick(5);
    app.receive({ type: "mentions", requestId: host.sent("mentionQuery").at(-1)!.requestId, items: [{ kind: "file", path: "problem.ts" }] });
    assert.deepEqual(options().map((o) => o.querySelector(".mention-label")?.textContent), ["Problems", "problem.ts"]);
    key(textarea(), "Enter");
    assert.deepEqual(chips(), ["Problems"]);
  });

  it("finds the @query before the caret only after a space or at the start", () => {
    assert.deepEqual(mentionQueryAt("see @src/a", 10), { start: 4, query: "src/a" });
    assert.deepEqual(mentionQueryAt("@", 1), { start: 0, query: "" });
    assert.equal(mentionQueryAt("mail me@host", 12), undefined);
    assert.equal(mentionQueryAt("@a b", 4), undefined);
  });

  it("prefill puts text and mentions in the box", () => {
    app.receive({ type: "prefill", text: "Explain this", mentions: [{ kind: "selection" }] });
    assert.equal(textarea().value, "Explain this");
    assert.deepEqual(chips(), ["Selection"]);
  });
});

describe("webview: state across hide/show", () => {
  it("saves the transcript, the draft and the mentions, and restores them from getState", async () => {
    start();
    app.receive(stateMessage());
    app.receive(conversation(transcript([{ kind: "user", id: "u1", text: "saved question" }], { context: { usedTokens: 90, contextSize: 100 } })));
    typeInto(textarea(), "half-written");
    onlyButton(root, "Add Problems").click();
    await tick(5);
    const saved = host.state as SavedState;
    assert.equal(saved.transcript?.items[0]?.id, "u1");
    assert.deepEqual(saved.draft, { text: "half-written", mentions: [{ kind: "problems" }] });

    start(saved); // the view was hidden and shown again: a new page with VS Code's saved state
    assert.equal(root.querySelector('[data-id="u1"] .user-text')?.textContent, "saved question");
    assert.equal(textarea().value, "half-written");
    assert.deepEqual(chips(), ["Problems"]);
    assert.equal(root.querySelector<HTMLElement>("[data-context-meter]")?.dataset.level, "warn");
    assert.ok(root.querySelector('[data-state="ready"]'), "the last state shows at once");
    app.ready();
    assert.deepEqual(host.posted.at(-1), { type: "ready" });
  });

  it("ignores a saved state it does not know", () => {
    start({ type: "state", something: "old format" });
    assert.equal(root.querySelectorAll("[data-item]").length, 0);
    assert.equal(textarea().value, "");
  });
});

// ARIA in HTML allows a textarea no role, so the message box cannot be a combobox: it is a
// textbox with aria-autocomplete="list" that controls the listbox and points at its active
// option. aria-expanded is a combobox's state, not a textbox's (a screen reader would say
// "collapsed" of a text field, or the attribute is an ARIA error and ignored).
describe("screen reader: the message box and its @-mention list", () => {
  beforeEach(() => {
    start();
    app.receive(stateMessage());
    app.receive(conversation(transcript()));
  });

  async function mention(query: string, paths: string[]): Promise<void> {
    typeInto(textarea(), `@${query}`);
    await tick(); // the mention debounce is 0 ms in tests: its timer runs first
    app.receive({ type: "mentions", requestId: host.sent("mentionQuery").at(-1)!.requestId, items: paths.map((path) => ({ kind: "file" as const, path })) });
  }

  it("is a textbox that controls the list: no aria-expanded, and the active option while the list is open", async () => {
    assert.equal(textarea().hasAttribute("aria-expanded"), false, "aria-expanded is not a textbox's state");
    assert.equal(textarea().hasAttribute("role"), false);
    assert.equal(textarea().getAttribute("aria-autocomplete"), "list");
    const list = root.querySelector(`#${textarea().getAttribute("aria-controls")}`);
    assert.equal(list?.getAttribute("role"), "listbox");
    await mention("ca", ["calc.py", "cache.ts"]);
    assert.equal(textarea().hasAttribute("aria-expanded"), false);
    const active = root.querySelector(`#${textarea().getAttribute("aria-activedescendant")}`);
    assert.equal(active?.closest('[role="listbox"]'), list);
    assert.equal(active?.querySelector(".mention-label")?.textContent, "calc.py");
    key(textarea(), "Escape");
    assert.equal(textarea().hasAttribute("aria-activedescendant"), false);
    assert.equal(textarea().hasAttribute("aria-expanded"), false);
  });

  it("a query that matches nothing is said: the list's only option, 'No files or symbols match', is the active one", async () => {
    await mention("zzz", []);
    const active = root.querySelector(`#${textarea().getAttribute("aria-activedescendant")}`);
    assert.equal(active?.getAttribute("role"), "option");
    assert.equal(active?.getAttribute("aria-disabled"), "true");
    assert.equal(active?.textContent, "No files or symbols match “zzz”");
  });
});
