/**
 * What each tool card warns of that its change or its result hides, with each lookalike name
 * (`is_\u0430dmin`) said once in a conversation, on the first card that shows it — as the
 * model is told (src/tools/tool.ts `toldLookalikes`): a repository holding such a name would
 * otherwise draw the same warning on every read and search of it. Other hidden text (tag
 * characters, bidi controls, …) is said on every card that holds it.
 */
import type { TranscriptItem } from "../protocol/transcript.ts";
import { type HiddenText, hiddenInChange } from "../protocol/visible-text.ts";
import { itemJson } from "./item-json.ts";

type ToolItem = Extract<TranscriptItem, { kind: "tool" }>;

/** A card's warnings: what the lines its change adds hide, and what its result hides. */
export interface CardWarnings {
  readonly change?: HiddenText;
  readonly result?: HiddenText;
}

/**
 * What each card's change hides, by card id, with the card (as JSON) it was worked out from.
 * The warnings are worked out on every render of a tool card, and a failed or denied edit's
 * card has no diff of its own: its proposed diff was made again from its arguments each time
 * (40 ms for an 800-line edit, per such card, per render).
 */
export type ChangeMemo = Map<string, { readonly card: string; readonly hidden: HiddenText | undefined }>;

/**
 * Each tool card's warnings by its id, in the conversation's order. `diffOf`: the diff the
 * card shows, asked again only for a card not in `memo` as it is now (`memo` keeps the cards
 * of `items` alone).
 */
export function cardWarnings(items: readonly TranscriptItem[], diffOf: (item: ToolItem) => string | undefined, memo: ChangeMemo = new Map()): Map<string, CardWarnings> {
  const told = new Set<string>();
  const warnings = new Map<string, CardWarnings>();
  const ids = new Set<string>();
  for (const item of items) {
    if (item.kind !== "tool") continue;
    ids.add(item.id);
    const card = itemJson(item);
    let worked = memo.get(item.id);
    if (worked?.card !== card) {
      const diff = diffOf(item);
      // A long diff kept as its start (protocol/transcript.ts keptDiff): what the whole diff's added lines hide.
      const leftOut = diff !== undefined && diff === item.diff ? item.diffLeftOut : undefined;
      worked = { card, hidden: diff === undefined ? undefined : leftOut ? leftOut.hidden : hiddenInChange(diff) };
      memo.set(item.id, worked);
    }
    const change = untold(worked.hidden, told);
    const result = untold(item.hidden, told);
    warnings.set(item.id, { ...(change && { change }), ...(result && { result }) });
  }
  for (const id of memo.keys()) if (!ids.has(id)) memo.delete(id);
  return warnings;
}

/**
 * `hidden` without the lookalike names in `told` (they are added to it). Names past the ones
 * a warning names are only counted: where all it names were told and it counts more, it is
 * kept whole, as those may be new.
 */
function untold(hidden: HiddenText | undefined, told: Set<string>): HiddenText | undefined {
  if (!hidden?.lookalike) return hidden;
  const names = hidden.lookalikeNames ?? [];
  const fresh = names.filter((name) => !told.has(name));
  for (const name of names) told.add(name);
  const unnamed = hidden.lookalike - names.length;
  if (fresh.length === names.length || (fresh.length === 0 && unnamed > 0)) return hidden;
  const { lookalike: _count, lookalikeNames: _names, ...rest } = hidden;
  if (fresh.length > 0) return { ...rest, lookalike: fresh.length + unnamed, lookalikeNames: fresh };
  return rest.tags || rest.bidi || rest.invisible || rest.blank || rest.selectors ? rest : undefined;
}
