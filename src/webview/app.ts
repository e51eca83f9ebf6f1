/**
 * The chat view's state and message handling: what the extension posts goes in through
 * `receive`, the pieces (status header, history, transcript, composer) render it, and
 * the state (transcript, draft, chosen mentions) is kept with the host so the view comes
 * back as it was after being hidden.
 */
import { agentBlocker } from "../protocol/readiness.ts";
import { type Transcript, type ConversationSummary, applyTranscriptEvent } from "../protocol/transcript.ts";
import type { ToWebview } from "../protocol/webview.ts";
import { globalTimers, type Timers } from "../protocol/wait.ts";
import { Composer, type Draft } from "./composer.ts";
import { Announcer, type Brief, announcements, brief } from "./announcer.ts";
import { contextMeter } from "./context-meter.ts";
import { button, h, spinner, updateChildren } from "./dom.ts";
import { HistoryPanel } from "./history.ts";
import type { Post, WebviewHost } from "./host.ts";
import { type StateMessage, folderLine, metaLine, noModelCard, statusCards, statusKind, statusAlert, statusLine, statusSentence } from "./model-panel.ts";
import type { ToolCardContext } from "./tool-card.ts";
import { TranscriptView } from "./transcript-view.ts";

/** What survives hiding the view (VS Code keeps it as JSON). */
export interface SavedState {
  readonly version: 1;
  readonly state?: StateMessage;
  readonly transcript?: Transcript;
  readonly history: readonly ConversationSummary[];
  readonly draft: Draft;
}

export interface AppOptions {
  /** Delay before the state is saved (several changes in a burst are saved once). */
  readonly saveDelayMs?: number;
  readonly mentionDebounceMs?: number;
  /** Runs a streamed-text render before the next paint (default: requestAnimationFrame), so a burst of deltas renders once. */
  readonly schedule?: (render: () => void) => void;
  /** The timers the saves wait on (default: the page's). */
  readonly timers?: Timers;
}

/**
 * How long a streamed reply's text waits to be saved. VS Code's setState serializes the whole
 * state at each call (a 200-turn conversation of 1,000 cards is some 3.6 MB): saved 300 ms
 * after each delta, a minute's reply was 200 such copies, on the thread that draws the reply.
 * The extension sends the conversation anew when the view is shown again; the page saves at once as it hides.
 */
const STREAMED_SAVE_DELAY_MS = 5_000;

export class ChatApp {
  private state: StateMessage | undefined;
  private transcript: Transcript | undefined;
  private history: readonly ConversationSummary[] = [];
  private readonly post: Post;
  private readonly ctx: ToolCardContext;
  private readonly header: HTMLElement;
  private readonly statusArea: HTMLElement;
  private readonly historyPanel: HistoryPanel;
  private readonly transcriptView: TranscriptView;
  private readonly empty: HTMLElement;
  /** The empty chat's welcome text (hidden while the no-model card stands in for it). */
  private readonly intro: HTMLElement;
  /** Where the no-model card goes: the empty chat, or above the conversation when there is one. */
  private readonly emptySlot: HTMLElement;
  private readonly scroller: HTMLElement;
  /** "Working…" under the transcript while a run waits for the model. */
  private readonly working: HTMLElement;
  private readonly composer: Composer;
  private readonly announcer = new Announcer();
  private readonly historyButton: HTMLButtonElement;
  /** The header's buttons: one element for the page's life, so a state message does not take the focus from them. */
  private readonly topbarButtons: HTMLElement;
  private saveTimer: unknown;
  /** The save waiting is a streamed reply's (STREAMED_SAVE_DELAY_MS): any other change brings it forward. */
  private saveStreamed = false;
  private deltaPending = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: WebviewHost,
    private readonly options: AppOptions = {},
  ) {
    this.post = (message) => host.postMessage(message);
    this.ctx = { post: this.post, answered: new Set(), openState: new Map() };
    this.historyButton = button("Conversation history", () => this.toggleHistory(), { kind: "icon", icon: "history", attrs: { "aria-expanded": "false", "aria-controls": "history" } });
    this.topbarButtons = h("div", { class: "topbar-buttons" }, this.historyButton);
    this.header = h("header", { class: "topbar" });
    this.statusArea = h("div", { class: "status-area" });
    this.historyPanel = new HistoryPanel(this.post, () => this.toggleHistory(false));
    this.historyPanel.element.id = "history";
    this.transcriptView = new TranscriptView(this.ctx);
    this.intro = h(
      "div",
      { class: "intro" },
      h("p", { class: "empty-title" }, "Ask Hearth about your code, or have it change it."),
      h("p", { class: "muted" }, "Type @ to attach files and symbols. Edits and commands ask before they run, and every step can be undone."),
    );
    this.emptySlot = h("div", { class: "empty-slot" });
    this.empty = h("div", { class: "empty" }, this.emptySlot, this.intro);
    // No live region: it is shown again each time the run goes back to the model, and would be read
    // after every step. The announcer says "Working…" once when a run starts, and when it is done.
    this.working = h("div", { class: "working muted", hidden: true }, spinner(), "Working…");
    this.scroller = h("div", { class: "scroller" }, this.empty, this.transcriptView.element, this.working);
    this.composer = new Composer({ post: this.post, onDraftChange: () => this.scheduleSave(), mentionDebounceMs: options.mentionDebounceMs });
    // The saved state is rendered before the page is in the document: the view is built anew
    // each time it is shown, and a live region filled after it is inserted (why Send is off)
    // would be read out again each time.
    this.restore(host.getState());
    root.replaceChildren(this.header, this.statusArea, this.historyPanel.element, this.scroller, this.composer.element, this.announcer.element, this.announcer.alerts);
    root.classList.add("chat");
    root.removeAttribute("aria-live"); // the transcript is the live region; status changes are not chatter
    // Escape stops a run from wherever the focus is in the view (VS Code's own chat takes
    // Ctrl/Cmd+Escape, whose key is Escape too); the @-mention list and the history take their own
    // Escape first. An Escape the page acts on goes no further: VS Code's webview host forwards every
    // keydown that reaches the window to the workbench, where Escape also hides the notification
    // toasts, and VS Code lets a focused part's Escape (an editor's suggest widget) win over that.
    root.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || e.isComposing) return;
      if (this.historyPanel.open) this.toggleHistory(false);
      else if (!this.composer.stop()) return;
      e.preventDefault();
      e.stopPropagation();
    });
    // VS Code's webview host only stops the browser opening a file dropped beside the box.
    root.addEventListener("drop", (e) => this.composer.droppedBeside(e));
    // VS Code focuses the page's window when the view is focused (Focus on Chat View, a click on
    // its title, a keybinding); with nothing in the page holding the focus, it would start at the
    // top, and a keyboard user would Tab through every turn's buttons to reach the message box.
    // Focus the view, and you type, as in VS Code's own chat; a focus the user left inside stays.
    window.addEventListener("focus", () => {
      const active = document.activeElement;
      if ((!active || active === document.body) && root.isConnected) this.composer.focus();
    });
    window.addEventListener("pagehide", () => this.saveNow());
    this.scroller.scrollTop = this.scroller.scrollHeight; // a restored conversation opens at its end
  }

  /** Tells the extension the page runs; it answers with `state` and `conversation`. */
  ready(): void {
    this.post({ type: "ready" });
  }

  /** One message from the extension. */
  receive(message: ToWebview): void {
    let streamed = false;
    switch (message.type) {
      case "state": {
        const was = statusKind(this.state);
        const wasAlert = statusAlert(this.state);
        this.state = message;
        this.renderStatus();
        // The header is not live (it changes at every percent): a change of state is said once.
        if (was !== "connecting" && statusKind(message) !== was) this.announcer.say(statusSentence(message) ?? "");
        // An error once, when it appears (the page restored with it has it as its state already).
        const alert = statusAlert(message);
        if (alert !== undefined && alert !== wasAlert) this.announcer.say(alert, true);
        break;
      }
      case "conversation":
        if (message.transcript.id !== this.transcript?.id) this.scroller.scrollTop = this.scroller.scrollHeight; // a switch opens at the end
        this.transcript = structuredClone(message.transcript) as Transcript;
        this.history = message.history;
        this.ctx.answered.clear();
        this.renderTranscript();
        this.historyPanel.update(this.listed(), this.transcript.id);
        break;
      case "event": {
        if (!this.transcript || message.conversationId !== this.transcript.id) return;
        const before = this.transcript.items.length;
        const delta = message.event.type === "model" && (message.event.event.type === "text" || message.event.event.type === "thinking");
        // A text delta announces nothing (the reply is said once, when it is complete).
        const briefs = delta ? undefined : new Map<string, Brief>(this.transcript.items.map((i) => [i.id, brief(i)]));
        const wasRunning = this.transcript.runId !== undefined;
        const title = this.transcript.title;
        applyTranscriptEvent(this.transcript, message.event, message.at);
        if (delta && this.transcript.items.length === before) this.scheduleDelta();
        else this.renderTranscript();
        if (delta) streamed = true;
        // Its row in the history comes with its first message (and title), the list open or not.
        if ((before === 0) !== (this.transcript.items.length === 0) || title !== this.transcript.title) this.historyPanel.update(this.listed(), this.transcript.id);
        if (!briefs) break;
        const running = this.transcript.runId !== undefined;
        if (running && !wasRunning) this.announcer.say("Working…");
        const said = announcements(briefs, this.transcript.items);
        for (const { text, urgent } of said) this.announcer.say(text, urgent);
        // A run that ended with its reply (said when it was complete) says so; Stopped. and errors are notices, said above.
        if (wasRunning && !running && said.length === 0) this.announcer.say("Done.");
        break;
      }
      case "mentions":
        this.composer.showMentions(message.requestId, message.items);
        return;
      case "prefill":
        this.composer.setDraft({ text: message.text, mentions: [...(message.mentions ?? [])] }, true);
        this.composer.focus();
        return;
    }
    this.scheduleSave(streamed);
  }

  /** Writes the state to the host now (also done, debounced, after every change). */
  saveNow(): void {
    if (this.saveTimer !== undefined) this.timers.clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const saved: SavedState = { version: 1, state: this.state, transcript: this.transcript, history: this.history, draft: this.composer.draft };
    this.host.setState(saved);
  }

  private scheduleSave(streamed = false): void {
    if (this.saveTimer !== undefined && (streamed || !this.saveStreamed)) return;
    if (this.saveTimer !== undefined) this.timers.clearTimeout(this.saveTimer);
    this.saveStreamed = streamed;
    this.saveTimer = this.timers.setTimeout(() => this.saveNow(), streamed ? STREAMED_SAVE_DELAY_MS : (this.options.saveDelayMs ?? 300));
  }

  private get timers(): Timers {
    return this.options.timers ?? globalTimers;
  }

  /**
   * Draws the page from the state it saved. That state outlives the page's build: VS Code
   * keeps it over an update of Hearth (or going back a version), and hands it to the page of
   * the version now installed. One this page cannot draw (a field another version renamed or
   * left out) is set aside, but for the draft's text: the page starts empty, and the extension
   * sends the state and the conversation at `ready`, from its own store. It threw before, and
   * the chat view stayed blank for good, the same state read again each time it opened.
   */
  private restore(raw: unknown): void {
    const saved = raw as Partial<SavedState> | undefined;
    try {
      if (saved?.version === 1) {
        this.state = saved.state;
        this.transcript = saved.transcript;
        this.history = saved.history ?? [];
        if (saved.draft) this.composer.setDraft(saved.draft);
      }
      this.renderStatus();
      this.renderTranscript();
      this.historyPanel.update(this.listed(), this.transcript?.id);
    } catch {
      this.state = undefined;
      this.transcript = undefined;
      this.history = [];
      this.transcriptView.clear();
      try {
        this.composer.setDraft(saved?.version === 1 && saved.draft ? saved.draft : { text: "", mentions: [] });
      } catch {
        const draft = saved?.draft as Partial<Draft> | string | undefined;
        this.composer.setDraft({ text: typeof draft === "string" ? draft : typeof draft?.text === "string" ? draft.text : "", mentions: [] });
      }
      this.renderStatus();
      this.renderTranscript();
      this.historyPanel.update(this.listed(), undefined);
    }
  }

  /** New chat lives in the view's title bar (one "+", VS Code's own): the page does not repeat it. */
  private renderStatus(): void {
    updateChildren(this.header, [statusLine(this.state), this.topbarButtons]);
    this.composer.setBlocked(this.state ? agentBlocker(this.state.runtime)?.reason : undefined);
    this.renderStatusArea();
  }

  /** Cards and the meta line; the no-model card inline in the empty chat, else on top. */
  private renderStatusArea(): void {
    const meta = metaLine(this.state);
    const folder = folderLine(this.state, this.post);
    const model = this.state?.runtime.kind === "running" ? this.state.runtime.status.model : undefined;
    const noModel = this.state && model?.kind === "none" ? noModelCard(this.state, this.post) : undefined;
    const emptyChat = (this.transcript?.items.length ?? 0) === 0;
    updateChildren(this.emptySlot, noModel && emptyChat ? [noModel] : []);
    this.intro.hidden = noModel !== undefined;
    updateChildren(this.statusArea, [...statusCards(this.state, this.post), ...(noModel && !emptyChat ? [noModel] : []), ...(meta ? [meta] : []), ...(folder ? [folder] : [])]);
  }

  /** Text deltas: the streaming message is re-rendered at most once per frame. */
  private scheduleDelta(): void {
    if (this.deltaPending) return;
    this.deltaPending = true;
    (this.options.schedule ?? requestAnimationFrame)(() => {
      if (!this.deltaPending) return; // a full render ran meanwhile
      this.deltaPending = false;
      this.renderTranscript(true);
    });
  }

  private renderTranscript(deltaOnly = false): void {
    if (!deltaOnly) this.deltaPending = false;
    const t = this.transcript;
    const nearBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 48;
    const focus = this.transcriptView.focusMark();
    if (t) this.transcriptView.render(t, deltaOnly);
    // A keyboard user left on a replaced button would be sent back to the top of the page.
    if (focus && !this.transcriptView.refocus(focus)) this.composer.focus();
    const wasEmpty = !this.empty.hidden;
    this.empty.hidden = (t?.items.length ?? 0) > 0;
    if (wasEmpty !== !this.empty.hidden) this.renderStatusArea(); // the no-model card moves with it
    if (!deltaOnly) {
      this.composer.setRunning(t?.runId !== undefined);
      this.composer.setMeter(contextMeter(t?.context));
      this.renderRunHints(t);
    }
    if (nearBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /**
   * "Working…" while the run waits for the model. A step that waits for approval is not
   * repeated in a banner: its card is the one place to answer, and it is scrolled into view.
   */
  private renderRunHints(t: Transcript | undefined): void {
    const waiting = t?.runId !== undefined ? t.items.find((i) => i.kind === "tool" && i.status === "awaiting-approval") : undefined;
    const last = t?.items.at(-1);
    const busy = last?.kind === "tool" ? last.status === "running" : last?.kind === "assistant" && last.streaming;
    this.working.hidden = t?.runId === undefined || waiting !== undefined || Boolean(busy);
    if (waiting && waiting.id !== this.shownApproval) {
      this.shownApproval = waiting.id;
      const card = [...this.transcriptView.element.querySelectorAll<HTMLElement>("[data-item=tool]")].find((el) => el.dataset.id === waiting.id);
      card?.scrollIntoView?.({ block: "nearest" });
    }
  }

  /** The approval last scrolled into view (each is scrolled to once, not on every render). */
  private shownApproval: string | undefined;

  /**
   * The history with the open conversation in it: the extension sends its list with a
   * conversation, before the conversation's first message, and not again as the run goes on,
   * so a new chat would be missing from it until the view was shown anew. An empty one is not listed.
   */
  private listed(): readonly ConversationSummary[] {
    const t = this.transcript;
    if (!t?.items.length) return this.history;
    return [{ id: t.id, title: t.title, updatedAt: t.updatedAt }, ...this.history.filter((c) => c.id !== t.id)];
  }

  private toggleHistory(open = !this.historyPanel.open): void {
    this.historyPanel.update(this.listed(), this.transcript?.id);
    this.historyPanel.setOpen(open);
    this.historyButton.setAttribute("aria-expanded", String(open));
    this.root.classList.toggle("showing-history", open);
    if (!open) this.historyButton.focus();
  }
}
