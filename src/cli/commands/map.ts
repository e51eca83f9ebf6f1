/** `hearth map`: prints the repo map (ranked files and signatures) fitted to a token budget. */
import { buildRepoMap } from "../../indexer/index.ts";
import { type CliCommand, noPositional, parseFlags } from "../command.ts";
import { wholeNumberOption } from "../setting-options.ts";
import { terminalText } from "../terminal-text.ts";
import { INDEX_FLAGS, INDEX_FLAGS_USAGE, nothingIndexed, openCliIndex } from "./index.ts";

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const MAP_FLAGS = { ...INDEX_FLAGS, tokens: "string", query: "string", open: "string" } as const;

export const mapCommand: CliCommand = {
  name: "map",
  summary: "print the repo map: ranked files and their key signatures within a token budget",
  usage: `hearth map [--repo DIR] --tokens N [--query TEXT] [--open FILE,FILE]

  --tokens N         the budget (default 1024), counted with an estimate (~3.5 characters a token)
  --query TEXT       issue or question text: files and identifiers it names rank higher
  --open FILES       comma-separated files to treat as open in the editor
${INDEX_FLAGS_USAGE}`,
  async run(args, io) {
    const { flags, positional } = parseFlags(args, MAP_FLAGS);
    noPositional(positional);
    const tokens = wholeNumberOption(flags.tokens, "--tokens", 1, "a positive whole number") ?? 1024;
    const { index, report } = await openCliIndex(flags, io, { command: "map" });
    try {
      const map = buildRepoMap(index, {
        tokens,
        ...(typeof flags.query === "string" ? { query: flags.query } : {}),
        openFiles: typeof flags.open === "string" ? flags.open.split(",").filter(Boolean) : [],
      });
      if (report.files === 0) {
        io.err(nothingIndexed("map", index.root, report));
        return 0;
      }
      io.out(terminalText(map.text));
      io.err(`${map.files.length} files, ${map.definitions} definitions, ~${map.tokens} tokens of ${tokens}\n`);
      return 0;
    } finally {
      await index.close();
    }
  },
};
