/** Past conversations: open one, or delete it after a confirmation inside the page. */
import type { ConversationSummary } from "../protocol/transcript.ts";
import { button, formatWhen, h } from "./dom.ts";
import type { Post } from "./host.ts";

export class HistoryPanel {
  readonly element: HTMLElement;
  private history: readonly ConversationSummary[] = [];
  private currentId: string | undefined;
  /** The conversation whose delete button was pressed and awaits "Delete" / "Cancel". */
  private confirming: string | undefined;

  constructor(
    private readonly post: Post,
    private readonly onClose: () => void,
  ) {
    this.element = h("nav", { class: "history", "aria-label": "Conversations", hidden: true });
    this.element.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      e.stopPropagation();
      if (this.confirming) this.cancelConfirm(this.confirming);
      else this.onClose();
    });
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  setOpen(open: boolean): void {
    this.element.hidden = !open;
    this.confirming = undefined;
    this.render();
    if (open) (this.element.querySelector<HTMLElement>("[aria-current] .history-open, .history-open"))?.focus();
  }

  update(history: readonly ConversationSummary[], currentId: string | undefined): void {
    this.history = history;
    this.currentId = currentId;
    if (this.confirming && !history.some((c) => c.id === this.confirming)) this.confirming = undefined;
    this.render();
  }

  /**
   * Renders the list anew. A keyboard user's place survives it: the same button of the same
   * conversation, else that conversation, else (it was deleted) the one now in its place.
   */
  private render(): void {
    if (this.element.hidden) return;
    const place = this.focusPlace();
    const sorted = [...this.history].sort((a, b) => b.updatedAt - a.updatedAt);
    const rows = sorted.map((c) => this.row(c));
    this.element.replaceChildren(
      h("div", { class: "history-head" }, h("h2", {}, "Conversations"), button("Close conversations", () => this.onClose(), { kind: "icon", icon: "close" })),
      rows.length ? h("ul", { class: "history-list" }, ...rows) : h("p", { class: "muted" }, "No conversations yet."),
    );
    this.shownOrder = sorted.map((c) => c.id);
    if (place) this.refocus(place);
  }

  /** The ids as last shown, top to bottom (to find the neighbour of a deleted conversation). */
  private shownOrder: string[] = [];

  private focusPlace(): { id: string | undefined; index: number; name: string } | undefined {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !this.element.contains(active)) return undefined;
    const id = active.closest<HTMLElement>("[data-conversation]")?.dataset.conversation;
    return { id, index: id === undefined ? -1 : this.shownOrder.indexOf(id), name: active.getAttribute("aria-label") ?? active.textContent ?? "" };
  }

  private refocus(place: { id: string | undefined; index: number; name: string }): void {
    const rows = [...this.element.querySelectorAll<HTMLElement>("[data-conversation]")];
    const same = rows.find((r) => r.dataset.conversation === place.id);
    const buttons = (el: ParentNode) => [...el.querySelectorAll<HTMLButtonElement>("button")];
    const target =
      same ? (buttons(same).find((b) => (b.getAttribute("aria-label") ?? b.textContent) === place.name) ?? same.querySelector<HTMLElement>(".history-open"))
      : place.id !== undefined ? (rows[Math.min(place.index, rows.length - 1)]?.querySelector<HTMLElement>(".history-open") ?? buttons(this.element)[0])
      : buttons(this.element).find((b) => (b.getAttribute("aria-label") ?? b.textContent) === place.name);
    target?.focus();
  }

  private row(c: ConversationSummary): HTMLElement {
    const current = c.id === this.currentId;
    if (this.confirming === c.id) {
      const del = button("Delete", () => {
        this.confirming = undefined;
        this.post({ type: "deleteConversation", id: c.id });
        this.render();
      }, { kind: "danger" });
      const row = h(
        "li",
        { class: "history-item confirming", "data-conversation": c.id, role: "group", "aria-label": `Delete “${c.title}”?` },
        h("span", { class: "history-confirm" }, `Delete “${c.title}”? This cannot be undone.`),
        h("span", { class: "history-confirm-buttons" }, del, button("Cancel", () => this.cancelConfirm(c.id))),
      );
      queueMicrotask(() => del.focus());
      return row;
    }
    const open = h("button", { type: "button", class: "history-open", title: c.title }, h("span", { class: "history-title" }, c.title), h("span", { class: "history-when muted" }, formatWhen(c.updatedAt)));
    open.addEventListener("click", () => {
      if (!current) this.post({ type: "openConversation", id: c.id });
      this.onClose();
    });
    return h(
      "li",
      { class: `history-item${current ? " current" : ""}`, "data-conversation": c.id, "aria-current": current ? "true" : undefined },
      open,
      button(`Delete conversation “${c.title}”`, () => {
        this.confirming = c.id;
        this.render();
      }, { kind: "icon", icon: "trash" }),
    );
  }

  private cancelConfirm(id: string): void {
    this.confirming = undefined;
    this.render();
    const row = [...this.element.querySelectorAll("[data-conversation]")].find((el) => el.getAttribute("data-conversation") === id);
    row?.querySelector<HTMLElement>(".history-open")?.focus();
  }
}
