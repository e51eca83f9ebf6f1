/**
 * StreamedCalls under seeded fuzzing: two or three real tool calls streamed as the servers
 * Hearth meets send them (OpenAI's index and first-piece id and name; no index; a new id and
 * the name again in every piece; the same id in every piece), their arguments cut at random
 * places. Property: the calls listed are the calls sent, names and arguments exact, and the
 * work stays within a bounded multiple of the arguments. Seed and case count fixed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type OpenAiToolCallDelta, StreamedCalls } from "../../../src/models/openai-wire.ts";
import { pick, seededRandom } from "../../fixtures/seeded-random.ts";

const NAMES = ["read_file", "write_file", "search"];
const VALUES = ["a.ts", "}", "{", "\"", "\\", "\\\"}", "{\"x\":[1,2]}", "é 😀", " ", "\n", "]", "[[", ""];

function args(rand: () => number): string {
  const value: Record<string, unknown> = {};
  for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) value[pick(rand, ["path", "content", "query", "n"])] = rand() < 0.2 ? Math.floor(rand() * 100) : Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(rand, VALUES)).join("");
  const json = JSON.stringify(value, null, rand() < 0.3 ? 1 : undefined);
  // The model's line end before the object, or spaces after it: a piece of its own when cut there.
  return `${rand() < 0.15 ? "\n" : ""}${json}${rand() < 0.2 ? "  " : ""}`;
}

type Style = "openai" | "no index" | "new id each piece" | "same id each piece";
const STYLES: Style[] = ["openai", "no index", "new id each piece", "same id each piece"];

function deltas(rand: () => number, style: Style, calls: ReadonlyArray<{ name: string; args: string }>): OpenAiToolCallDelta[] {
  const out: OpenAiToolCallDelta[] = [];
  let pieceNo = 0;
  calls.forEach((call, index) => {
    const cuts: number[] = [0];
    while (cuts.at(-1)! < call.args.length) cuts.push(Math.min(call.args.length, cuts.at(-1)! + 1 + Math.floor(rand() * 8)));
    if (cuts.length === 1) cuts.push(0);
    for (let p = 0; p + 1 < cuts.length; p++) {
      const first = p === 0;
      const piece = call.args.slice(cuts[p], cuts[p + 1]);
      const id = style === "new id each piece" ? `p${pieceNo++}` : style === "same id each piece" || first ? `call_${index}` : undefined;
      const name = style === "new id each piece" || style === "same id each piece" || first ? call.name : undefined;
      out.push({
        ...(style === "no index" ? {} : { index }),
        ...(id === undefined ? {} : { id }),
        function: { ...(name === undefined ? {} : { name }), arguments: piece },
      });
    }
  });
  return out;
}

test("fuzz: calls streamed in random pieces, in each server's style, list as the calls sent", () => {
  const rand = seededRandom(0x57ca11);
  for (let i = 0; i < 1500; i++) {
    const calls = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({ name: pick(rand, NAMES), args: args(rand) }));
    const style = pick(rand, STYLES);
    const streamed = new StreamedCalls();
    for (const delta of deltas(rand, style, calls)) streamed.add(delta);
    const label = `${style}: ${JSON.stringify(calls)}`;
    // A piece of only spaces with a new id of its own is read as the end of the call before it (whose arguments are whole): spaces around the object may move.
    const shown = (list: ReadonlyArray<{ name: string; args: string }>) => list.map(({ name, args }) => ({ name, args: style === "new id each piece" ? args.trim() : args }));
    assert.deepEqual(shown(streamed.list()), shown(calls), label);
    assert.equal(new Set(streamed.list().map((c) => c.id)).size, calls.length, label);
    const length = calls.reduce((sum, c) => sum + c.args.length, 0);
    assert.ok(streamed.steps <= 2 * length + 64, `${streamed.steps} steps for ${length}: ${label}`);
  }
});
