/** The GPU check's results as a Markdown table (results.md), for BENCHMARKS.md. */
import type { CheckReport } from "./gpu-check.ts";
import type { PromptResult } from "./measure.ts";

const MIB = 1024 * 1024;

function rate(result: PromptResult): string {
  return "tokensPerSecond" in result ? `${result.tokensPerSecond.toLocaleString("en-US")} (${result.tokens} in ${(result.ms / 1000).toFixed(1)} s)` : `— ${result.skipped}`;
}

const mib = (bytes: number) => (bytes ? `${Math.round(bytes / MIB).toLocaleString("en-US")} MiB` : "0");

/** One table row per backend × model, then the runtime path per backend, then what was skipped. */
export function renderMarkdown(report: CheckReport): string {
  const lines = [
    `GPU check, ${report.startedAt}: Node ${report.host.node}, ${report.host.cpus} CPUs, node-llama-cpp binaries ${report.host.llamaVersion}; ${report.elapsedSeconds} s of a ${report.budgetSeconds} s budget.`,
    "",
    "| backend | model | load | prompt 2k tok/s | prompt 32k tok/s | generation tok/s | layers on GPU | VRAM after load / peak |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const b of report.backends) {
    if (b.error) lines.push(`| ${b.backend} | — | not available: ${b.error.replace(/\|/g, "\\|")} | | | | | |`);
    for (const m of b.models) {
      lines.push(`| ${b.backend}${b.devices?.length ? ` (${b.devices.join(", ")})` : ""} | ${m.model} | ${(m.loadMs / 1000).toFixed(2)} s | ${rate(m.prompt2k)} | ${rate(m.prompt32k)} | ${rate(m.generation)} | ${m.gpuLayers}/${m.totalLayers} | ${mib(m.vramAfterLoadBytes)} / ${mib(m.vramPeakBytes)} |`);
    }
  }
  lines.push("", "| backend | runtime loaded | `hearth chat` | agent step (runtime, read_file) |", "|---|---|---|---|");
  for (const b of report.backends) {
    const r = b.runtime;
    if (!r) continue;
    const cell = (s: { ok: boolean; ms: number; detail: string }) => `${s.ok ? "ok" : "FAILED"} in ${(s.ms / 1000).toFixed(1)} s: ${s.detail.replace(/\|/g, "\\|")}`;
    lines.push(`| ${b.backend} | ${cell(r.status)} | ${cell(r.chat)} | ${cell(r.agentStep)} |`);
  }
  lines.push("", "Models:", ...report.models.map((m) => `- ${m.id}: ${m.description} (generated in ${(m.generateMs / 1000).toFixed(1)} s)`));
  const skipped = report.backends.flatMap((b) => b.skipped.map((s) => `- ${b.backend}: ${s}`));
  if (skipped.length) lines.push("", "Skipped:", ...skipped);
  lines.push("", ...report.notes.map((n) => `- ${n}`), "");
  return lines.join("\n");
}
