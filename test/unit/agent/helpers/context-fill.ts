// Sizing a file read so the conversation fills a given share of a small context. The tools'
// definitions take a good part of such a context and grow whenever a tool describes more, so a
// fixed line count (520 lines was 80-90% of 10,000 tokens once) drifts out of the band a test
// needs; the count is measured here with the real tools on the scripted backend's tokenizer.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../../fixtures/temp.ts";
import { scriptedAgent } from "./scripted-agent.ts";

/** The file `lines` long that the tests read: `v0 = 0`, `v1 = 1`, … */
export function writeMidFile(dir: string, lines: number): void {
  writeFileSync(join(dir, "mid.py"), Array.from({ length: lines }, (_, i) => `v${i} = ${i}`).join("\n") + "\n");
}

/** The tokens the conversation holds when the turn after one whole read of a `lines`-long mid.py begins. */
async function tokensAfterRead(lines: number): Promise<number> {
  const dir = tempDir("hearth-agent-fill-");
  writeMidFile(dir, lines);
  const turns = [{ toolCalls: [{ name: "read_file", arguments: { path: "mid.py" } }] }, { toolCalls: [{ name: "finish", arguments: { summary: "done" } }] }];
  // A context far larger than the file, so nothing is condensed while measuring.
  const { agent, events } = await scriptedAgent(dir, turns, { script: { contextSize: 1_000_000 } });
  await agent.run("Find where v7 is set.");
  const reported = events.flatMap((e) => (e.type === "context" && e.usedTokens !== undefined ? [e.usedTokens] : []));
  if (reported[1] === undefined) throw new Error("no context report after the read");
  return reported[1];
}

/** How many lines mid.py needs for the conversation to take about `share` of `contextSize` tokens after reading it. */
export async function linesFilling(contextSize: number, share: number): Promise<number> {
  const [low, high] = [100, 300];
  const [atLow, atHigh] = [await tokensAfterRead(low), await tokensAfterRead(high)];
  const perLine = (atHigh - atLow) / (high - low);
  return Math.round(low + (share * contextSize - atLow) / perLine);
}
