/** `hearth locate`: ranks the files an issue (read from stdin) is about. */
import { locate } from "../../indexer/index.ts";
import { type CliCommand, UsageError, parseFlags } from "../command.ts";
import { terminalJson, terminalName } from "../terminal-text.ts";
import { INDEX_FLAGS, INDEX_FLAGS_USAGE, openCliIndex } from "./index.ts";

export const locateCommand: CliCommand = {
  name: "locate",
  summary: "rank the files an issue text (stdin) is about, with reasons",
  usage: `hearth locate [--repo DIR] [--top N] [--json] [--open FILE,FILE] < issue.txt

  --top N            how many files (default 10)
  --json             an array of {path, score, reasons}, best first
  --open FILES       comma-separated files to treat as open in the editor
${INDEX_FLAGS_USAGE}`,
  async run(args, io) {
    const { flags, positional } = parseFlags(args, { ...INDEX_FLAGS, top: "string", json: "boolean", open: "string" });
    const top = typeof flags.top === "string" ? Number(flags.top) : 10;
    if (!Number.isInteger(top) || top <= 0) throw new UsageError("--top needs a positive whole number");
    const query = positional.length > 0 ? positional.join(" ") : await io.readStdin();
    if (query.trim() === "") throw new UsageError("no issue text: pipe it on stdin");
    const { index } = await openCliIndex(flags, io);
    try {
      const openFiles = typeof flags.open === "string" ? flags.open.split(",").filter(Boolean) : [];
      const results = locate(index, query, { top, openFiles });
      if (flags.json) {
        io.out(terminalJson(JSON.stringify(results.map((r) => ({ path: r.path, score: round(r.score), reasons: r.reasons })), null, 2)) + "\n");
      } else {
        for (const r of results) io.out(`${r.score.toFixed(3).padStart(7)}  ${terminalName(r.path)}\n         ${terminalName(r.reasons.join("; "))}\n`);
      }
      return 0;
    } finally {
      await index.close();
    }
  },
};

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
