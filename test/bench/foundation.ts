// Foundation benchmarks, each side by side with a reference measured in the same run:
//   1. runtime spawn → initialize → first hearth/status answered, vs a bare
//      vscode-languageserver process doing the same (reference-server.mjs);
//   2. extension activate() start → end in a real workbench (code-server), vs a reference
//      extension that does the same kinds of work (reference-extension/);
//   3. VSIX size (if `npm run package` made one).
// Run: npm run build && npm run bench -- foundation   (prints a Markdown table)
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { spawnRuntime } from "../../src/cli/runtime-connection.ts";
import { StatusRequest } from "../../src/protocol/lsp-ext.ts";
import { startWorkbench } from "../e2e/workbench.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WORKBENCH_RUNS = Number(process.env.BENCH_WORKBENCH_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]!;

async function spawnToReady(runtimePath: string): Promise<number> {
  const started = performance.now();
  const runtime = await spawnRuntime({ runtimePath, initializationOptions: { settings: {} } });
  await runtime.connection.sendRequest(StatusRequest);
  const elapsed = performance.now() - started;
  await runtime.close();
  return elapsed;
}

async function benchSpawn() {
  const hearth: number[] = [];
  const reference: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate so machine noise hits both alike.
    hearth.push(await spawnToReady(join(ROOT, "out/runtime.mjs")));
    reference.push(await spawnToReady(join(ROOT, "test/bench/reference-server.mjs")));
  }
  return { hearth, reference };
}

function numberFromLog(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  return match ? Number(match[1]) : undefined;
}
const ACTIVATED = /activated in ([\d.]+) ms/;
const RUNTIME_READY = /runtime ready in ([\d.]+) ms/;

async function benchActivation() {
  const hearth: number[] = [];
  const reference: number[] = [];
  const runtimeReady: number[] = [];
  for (let i = 0; i < WORKBENCH_RUNS; i++) {
    const folder = mkdtempSync(join(tmpdir(), "hearth-bench-ws-"));
    const wb = await startWorkbench({ folder, extraExtensions: [join(ROOT, "test/bench/reference-extension")] });
    try {
      const deadline = Date.now() + 60_000;
      let h: number | undefined;
      let r: number | undefined;
      let ready: number | undefined;
      while ((h === undefined || r === undefined || ready === undefined) && Date.now() < deadline) {
        h = numberFromLog(wb.readOutputLog("Hearth"), ACTIVATED);
        ready = numberFromLog(wb.readOutputLog("Hearth"), RUNTIME_READY);
        r = numberFromLog(wb.readOutputLog("Bench Reference"), ACTIVATED);
        await new Promise((res) => setTimeout(res, 250));
      }
      if (h === undefined || r === undefined || ready === undefined) throw new Error("an extension did not log its activation time");
      hearth.push(h);
      reference.push(r);
      runtimeReady.push(ready);
    } finally {
      await wb.close();
    }
  }
  return { hearth, reference, runtimeReady };
}

function vsixFacts() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const vsix = join(ROOT, `${pkg.name}-${pkg.version}-${process.platform}-${process.arch}.vsix`);
  if (!existsSync(vsix)) return undefined;
  const listing = execFileSync("unzip", ["-l", vsix], { encoding: "utf8", maxBuffer: 64 << 20 }).trim().split("\n");
  const total = listing.at(-1)!.trim().split(/\s+/);
  return { name: vsix.split("/").pop()!, bytes: statSync(vsix).size, unpacked: Number(total[0]), files: Number(total[1]) };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const spawn = await benchSpawn();
const activation = await benchActivation();
const vsix = vsixFacts();
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform}-${process.arch}, Node ${process.version}; ${RUNS} spawn runs, ${WORKBENCH_RUNS} workbench runs.`,
  "",
  "| measure | Hearth p50 | Hearth p95 | reference p50 | ratio (p50) | target |",
  "|---|---|---|---|---|---|",
  `| runtime spawn → ready (no model) | ${fmt(median(spawn.hearth))} | ${fmt(p95(spawn.hearth))} | ${fmt(median(spawn.reference))} (bare vscode-languageserver) | ${(median(spawn.hearth) / median(spawn.reference)).toFixed(2)}× | < 1000 ms |`,
  `| extension activate() start → end (code-server) | ${fmt(median(activation.hearth))} | ${fmt(Math.max(...activation.hearth))} (max) | ${fmt(median(activation.reference))} (reference extension) | ${(median(activation.hearth) / median(activation.reference)).toFixed(2)}× | < 50 ms |`,
  `| runtime ready inside the workbench (fork → first status; extension host, Node 24) | ${fmt(median(activation.runtimeReady))} | ${fmt(Math.max(...activation.runtimeReady))} (max) | — (compare the spawn row) | — | < 1000 ms |`,
];
if (vsix) {
  lines.push("", `VSIX ${vsix.name}: ${(vsix.bytes / 2 ** 20).toFixed(1)} MiB packed, ${(vsix.unpacked / 2 ** 20).toFixed(1)} MiB unpacked, ${vsix.files} files.`);
}
console.log(lines.join("\n"));
