/**
 * A review at the end of a run (Fix This Issue): the summary, each changed file with its
 * state and Open diff / Accept / Reject, Accept all / Reject all, and the test result.
 */
import { type ReviewFileState, type TranscriptItem, unfinishedTestsText } from "../protocol/transcript.ts";
import type { ReviewAction } from "../protocol/webview.ts";
import { visibleText } from "../protocol/visible-text.ts";
import { button, h, icon } from "./dom.ts";
import type { Post } from "./host.ts";
import { renderMarkdown } from "./markdown.ts";
import { type ToolCardContext, keptDetails, scrollingText } from "./tool-card.ts";

export type ReviewItem = Extract<TranscriptItem, { kind: "review" }>;

const STATE_LABEL: Record<ReviewFileState, string> = { pending: "Pending", accepted: "Accepted", rejected: "Rejected" };

function fileRow(item: ReviewItem, file: ReviewItem["files"][number], post: Post): HTMLElement {
  const send = (action: ReviewAction) => () => post({ type: "review", action, reviewId: item.id, path: file.path });
  const path = visibleText(file.path, true);
  const slash = path.lastIndexOf("/");
  return h(
    "li",
    { class: `review-file state-${file.state}`, "data-review-file": file.path, "data-review-state": file.state },
    h(
      "span",
      { class: "review-path", title: path },
      h("span", { class: "review-base" }, path.slice(slash + 1)),
      slash > 0 ? h("span", { class: "review-dir muted" }, ` ${path.slice(0, slash)}`) : undefined,
    ),
    h("span", { class: `review-state badge state-${file.state}` }, STATE_LABEL[file.state]),
    h(
      "span",
      { class: "review-buttons" },
      // Icons only: the names say which file, or a screen reader's list of buttons reads "Reject" once per row.
      button(`Open diff of ${path}`, send("open"), { kind: "icon", icon: "diff", attrs: { title: "Open diff" } }),
      file.state === "pending" ? button(`Accept ${path}`, send("accept"), { kind: "icon", icon: "check", attrs: { title: "Accept" } }) : undefined,
      file.state !== "rejected" ? button(`Reject ${path}`, send("reject"), { kind: "icon", icon: "undo", attrs: { title: "Reject" } }) : undefined,
    ),
  );
}

function tests(item: ReviewItem, ctx: ToolCardContext): HTMLElement | undefined {
  const t = item.tests;
  if (!t) return undefined;
  // Stopped at the time limit or killed, the run read "Tests failed": they never finished.
  const state = t.passed ? "passed" : t.stopped ? "unfinished" : "failed";
  return h(
    "div",
    { class: `review-tests ${state}`, "data-tests": state },
    h(
      "div",
      { class: "review-tests-head" },
      icon(t.passed ? "check" : t.stopped ? "warning" : "error"),
      h("strong", {}, t.passed ? "Tests passed" : t.stopped ? "Tests did not finish" : "Tests failed"),
      t.exitCode !== null && !t.passed && !t.stopped ? h("span", { class: "muted" }, ` (exit ${t.exitCode})`) : undefined,
    ),
    t.stopped ? h("p", { class: "review-tests-note" }, `${unfinishedTestsText(t.stopped).replace(/^t/, "T")}.`) : undefined,
    // As a tool card shows a command and a result: a bidi override or zero-width character written out, not obeyed.
    h("code", { class: "review-command" }, `$ ${visibleText(t.command, true)}`),
    t.output ? keptDetails(ctx, `${item.id}:tests`, false, ["Output"], scrollingText(`Test output: ${visibleText(t.command, true)}`, visibleText(t.output))) : undefined,
  );
}

/**
 * Rows the card draws: a run that changed ~120,000 files (a formatter over a monorepo) passed
 * one argument per row and stopped the chat from drawing; past a few hundred no one reads on.
 */
export const MAX_REVIEW_ROWS = 500;

function fileList(item: ReviewItem, post: Post): HTMLElement {
  const list = h("ul", { class: "review-files", "aria-label": "Changed files" });
  for (const file of item.files.slice(0, MAX_REVIEW_ROWS)) list.append(fileRow(item, file, post));
  const more = item.files.length - MAX_REVIEW_ROWS;
  if (more > 0) list.append(h("li", { class: "review-more muted" }, `… and ${more.toLocaleString("en-US")} more files, not listed${item.files.some((f) => f.state === "pending") ? ": Accept all and Reject all decide them too" : ""}.`));
  return list;
}

export function reviewCard(item: ReviewItem, ctx: ToolCardContext): HTMLElement {
  const summary = h("div", { class: "review-summary" });
  renderMarkdown(summary, item.summary, ctx.post);
  const pending = item.files.some((f) => f.state === "pending");
  const all = (action: ReviewAction) => () => ctx.post({ type: "review", action, reviewId: item.id });
  return h(
    "article",
    { class: "item review-card", "data-item": "review", "data-id": item.id, "aria-label": "Review the changes" },
    h("h3", { class: "review-title" }, "Review"),
    summary,
    item.files.length ? fileList(item, ctx.post) : h("p", { class: "muted" }, "No files changed."),
    pending
      ? h("div", { class: "actions" }, button("Accept all", all("accept"), { kind: "primary", icon: "check" }), button("Reject all", all("reject"), { icon: "undo" }))
      : undefined,
    tests(item, ctx),
  );
}
