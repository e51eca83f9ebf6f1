/**
 * The conversation: one element per transcript item, keyed by item id. A render
 * replaces only the items whose content changed; while text streams, only the streaming
 * message is re-rendered (in place, so an opened "Thinking" stays open).
 */
import type { Attachment } from "../protocol/agent.ts";
import { sentence } from "../protocol/readiness.ts";
import { type Transcript, type TranscriptItem, titleFrom } from "../protocol/transcript.ts";
import { visibleText } from "../protocol/visible-text.ts";
import { button, h, icon, spinner } from "./dom.ts";
import type { Post } from "./host.ts";
import { onMarkdownClick } from "./markdown.ts";
import { reviewCard } from "./review-card.ts";
import { StreamedMarkdown } from "./streamed-markdown.ts";
import { type CardWarnings, type ChangeMemo, cardWarnings } from "./card-warnings.ts";
import { itemJson } from "./item-json.ts";
import { type ToolCardContext, keptDetails, shownDiff, toolCard } from "./tool-card.ts";

type AssistantItem = Extract<TranscriptItem, { kind: "assistant" }>;
type UserItem = Extract<TranscriptItem, { kind: "user" }>;
type NoticeItem = Extract<TranscriptItem, { kind: "notice" }>;

interface Rendered {
  node: HTMLElement;
  /** What the node shows, compared part by part: the item's JSON is the same string while the item is unchanged (item-json.ts). */
  signature: Signature;
  /** In-place update (assistant messages); others are replaced. */
  update?: (item: TranscriptItem) => void;
}

type Signature = readonly (string | boolean)[];

function sameSignature(a: Signature, b: Signature): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

export function attachmentLabel(a: Attachment): string {
  switch (a.kind) {
    case "file":
      return a.path;
    case "symbol":
      return `${a.name} (${a.path}:${a.line})`;
    case "selection":
      return `Selection ${a.path}:${a.startLine}–${a.endLine}`;
    case "problems":
      return "Problems";
  }
}

/**
 * The user messages whose turn changed files (a tool that changed some, or a review):
 * only those offer "Restore checkpoint" — restoring a turn that changed nothing would do nothing.
 */
function turnsWithChanges(items: readonly TranscriptItem[]): Set<string> {
  const changed = new Set<string>();
  let turn: string | undefined;
  for (const item of items) {
    if (item.kind === "user") turn = item.id;
    else if (turn && ((item.kind === "tool" && (item.changedFiles?.length ?? 0) > 0) || item.kind === "review")) changed.add(turn);
  }
  return changed;
}

/**
 * What names a message's Restore checkpoint (a list of buttons would otherwise read the same name
 * once per turn): its first line cut as its conversation's title is, or what it attached when it has no text.
 */
function messageStart(item: UserItem): string {
  const text = item.text.trim() ? item.text : (item.attachments ?? []).map(attachmentLabel).join(", ");
  return visibleText(titleFrom(text), true);
}

function userMessage(item: UserItem, post: Post, running: boolean, changed: boolean): HTMLElement {
  const attachments = item.attachments?.length
    ? h("ul", { class: "chips attachments", "aria-label": "Attached context" }, ...item.attachments.map((a) => h("li", { class: "chip" }, icon(a.kind === "symbol" ? "symbol" : a.kind === "selection" ? "selection" : a.kind === "problems" ? "problems" : "file"), h("span", {}, visibleText(attachmentLabel(a), true)))))
    : undefined;
  return h(
    "article",
    { class: "item user-message", "data-item": "user", "data-id": item.id, "aria-label": "You" },
    h("div", { class: "user-text" }, item.text),
    attachments,
    item.checkpoint && changed
      ? h("div", { class: "user-actions" }, button(`Restore checkpoint: before “${messageStart(item)}”`, () => post({ type: "restore", itemId: item.id }), { kind: "link", icon: "undo", text: "Restore checkpoint", attrs: { disabled: running, title: "Put the files and the conversation back to before this message" } }))
      : undefined,
  );
}

function assistantMessage(item: AssistantItem, ctx: ToolCardContext): Rendered {
  const body = h("div", { class: "assistant-text" });
  body.addEventListener("click", (e) => onMarkdownClick(e, ctx.post));
  const thinkingText = h("div", { class: "thinking-text" });
  const thinkingLabel = h("span", {});
  const thinking = keptDetails(ctx, `${item.id}:thinking`, false, [thinkingLabel], thinkingText);
  thinking.classList.add("thinking");
  const node = h("article", { class: "item assistant-message", "data-item": "assistant", "data-id": item.id, "aria-label": "Hearth" }, thinking, body);
  const markdown = new StreamedMarkdown(body, ctx.post);
  let shownThinking: string | undefined;
  const update = (next: TranscriptItem) => {
    if (next.kind !== "assistant") return;
    node.setAttribute("aria-busy", String(next.streaming));
    node.classList.toggle("streaming", next.streaming);
    thinking.hidden = next.thinking.trim() === "";
    const stillThinking = next.streaming && next.text === "";
    thinkingLabel.replaceChildren(...(stillThinking ? [spinner(), "Thinking…"] : ["Thinking"]));
    if (next.thinking !== shownThinking) thinkingText.textContent = shownThinking = next.thinking;
    markdown.render(next.text, !next.streaming);
    body.hidden = next.text === "" && !next.streaming;
  };
  update(item);
  return { node, signature: assistantSignature(item), update };
}

function assistantSignature(item: AssistantItem): Signature {
  return [`${item.text.length}:${item.thinking.length}`, item.streaming];
}

/** Stands for an item this version of Hearth does not know. */
const NEWER_ITEM = "A newer version of Hearth saved a part of this conversation that this version cannot show.";
/** Stands for an item of a kind this version knows that lacks what it draws from (a field another version renamed or left out). */
const UNSHOWN_ITEM = "Another version of Hearth saved a part of this conversation in a form this version cannot show.";

/** Said before the model's words in a notice (its `finish` summary), on the page and to a screen reader. */
export const MODEL_SAYS = "The model says:";

function notice(item: NoticeItem): HTMLElement {
  if (item.from === "model") {
    // Not in Hearth's look (its icon, its border): a prompt injection can make the model write anything there.
    return h(
      "div",
      { class: "item notice notice-model", "data-item": "notice", "data-id": item.id, "data-level": item.level, "data-from": "model" },
      h("strong", { class: "notice-source" }, MODEL_SAYS),
      " ",
      // Isolated: a bidi override in the model's words stays inside them.
      h("bdi", { class: "notice-text" }, item.text.trim()),
    );
  }
  return h(
    "div",
    { class: `item notice notice-${item.level}`, "data-item": "notice", "data-id": item.id, "data-level": item.level },
    icon(item.level),
    h("span", { class: "notice-text" }, sentence(item.text)),
  );
}

/** Where the keyboard was in the conversation before a render: the element, its item, review file and name. */
export interface FocusMark {
  readonly element: HTMLElement;
  readonly itemId: string | undefined;
  readonly reviewFile: string | undefined;
  readonly name: string;
}

function usable(el: Element): boolean {
  return el.isConnected && !(el as HTMLButtonElement).disabled && el.closest("[hidden]") === null;
}

function focusName(el: Element): string {
  return el.getAttribute("aria-label") ?? el.textContent ?? "";
}

export class TranscriptView {
  readonly element: HTMLElement;
  private readonly rendered = new Map<string, Rendered>();
  private transcriptId: string | undefined;
  /** User messages whose turn changed files (recomputed on every full render). */
  private changedTurns = new Set<string>();
  /** Each tool card's warnings, a lookalike name on the first card that shows it (recomputed on every render). */
  private warnings = new Map<string, CardWarnings>();
  /** What each tool card's change hides, worked out again only for a card that changed. */
  private readonly changes: ChangeMemo = new Map();

  constructor(private readonly ctx: ToolCardContext) {
    // Not live: what a run does is said by the announcer (announcer.ts), once and briefly.
    this.element = h("div", { class: "transcript", role: "log", "aria-live": "off", "aria-label": "Conversation" });
  }

  /** Where the focus is, when it is in the conversation (before a render that may replace its element). */
  focusMark(): FocusMark | undefined {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !this.element.contains(active)) return undefined;
    return { element: active, itemId: active.closest<HTMLElement>("[data-id]")?.dataset.id, reviewFile: active.closest<HTMLElement>("[data-review-file]")?.dataset.reviewFile, name: focusName(active) };
  }

  /**
   * After a render: a focus whose element was replaced, disabled or hidden (an answered
   * approval, a decided review file) goes to the same control of the new card, else to its
   * file row's first button, else to the card itself. False when the item is gone (a restore
   * rewound past it): the caller puts the focus somewhere else.
   */
  refocus(mark: FocusMark): boolean {
    if (usable(mark.element)) return true;
    const item = [...this.element.children].find((el): el is HTMLElement => el instanceof HTMLElement && el.dataset.id === mark.itemId);
    if (!item) return false;
    const row = mark.reviewFile === undefined ? undefined : [...item.querySelectorAll<HTMLElement>("[data-review-file]")].find((el) => el.dataset.reviewFile === mark.reviewFile);
    const controls = [...(row ?? item).querySelectorAll<HTMLElement>("button, a[href], summary, [tabindex]")].filter(usable);
    const target = controls.find((el) => focusName(el) === mark.name) ?? (row ? controls[0] : undefined) ?? item;
    if (target === item && !item.hasAttribute("tabindex")) item.tabIndex = -1;
    target.focus();
    return true;
  }

  /** Forgets what was drawn: the page set aside a saved state it could not draw. */
  clear(): void {
    this.rendered.clear();
    this.element.replaceChildren();
    this.transcriptId = undefined;
  }

  /** Re-renders what changed. `onlyLast`: the last item is the only one that can have changed (a text delta). */
  render(transcript: Transcript, onlyLast = false): void {
    if (transcript.id !== this.transcriptId) {
      this.rendered.clear();
      this.element.replaceChildren();
      this.transcriptId = transcript.id;
      onlyLast = false;
    }
    const running = transcript.runId !== undefined;
    if (!onlyLast || transcript.items.at(-1)?.kind === "tool") this.warnings = cardWarnings(transcript.items, shownDiff, this.changes);
    const items = onlyLast ? transcript.items.slice(-1) : transcript.items;
    if (onlyLast && items[0] && this.rendered.has(items[0].id)) {
      this.place(items[0], running, this.rendered.get(items[0].id)!.node.previousElementSibling);
      return;
    }
    this.changedTurns = turnsWithChanges(transcript.items);
    const seen = new Set<string>();
    let previous: Element | null = null;
    for (const item of transcript.items) {
      seen.add(item.id);
      previous = this.place(item, running, previous);
    }
    for (const [id, entry] of this.rendered) {
      if (seen.has(id)) continue;
      entry.node.remove();
      this.rendered.delete(id);
    }
  }

  /** Ensures `item` is rendered, current, and right after `previous`; returns its node. */
  private place(item: TranscriptItem, running: boolean, previous: Element | null): HTMLElement {
    let entry = this.rendered.get(item.id);
    const signature = this.safeSignature(item, running);
    if (entry && !sameSignature(entry.signature, signature)) {
      let updated = false;
      if (entry.update) {
        try {
          entry.update(item);
          entry.signature = signature;
          updated = true;
        } catch {
          // drawn anew below, as a note if it cannot be drawn
        }
      }
      if (!updated) {
        const fresh = this.renderSafely(item, running);
        entry.node.replaceWith(fresh.node);
        entry = fresh;
      }
      this.rendered.set(item.id, entry);
    } else if (!entry) {
      entry = this.renderSafely(item, running);
      this.rendered.set(item.id, entry);
    }
    const expected = previous ? previous.nextElementSibling : this.element.firstElementChild;
    if (expected !== entry.node) this.element.insertBefore(entry.node, expected);
    return entry.node;
  }

  /**
   * The item's signature; for an item another version of Hearth saved without a field this
   * one reads (the page's saved state after an update or going back a version, a conversation
   * of the history), its text: the page goes on drawing.
   */
  private safeSignature(item: TranscriptItem, running: boolean): Signature {
    try {
      return this.signature(item, running);
    } catch {
      return [UNSHOWN_ITEM, itemJson(item)];
    }
  }

  /**
   * renderItem, or a note in the item's place where it lacks what this version draws it from:
   * one such item stopped the page drawing — the transcript after it, and a page starting from
   * such a saved state, blank for good (the state is read again each time the view opens).
   */
  private renderSafely(item: TranscriptItem, running: boolean): Rendered {
    try {
      return this.renderItem(item, running);
    } catch {
      return { node: notice({ kind: "notice", id: String((item as { id?: unknown }).id), level: "info", text: UNSHOWN_ITEM }), signature: this.safeSignature(item, running) };
    }
  }

  private signature(item: TranscriptItem, running: boolean): Signature {
    if (item.kind === "assistant") return assistantSignature(item);
    if (item.kind === "user") return [itemJson(item), running, this.changedTurns.has(item.id)];
    if (item.kind === "tool") {
      const warnings = this.warnings.get(item.id);
      return [itemJson(item), this.ctx.answered.has(item.id), warnings?.change || warnings?.result ? JSON.stringify(warnings) : ""];
    }
    return [itemJson(item)];
  }

  private renderItem(item: TranscriptItem, running: boolean): Rendered {
    const signature = this.signature(item, running);
    switch (item.kind) {
      case "user":
        return { node: userMessage(item, this.ctx.post, running, this.changedTurns.has(item.id)), signature };
      case "assistant":
        return assistantMessage(item, this.ctx);
      case "tool":
        return { node: toolCard(item, this.ctx, this.warnings.get(item.id) ?? {}), signature };
      case "notice":
        return { node: notice(item), signature };
      case "review":
        return { node: reviewCard(item, this.ctx), signature };
      default:
        // A kind a newer Hearth added (a conversation it saved, opened here): said, not a page that stops drawing at it.
        return { node: notice({ kind: "notice", id: String((item as { id?: unknown }).id), level: "info", text: NEWER_ITEM }), signature };
    }
  }
}
