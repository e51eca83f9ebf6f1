/**
 * Safety scaling: the Qwen output parser and the patch applier on growing inputs, each
 * next to a linear reference doing the plain minimum on the same input in the same process.
 *   npm run bench -- scaling [--runs N]
 * Parser: a write_file call whose content is 75/150/300/600 KB, streamed in 8-byte chunks
 * (about two tokens each); reference: the same chunks appended to an array, each searched
 * for "</parameter>", then joined. Patch: planning a three-hunk patch (start, middle, end)
 * on 50k/100k/200k/400k-line files through the same `planPatch` as `hearth apply-patch`
 * (read, decode, locate, build the new text; nothing written); reference: read, decode,
 * split into lines and join them again. Prints a Markdown table: median of N runs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QwenOutputParser } from "../../src/models/qwen/output-parser.ts";
import type { ToolDefinition } from "../../src/models/types.ts";
import { DiskWorkspace } from "../../src/tools/disk-workspace.ts";
import { planPatch } from "../../src/tools/patch/plan.ts";
import { decodeText, joinLines, splitLines } from "../../src/tools/text-file.ts";

const RUNS = Number(process.argv[process.argv.indexOf("--runs") + 1] ?? 5) || 5;

const WRITE_FILE: ToolDefinition = {
  name: "write_file",
  description: "Write a whole file.",
  parameters: { type: "object", properties: { path: { type: "string" }, content: { type: "string" } }, required: ["path", "content"] },
};

// One untimed run first: the JIT's warm-up is not the algorithm's cost.
function median(fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function medianAsync(fn: () => Promise<void>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

function source(size: number): string {
  const lines: string[] = [];
  for (let i = 0, n = 0; n < size; i++) {
    const line = `  export function item${i}(value: number): number { return value * ${i} + ${i % 13}; }`;
    lines.push(line);
    n += line.length + 1;
  }
  return lines.join("\n").slice(0, size);
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const row = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
const ms = (t: number): string => `${t.toFixed(1)} ms`;

function parserTable(): string[] {
  const out = [row(["argument", "chunks", "parser", "reference", "ratio", "parser µs/KB"]), "|---|---:|---:|---:|---:|---:|"];
  for (const kb of [75, 150, 300, 600]) {
    const content = source(kb * 1000);
    const output = `Writing it.\n<tool_call>\n<function=write_file>\n<parameter=path>\nsrc/big.ts\n</parameter>\n<parameter=content>\n${content}\n</parameter>\n</function>\n</tool_call>`;
    const pieces = chunks(output, 8);
    let args: unknown;
    const parser = median(() => {
      const p = new QwenOutputParser({ tools: [WRITE_FILE], startInThinking: false });
      for (const c of pieces) p.push(c);
      p.end();
      args = p.result().message.toolCalls?.[0]?.arguments;
    });
    if ((args as { content?: string } | undefined)?.content !== content) throw new Error("the parser did not return the content");
    let sink = 0;
    const reference = median(() => {
      const parts: string[] = [];
      for (const c of pieces) {
        parts.push(c);
        sink += c.indexOf("</parameter>");
      }
      sink += parts.join("").length;
    });
    if (sink === 0) throw new Error("unreachable");
    out.push(row([`${kb} KB`, String(pieces.length), ms(parser), ms(reference), `${(parser / reference).toFixed(1)}×`, (parser * 1000 / kb).toFixed(1)]));
  }
  return out;
}

async function patchTable(): Promise<string[]> {
  const out = [row(["file", "planPatch (3 hunks)", "reference", "ratio", "planPatch µs/1k lines"]), "|---|---:|---:|---:|---:|"];
  const dir = mkdtempSync(join(tmpdir(), "hearth-scaling-"));
  try {
    for (const count of [50_000, 100_000, 200_000, 400_000]) {
      const lines = Array.from({ length: count }, (_, i) => `row ${i}: ${(i * 7919) % 100_003}`);
      writeFileSync(join(dir, "data.txt"), `${lines.join("\n")}\n`);
      const hunk = (at: number): string => `@@ -${at - 2},5 +${at - 2},5 @@\n ${lines[at - 3]}\n ${lines[at - 2]}\n-${lines[at - 1]}\n+changed ${at}\n ${lines[at]}\n ${lines[at + 1]}\n`;
      const patch = `--- a/data.txt\n+++ b/data.txt\n${[10, count / 2, count - 10].map(hunk).join("")}`;
      const ws = new DiskWorkspace(dir);
      const plan = await planPatch(ws, patch);
      if (!plan.ok) throw new Error("the patch did not apply");
      const hearth = await medianAsync(async () => void (await planPatch(ws, patch)));
      const reference = median(() => {
        const text = decodeText(readFileSync(join(dir, "data.txt")), "data.txt").text;
        if (joinLines(splitLines(text)).length !== text.length) throw new Error("unreachable");
      });
      out.push(row([`${(count / 1000).toFixed(0)}k lines`, ms(hearth), ms(reference), `${(hearth / reference).toFixed(1)}×`, (hearth * 1000 / (count / 1000)).toFixed(1)]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

console.log(`Node ${process.version}, median of ${RUNS} runs.\n`);
console.log(parserTable().join("\n"));
console.log("");
console.log((await patchTable()).join("\n"));
