/**
 * A transcript item as JSON, made again only when the item changed. Every render compared
 * every item by its JSON (the card warnings' memo, the view's signatures): a conversation of
 * 1,000 tool cards made some 2,000 cards, megabytes, into JSON at each step of a run, the
 * work growing with the conversation, and kept two copies of each.
 *
 * `applyTranscriptEvent` changes an item by assigning its own fields (a status, a result, a
 * longer text); what it assigns (arguments, a display, a diff's string) is not changed in
 * place afterwards. So an item whose own fields hold the same values (===) as when its JSON
 * was made has that JSON still. A review's file decisions change inside its `files`: a
 * review is made into JSON anew each time.
 */
import type { TranscriptItem } from "../protocol/transcript.ts";

/** Each item's JSON, with a copy of its own fields as they were when it was made. */
const made = new WeakMap<TranscriptItem, { readonly fields: Readonly<Record<string, unknown>>; readonly count: number; readonly json: string }>();

export function itemJson(item: TranscriptItem): string {
  if (item.kind === "review") return JSON.stringify(item);
  const last = made.get(item);
  if (last && sameFields(item, last.fields, last.count)) return last.json;
  const json = JSON.stringify(item);
  const fields = { ...item };
  made.set(item, { fields, count: Object.keys(fields).length, json });
  return json;
}

/** Whether `item`'s own fields are the `count` fields of `fields`, the same values (nothing allocated: called for every item at every render). */
function sameFields(item: object, fields: Readonly<Record<string, unknown>>, count: number): boolean {
  let seen = 0;
  for (const key in item) {
    if ((item as Record<string, unknown>)[key] !== fields[key]) return false;
    seen++;
  }
  return seen === count;
}
