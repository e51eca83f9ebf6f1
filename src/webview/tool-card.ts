/**
 * A tool call as a card: title, key arguments, status, duration; the body its tool's
 * display asks for — the diff of a write (proposed before approval, real after), the
 * memory entry proposed, or the other arguments —, Approve / Deny and "Hearth wants to …"
 * while the call waits for the user, Open diff / Undo this step afterwards, and the result
 * preview (collapsed). Nothing here knows a tool by name: what differs between tools comes
 * from their `ToolDisplay` (src/protocol/tool-display.ts), carried on the item.
 */
import { type ToolDisplay, defaultToolDisplay, describeCall } from "../protocol/tool-display.ts";
import { type ToolStatus, type TranscriptItem, diffStats } from "../protocol/transcript.ts";
import { type HiddenText, hiddenTextWarning, visibleText } from "../protocol/visible-text.ts";
import type { CardWarnings } from "./card-warnings.ts";
import { type Child, button, formatDuration, h, icon, spinner } from "./dom.ts";
import { changeFromArguments, proposedDiff, renderDiff } from "./diff-view.ts";
import type { Post } from "./host.ts";
import { markdownFragment } from "./markdown.ts";

export type ToolItem = Extract<TranscriptItem, { kind: "tool" }>;

export const STATUS_LABEL: Record<ToolStatus, string> = {
  proposed: "Proposed",
  "awaiting-approval": "Awaiting approval",
  running: "Running",
  done: "Done",
  failed: "Failed",
  denied: "Denied",
  cancelled: "Cancelled",
};

export interface ToolCardContext {
  readonly post: Post;
  /** Approve/Deny already clicked for these call ids (buttons stay disabled until the event arrives). */
  readonly answered: Set<string>;
  /** Details the user opened or closed, by key, so re-rendering a card keeps them. */
  readonly openState: Map<string, boolean>;
}

/** How the card shows this call: its tool's display, or the default for its name and effect. */
export function displayOf(item: ToolItem): ToolDisplay {
  return item.display ?? defaultToolDisplay(item.name, item.effect);
}

function isWriteTool(item: ToolItem): boolean {
  return displayOf(item).body === "diff";
}

/** The key arguments the display names, in its order; `start_line`/`end_line` as one "lines" entry. */
export function keyArguments(item: ToolItem): { name: string; value: string }[] {
  const args = item.arguments;
  const out: { name: string; value: string }[] = [];
  for (const name of displayOf(item).keyArguments) {
    const value = args[name];
    if (typeof value === "string" && value) out.push({ name, value });
  }
  const start = args.start_line;
  const end = args.end_line;
  if (typeof start === "number") out.push({ name: "lines", value: typeof end === "number" ? `${start}–${end}` : `${start}–` });
  return out;
}

/** The step as a screen reader names it: its title and first key argument ("edit_file calc.py"), else the files it changed. */
export function stepName(item: ToolItem): string {
  const what = keyArguments(item)[0]?.value ?? item.changedFiles?.join(", ");
  return `${displayOf(item).title}${what ? ` ${visibleText(what, true)}` : ""}`;
}

function statusBadge(status: ToolStatus): HTMLElement {
  const glyph =
    status === "running" ? spinner()
    : status === "done" ? icon("check")
    : status === "failed" ? icon("error")
    : status === "denied" || status === "cancelled" ? icon("cross")
    : status === "awaiting-approval" ? icon("warning")
    : icon("tool");
  return h("span", { class: `tool-status status-${status}`, "data-status": status }, glyph, h("span", { class: "tool-status-label" }, STATUS_LABEL[status]));
}

/**
 * Text that scrolls (a result, arguments, a test run's output). It can be tabbed to, to be
 * scrolled with the arrow keys: a region named `label` ("Result: read_file calc.py"), or a
 * screen reader says only "focused" — and, without a name, a list of them cannot tell which is which.
 */
export function scrollingText(label: string, text: string): HTMLPreElement {
  return h("pre", { class: "tool-preview", tabindex: 0, role: "region", "aria-label": label }, text);
}

/** A <details> whose open/closed state survives re-rendering (keyed by item and section). */
export function keptDetails(ctx: ToolCardContext, key: string, defaultOpen: boolean, summary: Child[], ...body: Child[]): HTMLDetailsElement {
  const open = ctx.openState.get(key) ?? defaultOpen;
  const el = h("details", { "data-open-key": key, open }, h("summary", {}, ...summary), ...body);
  el.addEventListener("toggle", () => ctx.openState.set(key, el.open));
  return el;
}

function argumentLine(item: ToolItem, post: Post): HTMLElement | undefined {
  const args = keyArguments(item);
  if (args.length === 0) return undefined;
  return h(
    "div",
    { class: "tool-args" },
    ...args.map(({ name, value }) => {
      if (name === "path") {
        const line = typeof item.arguments.start_line === "number" ? item.arguments.start_line : undefined;
        // Shown as they will run: a bidi override or zero-width character is written out (⟨U+202E⟩), not obeyed.
        const shown = visibleText(value, true);
        const link = h("a", { href: "#", class: "tool-path", title: `Open ${shown}` }, shown);
        link.addEventListener("click", (e) => {
          e.preventDefault();
          post({ type: "openFile", path: value, ...(line ? { line } : {}) });
        });
        return h("span", { class: "tool-arg" }, link);
      }
      if (name === "command") return h("code", { class: "tool-arg tool-command" }, `$ ${visibleText(value)}`);
      return h("span", { class: "tool-arg" }, h("span", { class: "tool-arg-name" }, `${name} `), h("code", {}, visibleText(value, true)));
    }),
  );
}

/** The diff a write's card shows: the real change once it ran, else the one its arguments propose. */
/** The diff the card shows: the change made, or the one proposed while it waits or runs. */
export function shownDiff(item: ToolItem): string | undefined {
  if (!isWriteTool(item)) return undefined;
  return item.diff ?? (item.status === "done" ? undefined : proposedDiff(item.display ? item.display.proposedChange : changeFromArguments(item.arguments), item.arguments));
}

function diffSection(item: ToolItem, diff: string | undefined, ctx: ToolCardContext): HTMLElement | undefined {
  if (!diff) return undefined;
  const real = item.diff;
  // A long diff is kept as its start (protocol/transcript.ts keptDiff): counted and its lines left out said as the whole.
  const leftOut = real !== undefined && diff === real ? item.diffLeftOut : undefined;
  const { added, removed } = leftOut ?? diffStats(diff);
  const title = real ? "Changes" : "Proposed change";
  return keptDetails(
    ctx,
    `${item.id}:diff`,
    true,
    [title, " ", h("span", { class: "diff-stat-add" }, `+${added}`), " ", h("span", { class: "diff-stat-del" }, `−${removed}`)],
    renderDiff(diff, `${title}: ${stepName(item)}`, undefined, leftOut?.lines),
  );
}

function actions(item: ToolItem, ctx: ToolCardContext): HTMLElement | undefined {
  const buttons: HTMLElement[] = [];
  if (item.status === "awaiting-approval") {
    const answered = ctx.answered.has(item.id);
    const answer = (approved: boolean) => () => {
      ctx.answered.add(item.id);
      ctx.post({ type: "approve", callId: item.id, approved });
      // The focus leaves the button before it is disabled (a disabled button drops it to the page): to the card.
      const card = buttons[0]?.closest<HTMLElement>("[data-item]");
      if (card && buttons.includes(document.activeElement as HTMLElement)) {
        card.tabIndex = -1;
        card.focus();
      }
      for (const b of buttons) b.setAttribute("disabled", "");
    };
    buttons.push(
      button("Approve", answer(true), { kind: "primary", icon: "check", attrs: { disabled: answered } }),
      button("Deny", answer(false), { kind: "secondary", icon: "cross", attrs: { disabled: answered } }),
    );
  }
  // Named with the step (the visible text first): a list of buttons would otherwise read "Undo this step" once per step.
  if (isWriteTool(item) && (item.diff || item.changedFiles?.length)) {
    buttons.push(button(`Open diff: ${stepName(item)}`, () => ctx.post({ type: "openDiff", itemId: item.id }), { icon: "diff", text: "Open diff" }));
  }
  if (item.checkpoint && (item.status === "done" || item.status === "failed")) {
    buttons.push(button(`Undo this step: ${stepName(item)}`, () => ctx.post({ type: "restore", itemId: item.id }), { icon: "undo", text: "Undo this step" }));
  }
  return buttons.length ? h("div", { class: "actions" }, ...buttons) : undefined;
}

function isMemoryTool(item: ToolItem): boolean {
  return displayOf(item).body === "memory";
}

/** The memory entry the agent proposes: title, fact and category, as the user will find it in the file. */
function memorySection(item: ToolItem): HTMLElement | undefined {
  if (!isMemoryTool(item)) return undefined;
  const text = (name: string) => (typeof item.arguments[name] === "string" ? (item.arguments[name] as string) : "");
  // The fact is markdown in the memory file, so it is shown as markdown (code, emphasis), not raw backticks.
  return h(
    "blockquote",
    { class: "tool-memory" },
    text("title") ? h("strong", { class: "memory-title" }, text("title")) : undefined,
    text("fact") ? h("div", { class: "memory-fact" }, markdownFragment(text("fact"))) : undefined,
    text("category") ? h("span", { class: "muted" }, `Category: ${text("category")}`) : undefined,
  );
}

/** Arguments of tools the card has no special view for, collapsed (what exactly the model asked for). */
function otherArguments(item: ToolItem, ctx: ToolCardContext): HTMLElement | undefined {
  if (isWriteTool(item) || isMemoryTool(item) || isControlTool(item)) return undefined;
  const shown = new Set(keyArguments(item).map((a) => a.name));
  const rest = Object.entries(item.arguments).filter(([name]) => !shown.has(name) && name !== "start_line" && name !== "end_line");
  if (rest.length === 0) return undefined;
  return keptDetails(ctx, `${item.id}:args`, item.status === "awaiting-approval", ["Arguments"], scrollingText(`Arguments: ${stepName(item)}`, visibleText(JSON.stringify(Object.fromEntries(rest), null, 2))));
}

/**
 * What the result hides from the user, said outside the collapsed result: tag characters
 * (invisible on the page, read by the model as ASCII: an instruction smuggled in a file, a
 * command's output or an MCP answer) with what they read as, and bidi controls counted. The
 * model was told the same after the result (runTool).
 */
function hiddenWarning(hidden: HiddenText | undefined): HTMLElement | undefined {
  if (!hidden) return undefined;
  return h("p", { class: "tool-hidden warning-text" }, icon("warning"), hiddenTextWarning(hidden, "The result"));
}

/**
 * What the lines a write adds hide, said in words outside the collapsible diff: a bidi override
 * makes the code read otherwise than it runs (Trojan Source), a zero-width character in a name
 * makes it look like another name. The diff writes each out (⟨U+202E⟩); the file gets them as written.
 */
function changeHiddenWarning(hidden: HiddenText | undefined): HTMLElement | undefined {
  if (!hidden) return undefined;
  return h("p", { class: "tool-change-hidden warning-text" }, icon("warning"), hiddenTextWarning(hidden, "The change", false));
}

/** `finish` and other control tools: one quiet line (what they say shows as the run's notice). */
function isControlTool(item: ToolItem): boolean {
  return displayOf(item).body === "control";
}

/** Paths the "Changed:" line names; past them "and N more" opens the rest (a build watcher can change thousands in one step). */
const CHANGED_NAMED = 5;

/** "Changed: a, b, …": the first few paths, the rest behind a toggle, all of them still readable. */
function changedLine(id: string, files: readonly string[], ctx: ToolCardContext): HTMLElement {
  const shown = (paths: readonly string[]) => paths.map((p) => visibleText(p, true)).join(", ");
  if (files.length <= CHANGED_NAMED) return h("div", { class: "tool-changed muted" }, `Changed: ${shown(files)}`);
  const rest = files.slice(CHANGED_NAMED);
  const more = keptDetails(ctx, `${id}:changed`, false, [`and ${rest.length.toLocaleString("en-US")} more`], h("p", { class: "tool-changed-rest" }, shown(rest)));
  return h("div", { class: "tool-changed muted" }, `Changed: ${shown(files.slice(0, CHANGED_NAMED))}`, more);
}

/** The card; `warnings`: what its change and result hide, lookalike names told on an earlier card left out (card-warnings.ts). */
export function toolCard(item: ToolItem, ctx: ToolCardContext, warnings: CardWarnings): HTMLElement {
  const onlyItsPath = item.changedFiles?.length === 1 && item.changedFiles[0] === item.arguments.path;
  const changed = item.changedFiles?.length && !onlyItsPath ? changedLine(item.id, item.changedFiles, ctx) : undefined;
  const result = item.status === "failed" ? "Error" : "Result";
  const diff = shownDiff(item);
  const preview = item.preview ? keptDetails(ctx, `${item.id}:result`, false, [result], scrollingText(`${result}: ${stepName(item)}`, visibleText(item.preview))) : undefined;
  return h(
    "article",
    {
      class: `item tool-card status-${item.status}${isWriteTool(item) ? " write" : ""}${isControlTool(item) ? " control" : ""}`,
      "data-item": "tool",
      "data-id": item.id,
      "data-tool": item.name,
      "data-status": item.status,
      "aria-label": `${stepName(item)}: ${STATUS_LABEL[item.status]}`,
      "aria-busy": item.status === "running",
    },
    h(
      "div",
      { class: "tool-head" },
      h("span", { class: "tool-name", title: item.name }, displayOf(item).title),
      statusBadge(item.status),
      item.durationMs !== undefined ? h("span", { class: "tool-duration muted" }, formatDuration(item.durationMs)) : undefined,
    ),
    argumentLine(item, ctx.post),
    item.status === "awaiting-approval" ? h("p", { class: "tool-ask" }, approvalQuestion(item)) : undefined,
    item.status === "awaiting-approval" && item.approvalReason ? h("p", { class: "tool-ask-why" }, `Asked because ${item.approvalReason}.`) : undefined,
    item.status === "awaiting-approval" && item.approvalRuns ? h("p", { class: "tool-ask-runs" }, `Runs ${visibleText(item.approvalRuns, true)}.`) : undefined,
    memorySection(item),
    otherArguments(item, ctx),
    diffSection(item, diff, ctx),
    changeHiddenWarning(warnings.change),
    changed,
    actions(item, ctx),
    hiddenWarning(warnings.result),
    isControlTool(item) && item.status === "done" ? undefined : preview,
  );
}

/** The same words as the approval notification (src/extension/chat/runs.ts). */
export function approvalQuestion(item: ToolItem): string {
  return `Hearth wants to ${describeCall(item.name, item.arguments, displayOf(item))}.`;
}
