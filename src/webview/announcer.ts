/**
 * What a screen reader hears of a run. The conversation is not a live region: a streamed
 * reply re-renders many times a second (a live region would have it read again, or — with
 * aria-busy, which screen readers treat differently — never), and a tool card is rendered
 * anew at each status with its whole diff. Instead the page says short sentences in one
 * polite region: a finished reply once, a step that waits for approval, each step's outcome,
 * notices, a review and its decisions, the model's state changes. As VS Code's own chat does.
 */
import { sentence } from "../protocol/readiness.ts";
import type { TranscriptItem } from "../protocol/transcript.ts";
import { visibleText } from "../protocol/visible-text.ts";
import { h, plural } from "./dom.ts";
import { markdownFragment } from "./markdown.ts";
import { type ToolItem, STATUS_LABEL, approvalQuestion, displayOf, stepName } from "./tool-card.ts";
import { MODEL_SAYS } from "./transcript-view.ts";

/** Sentences kept in the region (older ones are removed; a removal is not read). */
const KEEP = 3;

/** A sentence to say; `urgent` (an error that stopped something) interrupts what is being read. */
export interface Announcement {
  readonly text: string;
  readonly urgent?: boolean;
}

export class Announcer {
  readonly element: HTMLElement = h("div", { class: "sr-only", "aria-live": "polite", "data-announcer": "" });
  /**
   * Errors, said at once. The error notices in the conversation are not alerts themselves:
   * an alert is said whenever it is inserted, so opening a conversation (or showing the view
   * again) would read out every old error it holds.
   */
  readonly alerts: HTMLElement = h("div", { class: "sr-only", role: "alert", "data-announcer-alerts": "" });

  say(text: string, urgent = false): void {
    if (!text.trim()) return;
    const region = urgent ? this.alerts : this.element;
    region.append(h("p", {}, text));
    while (region.childElementCount > KEEP) region.firstElementChild!.remove();
  }
}

/** The part of an item an announcement depends on (compared before and after an event). */
export type Brief = string;

export function brief(item: TranscriptItem): Brief {
  switch (item.kind) {
    case "assistant":
      return `assistant:${item.streaming}`;
    case "tool":
      return `tool:${item.status}`;
    case "review":
      return `review:${item.files.map((f) => f.state).join(",")}`;
    default:
      return item.kind;
  }
}

/** The sentences for what an event changed: `before` maps item ids to their briefs before it. */
export function announcements(before: ReadonlyMap<string, Brief>, items: readonly TranscriptItem[]): Announcement[] {
  const out: Announcement[] = [];
  for (const item of items) {
    const was = before.get(item.id);
    if (was === brief(item)) continue;
    const text = announce(was, item);
    if (text) out.push({ text, ...(item.kind === "notice" && item.level === "error" ? { urgent: true } : {}) });
  }
  return out;
}

function announce(was: Brief | undefined, item: TranscriptItem): string | undefined {
  switch (item.kind) {
    case "assistant":
      return item.streaming ? undefined : plainText(item.text);
    case "tool":
      return toolSentence(item);
    case "notice":
      // Said when it arrives, not when a conversation holding it is opened (an error as an alert).
      if (was !== undefined) return undefined;
      return item.from === "model" ? `${MODEL_SAYS} ${item.text.trim()}` : sentence(item.text);
    case "review":
      return was === undefined ? reviewSentence(item) : decisionSentence(was, item);
    case "user":
      return undefined;
  }
}

function toolSentence(item: ToolItem): string | undefined {
  if (displayOf(item).body === "control") return undefined; // `finish`: what it says comes as the reply or a notice
  if (item.status === "awaiting-approval") return `${approvalQuestion(item)} Approve or Deny on its card.`;
  if (item.status === "proposed" || item.status === "running") return undefined;
  return `${stepName(item)}: ${STATUS_LABEL[item.status]}.`;
}

type ReviewItem = Extract<TranscriptItem, { kind: "review" }>;

function reviewSentence(item: ReviewItem): string {
  const tests = item.tests ? (item.tests.passed ? " Tests passed." : item.tests.stopped ? " Tests did not finish." : " Tests failed.") : "";
  return `Review: ${plural(item.files.length, "file")} changed.${tests}`;
}

function decisionSentence(was: Brief, item: ReviewItem): string | undefined {
  const before = was.slice("review:".length).split(",");
  const decided = item.files.filter((f, i) => f.state !== "pending" && f.state !== before[i]);
  if (decided.length === 0) return undefined;
  const state = decided[0]!.state === "accepted" ? "Accepted" : "Rejected";
  const same = decided.every((f) => f.state === decided[0]!.state);
  if (!same) return `${plural(decided.length, "file")} decided.`;
  return decided.length === 1 ? `${state} ${visibleText(decided[0]!.path, true)}.` : `${state} ${plural(decided.length, "file")}.`;
}

/** A reply as text to be read: its markdown's words, a block per line. */
function plainText(markdown: string): string {
  const fragment = markdownFragment(markdown);
  for (const block of fragment.querySelectorAll("p, li, h1, h2, h3, h4, h5, h6, pre, blockquote, tr")) block.append("\n");
  return (fragment.textContent ?? "").replace(/\n{2,}/g, "\n").trim();
}
