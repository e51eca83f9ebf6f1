/** How much of the model's context the conversation uses: numbers, a bar, a warning near the limit. */
import type { Transcript } from "../protocol/transcript.ts";
import { formatTokens, h } from "./dom.ts";

/** From this fraction on the meter warns (the runtime condenses the conversation before overflow). */
export const CONTEXT_WARN_AT = 0.8;

export function contextMeter(context: Transcript["context"]): HTMLElement {
  const el = h("div", { class: "context-meter", "data-context-meter": "" });
  if (!context || context.contextSize <= 0) {
    el.hidden = true;
    return el;
  }
  if (context.usedTokens === undefined) return unknownMeter(el, context.contextSize, context.countError);
  const fraction = Math.min(1, context.usedTokens / context.contextSize);
  const warn = fraction >= CONTEXT_WARN_AT;
  el.setAttribute("data-level", warn ? "warn" : "ok");
  el.classList.toggle("warn", warn);
  const percent = Math.round(fraction * 100);
  // An estimate (a server without a tokenizer) is shown as one: "~12.3k".
  const about = context.estimated ? "~" : "";
  if (context.estimated) el.title = "An estimate: the server cannot count tokens, so Hearth estimates them on the high side";
  const meter = h("meter", {
    min: 0,
    max: context.contextSize,
    value: context.usedTokens,
    low: Math.round(context.contextSize * 0.6),
    high: Math.round(context.contextSize * CONTEXT_WARN_AT),
    optimum: 0,
    "aria-label": "Context used",
  });
  el.append(
    h("div", { class: "context-line" }, h("span", {}, "Context"), h("span", { class: "context-numbers" }, `${about}${formatTokens(context.usedTokens)} / ${formatTokens(context.contextSize)} tokens · ${about}${percent}%`)),
    meter,
  );
  if (warn) el.append(h("p", { class: "context-warning", role: "status" }, "Context nearly full: near the limit the conversation will be condensed."));
  return el;
}

/**
 * The tokens could not be counted: the meter says so, and why in its tooltip. No bar — an
 * empty one would read as an empty context, when it may be full.
 */
function unknownMeter(el: HTMLElement, contextSize: number, why = "unknown error"): HTMLElement {
  const reason = `The conversation's tokens could not be counted: ${why}`;
  el.setAttribute("data-level", "unknown");
  el.title = reason;
  el.append(h("div", { class: "context-line" }, h("span", {}, "Context"), h("span", { class: "context-numbers", "aria-label": `Context used unknown of ${formatTokens(contextSize)} tokens. ${reason}` }, `? / ${formatTokens(contextSize)} tokens · could not count`)));
  return el;
}
