/**
 * The input box: a textarea (Enter sends, Shift+Enter is a newline), @-mentions with a
 * keyboard-navigable popup, chips for what is attached (files, symbols, Selection,
 * Problems), and Send — or Stop while a reply runs.
 */
import { textTooLong } from "../protocol/readiness.ts";
import { terminalShown } from "../protocol/terminal-text.ts";
import type { Mention } from "../protocol/webview.ts";
import { button, h, icon, updateElement } from "./dom.ts";
import type { Post } from "./host.ts";
import { localMentions, mentionDetail, mentionIcon, mentionLabel, mentionQueryAt, sameMention } from "./mentions.ts";

export interface Draft {
  text: string;
  mentions: Mention[];
}

export interface ComposerOptions {
  readonly post: Post;
  /** Called after every change of the text or the chips (the app persists the draft). */
  readonly onDraftChange: (draft: Draft) => void;
  /** Wait after the last keystroke before asking the extension for mentions. */
  readonly mentionDebounceMs?: number;
}

export class Composer {
  readonly element: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly chips: HTMLElement;
  private readonly popup: HTMLElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly addSelection: HTMLButtonElement;
  private readonly addProblems: HTMLButtonElement;
  private readonly meterSlot: HTMLElement;
  /** Why Send is off (no model, runtime down), shown as text above the buttons. */
  private readonly blockedNote: HTMLElement;
  /** Why the message was not sent (attachments alone, more than any context holds); gone at the next edit. */
  private readonly refusedNote: HTMLElement;
  private mentions: Mention[] = [];
  private running = false;
  private blocked: string | undefined;
  private requestId = 0;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private query: { start: number; query: string } | undefined;
  private options: Mention[] = [];
  private active = 0;

  constructor(private readonly opts: ComposerOptions) {
    // A textbox that controls the list and points at its active option: ARIA in HTML gives a
    // textarea no role, so it cannot be a combobox, and aria-expanded is no textbox's state.
    this.textarea = h("textarea", {
      class: "input",
      rows: 2,
      placeholder: "Ask Hearth… (@ to add files and symbols)",
      "aria-label": "Message Hearth",
      "aria-autocomplete": "list",
      "aria-controls": "mention-popup",
    });
    this.popup = h("div", { class: "mention-popup", id: "mention-popup", role: "listbox", "aria-label": "Mention suggestions", hidden: true });
    this.chips = h("ul", { class: "chips composer-chips", "aria-label": "Attached context" });
    // Named by aria-label as well: at narrow widths only their icons show.
    this.sendButton = button("Send", () => this.send(), { kind: "primary", icon: "send", attrs: { "aria-label": "Send", title: "Send (Enter)" } });
    this.stopButton = button("Stop", () => this.opts.post({ type: "stop" }), { kind: "danger", icon: "stop", attrs: { "data-action": "stop", "aria-label": "Stop", title: "Stop (Escape)", "aria-keyshortcuts": "Escape" } });
    this.addSelection = button("Add Selection", () => this.addMention({ kind: "selection" }), { icon: "plus", text: "Selection", attrs: { class: "secondary small" } });
    this.addProblems = button("Add Problems", () => this.addMention({ kind: "problems" }), { icon: "plus", text: "Problems", attrs: { class: "secondary small" } });
    this.meterSlot = h("div", { class: "meter-slot" });
    this.blockedNote = h("p", { class: "composer-blocked", id: "composer-blocked", "data-blocked": "", role: "status", hidden: true });
    this.refusedNote = h("p", { class: "composer-blocked composer-note", role: "status", hidden: true });
    this.element = h(
      "form",
      { class: "composer", "aria-label": "Message" },
      this.meterSlot,
      this.popup,
      this.chips,
      h("div", { class: "input-wrap" }, this.textarea),
      this.blockedNote,
      this.refusedNote,
      h("div", { class: "composer-row" }, h("div", { class: "context-buttons" }, this.addSelection, this.addProblems), this.sendButton, this.stopButton),
    );
    this.element.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    this.textarea.addEventListener("keydown", (e) => this.onKeyDown(e));
    this.textarea.addEventListener("input", () => this.onInput());
    this.textarea.addEventListener("paste", (e) => this.onFiles(e, e.clipboardData) || this.onTerminalPaste(e, e.clipboardData));
    this.textarea.addEventListener("drop", (e) => this.onFiles(e, e.dataTransfer));
    this.textarea.addEventListener("blur", () => setTimeout(() => this.element.contains(document.activeElement) || this.closePopup(), 150));
    this.setRunning(false);
    this.renderChips();
  }

  get draft(): Draft {
    return { text: this.textarea.value, mentions: [...this.mentions] };
  }

  setDraft(draft: Draft, notify = false): void {
    this.textarea.value = draft.text;
    this.mentions = [];
    for (const m of draft.mentions) if (!this.mentions.some((x) => sameMention(x, m))) this.mentions.push(m);
    this.renderChips();
    this.autosize();
    if (notify) this.changed();
  }

  focus(): void {
    this.textarea.focus();
    this.textarea.setSelectionRange(this.textarea.value.length, this.textarea.value.length);
  }

  /** Updates the meter in place: its warning (a status) is said when it appears, not again at every event of the run. */
  setMeter(meter: HTMLElement): void {
    const shown = this.meterSlot.firstElementChild;
    if (shown?.tagName === meter.tagName) updateElement(shown, meter);
    else this.meterSlot.replaceChildren(meter);
  }

  /**
   * Send off, with the reason shown (not just a greyed button), while no run can start;
   * the text box stays editable so a draft is not lost. undefined turns Send back on.
   */
  setBlocked(reason: string | undefined): void {
    this.blocked = reason;
    // A status: written only when the reason changes, or a screen reader says it again at every state message.
    if (this.blockedNote.textContent !== (reason ?? "")) this.blockedNote.textContent = reason ?? "";
    this.blockedNote.hidden = reason === undefined;
    this.sendButton.disabled = reason !== undefined;
    if (reason === undefined) this.sendButton.removeAttribute("aria-describedby");
    else this.sendButton.setAttribute("aria-describedby", this.blockedNote.id);
    this.sendButton.title = reason ?? "Send (Enter)";
  }

  /** Stops the run, as the Stop button does (Escape anywhere in the view); false when none runs. */
  stop(): boolean {
    if (!this.running) return false;
    this.opts.post({ type: "stop" });
    return true;
  }

  setRunning(running: boolean): void {
    this.running = running;
    // The button pressed is hidden as the run starts or ends: a keyboard user goes on in the message box, not at the page's top.
    const hiding = running ? this.sendButton : this.stopButton;
    const strand = document.activeElement === hiding && !hiding.hidden;
    this.sendButton.hidden = running;
    this.stopButton.hidden = !running;
    if (strand) this.textarea.focus();
    this.element.classList.toggle("running", running);
  }

  /** The extension's answer to a `mentionQuery`; stale answers (an older request) are dropped. */
  showMentions(requestId: number, items: readonly Mention[]): void {
    if (requestId !== this.requestId || !this.query) return;
    this.options = [...localMentions(this.query.query), ...items];
    this.active = 0;
    this.renderPopup();
  }

  private changed(): void {
    this.refuse(undefined);
    this.opts.onDraftChange(this.draft);
  }

  /** Shows why the message stays in the box (undefined: hides it); written only when it changes, as a status is said on each write. */
  private refuse(reason: string | undefined): void {
    if (this.refusedNote.textContent !== (reason ?? "")) this.refusedNote.textContent = reason ?? "";
    this.refusedNote.hidden = reason === undefined;
  }

  private send(): void {
    if (this.running || this.blocked !== undefined) return;
    const text = this.textarea.value.trim();
    if (!text && this.mentions.length === 0) return;
    // Kept in the box with the reason, not sent: the runtime refuses a message with no words, and
    // one no context holds would only fail after the chat had shown, kept and sent all of it.
    const refused = text
      ? textTooLong(text, "The message", "Paste the part that matters (an error and the lines around it), not a whole log or file.")
      : `Type what Hearth should do with ${this.mentions.map(mentionLabel).join(", ")}: a message needs words as well as attachments.`;
    if (refused) return this.refuse(refused);
    this.opts.post({ type: "send", text, mentions: [...this.mentions] });
    this.setDraft({ text: "", mentions: [] }, true);
    this.closePopup();
  }

  /**
   * A paste or drop of files alone (a screenshot, an image or a file from the desktop) put
   * nothing in the box and said nothing: messages carry text, and the local models read text
   * only. It says so; text (a paste of cells carries a picture too, a drop from the explorer
   * its paths) goes in as the browser puts it.
   */
  private onFiles(e: Event, data: DataTransfer | null): boolean {
    if (!data || !Array.from(data.items ?? []).some((item) => item.kind === "file")) return false;
    if (Array.from(data.types).some((type) => type === "text/plain" || type === "text/uri-list")) return false;
    e.preventDefault();
    this.refuse("Hearth sends the model text only: an image or other file cannot go into a message. Paste its text, or attach a project file with @.");
    return true;
  }

  /** A drop on the view beside the box (the conversation, Shift held): files alone are told of as in the box. */
  droppedBeside(e: DragEvent): void {
    if (!e.defaultPrevented) this.onFiles(e, e.dataTransfer);
  }

  /**
   * A pasted log saved with a terminal's control codes (a CI's raw log, npm or pip run with
   * colours into a file): the box kept every ESC [ … m and made a line of each \r frame of a
   * progress bar (a textarea reads a lone CR as a line end), all of it shown in the transcript
   * and paid for in the model's context. It goes in as a terminal shows it (the run_command
   * rule: protocol/terminal-text.ts; NUL, which a terminal ignores, left out), and says so.
   */
  private onTerminalPaste(e: Event, data: DataTransfer | null): void {
    const pasted = data?.getData("text/plain") ?? "";
    const text = terminalShown(pasted);
    if (text === undefined) return;
    e.preventDefault();
    this.textarea.setRangeText(text, this.textarea.selectionStart, this.textarea.selectionEnd, "end");
    this.onInput();
    const count = (n: number) => n.toLocaleString("en-US");
    this.refuse(`The paste held terminal control codes (colours, progress-bar redraws): it went in as a terminal shows it, ${count(text.length)} of its ${count(pasted.length)} characters.`);
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.isComposing) return;
    const open = !this.popup.hidden && this.options.length > 0;
    if (open && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      const n = this.options.length;
      this.active = (this.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.renderPopup();
    } else if (open && (e.key === "Enter" || e.key === "Tab") && !e.shiftKey) {
      e.preventDefault();
      this.choose(this.options[this.active]!);
    } else if (!this.popup.hidden && e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.closePopup();
    } else if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      this.send();
    }
  }

  private onInput(): void {
    this.autosize();
    this.changed();
    const caret = this.textarea.selectionStart ?? this.textarea.value.length;
    this.query = mentionQueryAt(this.textarea.value, caret);
    clearTimeout(this.debounce);
    if (!this.query) {
      this.closePopup();
      return;
    }
    const query = this.query.query;
    this.debounce = setTimeout(() => {
      this.requestId++;
      this.opts.post({ type: "mentionQuery", requestId: this.requestId, query });
    }, this.opts.mentionDebounceMs ?? 120);
  }

  private choose(mention: Mention): void {
    if (this.query) {
      const value = this.textarea.value;
      const end = this.query.start + 1 + this.query.query.length;
      this.textarea.value = value.slice(0, this.query.start) + value.slice(end).replace(/^ /, "");
      this.textarea.setSelectionRange(this.query.start, this.query.start);
    }
    this.closePopup();
    this.addMention(mention);
    this.textarea.focus();
  }

  private addMention(mention: Mention): void {
    if (!this.mentions.some((m) => sameMention(m, mention))) this.mentions.push(mention);
    this.renderChips();
    this.changed();
  }

  private removeMention(index: number): void {
    this.mentions.splice(index, 1);
    this.renderChips();
    this.changed();
    this.textarea.focus();
  }

  private renderChips(): void {
    this.chips.replaceChildren(
      ...this.mentions.map((m, i) => {
        const label = mentionLabel(m);
        const detail = mentionDetail(m);
        return h(
          "li",
          { class: `chip chip-${m.kind}`, "data-mention": m.kind, title: detail ? `${label} — ${detail}` : label },
          icon(mentionIcon(m)),
          h("span", { class: "chip-label" }, label),
          button(`Remove ${label}`, () => this.removeMention(i), { kind: "icon", icon: "close", attrs: { class: "icon chip-remove" } }),
        );
      }),
    );
    this.chips.hidden = this.mentions.length === 0;
    this.addSelection.disabled = this.mentions.some((m) => m.kind === "selection");
    this.addProblems.disabled = this.mentions.some((m) => m.kind === "problems");
    // A button disabled under the focus drops it to the top of the page: the keyboard goes on in the message box.
    if ((document.activeElement as HTMLButtonElement | null)?.disabled && this.element.contains(document.activeElement)) this.textarea.focus();
  }

  private renderPopup(): void {
    this.popup.hidden = false;
    const id = (option: number | "none") => `mention-option-${option}`;
    if (this.options.length === 0) {
      // The active option, though disabled: else a screen reader says nothing and the user waits for a list.
      this.popup.replaceChildren(h("div", { class: "mention-empty muted", role: "option", id: id("none"), "aria-disabled": "true" }, `No files or symbols match “${this.query?.query ?? ""}”`));
      this.textarea.setAttribute("aria-activedescendant", id("none"));
      return;
    }
    this.popup.replaceChildren(
      ...this.options.map((m, i) => {
        const option = h(
          "div",
          { class: `mention-option${i === this.active ? " active" : ""}`, role: "option", id: id(i), "aria-selected": String(i === this.active) },
          icon(mentionIcon(m)),
          h("span", { class: "mention-label" }, mentionLabel(m)),
          h("span", { class: "mention-detail muted" }, mentionDetail(m)),
        );
        option.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the textarea
        option.addEventListener("click", () => this.choose(m));
        return option;
      }),
    );
    this.textarea.setAttribute("aria-activedescendant", id(this.active));
    this.popup.querySelector(".active")?.scrollIntoView?.({ block: "nearest" });
  }

  private closePopup(): void {
    this.popup.hidden = true;
    this.popup.replaceChildren();
    this.options = [];
    this.query = undefined; // a late answer must not reopen it
    clearTimeout(this.debounce);
    this.textarea.removeAttribute("aria-activedescendant");
  }

  /** Grows with the text's lines up to 10 rows, then scrolls (rows, not inline styles: the CSP forbids those). */
  private autosize(): void {
    const lines = this.textarea.value.split("\n").length;
    this.textarea.rows = Math.min(10, Math.max(2, lines));
  }
}
