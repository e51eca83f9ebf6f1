/**
 * Patch-application benchmark: Hearth's tolerant applier next to `git apply`,
 * `git apply --recount --ignore-whitespace -C1` and `patch -p1 --fuzz=3`, on the same
 * corpus of real diffs (test/bench/patch-corpus.ts), each damaged every way LLMs damage
 * diffs (test/unit/tools/helpers/diffs.ts, plus three damages below).
 *   npm run build && npm run bench -- patch [--cli-sample N | --cli-all] [--only TEXT] [--verbose]
 * Every (diff, damage, tool) run starts from a fresh copy of the original tree. Outcomes:
 * applied exactly (exit 0, tree byte-identical to the intended one), refused (non-zero exit,
 * tree unchanged), wrong (anything else). Prints Markdown tables.
 *
 * Hearth runs in-process through the CLI command itself (`applyPatchCommand.run`, the code
 * behind `hearth apply-patch`: same flags, same planning, same write); `node out/cli.mjs`
 * spends over a second starting up, so a sample of runs (--cli-sample, default 40) is
 * repeated through the built CLI and must classify the same. --cli-all uses it for all.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { applyPatchCommand } from "../../src/cli/commands/apply-patch.ts";
import { UsageError } from "../../src/cli/command.ts";
import { DAMAGES, loadTree, writeTree } from "../unit/tools/helpers/diffs.ts";
import { DROPPED_CONTEXT } from "../unit/tools/helpers/dropped-context.ts";
import { type BaseCase, type Tree, buildCorpus, sources } from "./patch-corpus.ts";

type Outcome = "applied" | "refused" | "wrong";

interface ToolSpec {
  readonly name: string;
  /** Runs the tool on `dir` with the patch in `patchFile`; resolves to the exit code. */
  run(dir: string, patchFile: string): Promise<number>;
}

const CLI = join(import.meta.dirname, "../../out/cli.mjs");

/** Damages of this corpus beyond the shared catalogue; n/a where they change nothing. */
const EXTRA_DAMAGES: Record<string, (patch: string) => string> = {
  "no final newline in the patch": (p) => p.replace(/\n+$/, ""),
  "`\\ No newline` marker dropped": (p) => p.replace(/^\\ No newline at end of file\r?\n/gm, ""),
  "LF patch for a CRLF file": (p) => p.replace(/\r(?=\n)/g, ""),
};
// SWE-bench-style: an inner context line beside a change dropped (blank or not, counts stale or recomputed).
const ALL_DAMAGES = { ...DAMAGES, ...EXTRA_DAMAGES, ...DROPPED_CONTEXT };

function exec(cmd: string, args: readonly string[], cwd: string): Promise<number> {
  return new Promise((resolve) => {
    // detached: no controlling terminal, so `patch` cannot stop to ask on /dev/tty.
    const child = spawn(cmd, args, { cwd, stdio: "ignore", detached: true, timeout: 30_000 });
    child.on("error", () => resolve(127));
    child.on("close", (code) => resolve(code ?? 1));
  });
}

const hearthInProcess: ToolSpec = {
  name: "hearth apply-patch",
  async run(dir, patchFile) {
    const io = { out: () => {}, err: () => {}, readStdin: async () => "", cwd: dir, signal: new AbortController().signal };
    try {
      return await applyPatchCommand.run(["--cwd", dir, patchFile], io);
    } catch (error) {
      return error instanceof UsageError ? 2 : 1;
    }
  },
};

const hearthCli: ToolSpec = { name: "hearth apply-patch", run: (dir, file) => exec(process.execPath, [CLI, "apply-patch", "--cwd", dir, file], dir) };

const OTHERS: readonly ToolSpec[] = [
  { name: "git apply", run: (dir, file) => exec("git", ["apply", file], dir) },
  { name: "git apply --recount --ignore-whitespace -C1", run: (dir, file) => exec("git", ["apply", "--recount", "--ignore-whitespace", "-C1", file], dir) },
  { name: "patch -p1 --fuzz=3", run: (dir, file) => exec("patch", ["-p1", "--fuzz=3", "-i", file], dir) },
];

function sameTree(a: Tree, b: Tree): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

/** One tool on one damaged patch, on a fresh copy of the tree. */
async function runOne(tool: ToolSpec, run: Run): Promise<Outcome> {
  const { c, patch, after } = run;
  const root = mkdtempSync(join(tmpdir(), "hearth-patch-bench-"));
  try {
    const dir = join(root, "tree");
    mkdirSync(dir);
    writeTree(dir, c.before);
    const patchFile = join(root, "change.diff");
    // git prints the diff as UTF-8 (the corpus trees are byte strings, the patch is text).
    writeFileSync(patchFile, patch, "utf8");
    const code = await tool.run(dir, patchFile);
    // `patch` leaves .orig/.rej files beside what it touched: litter, not a wrong result.
    const tree = Object.fromEntries(Object.entries(loadTree(dir)).filter(([p]) => !/\.(orig|rej)$/.test(p) || p in c.before));
    if (code === 0 && sameTree(tree, after)) return "applied";
    if (code !== 0 && sameTree(tree, c.before)) return "refused";
    return "wrong";
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

interface Run {
  readonly c: BaseCase;
  readonly damage: string;
  readonly patch: string;
  /** The intended tree: the case's, except where the damage changed what was meant. */
  readonly after: Tree;
  readonly outcomes: Record<string, Outcome>;
  cli?: Outcome;
}

function parseArgs(argv: readonly string[]): { cliSample: number; cliAll: boolean; verbose: boolean; only?: string } {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value("--only");
  return { cliSample: Number(value("--cli-sample") ?? 40), cliAll: argv.includes("--cli-all"), verbose: argv.includes("--verbose"), ...(only ? { only } : {}) };
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function damagedRuns(corpus: readonly BaseCase[], only: string | undefined): Run[] {
  const runs: Run[] = [];
  for (const c of corpus) {
    for (const [damage, fn] of Object.entries(ALL_DAMAGES)) {
      if (only && !damage.includes(only) && !c.id.includes(only)) continue;
      const patch = fn(c.patch);
      // A damage that leaves this diff as it was (one hunk "out of order", no CR to drop) is n/a.
      if (damage !== "none" && patch === c.patch) continue;
      runs.push({ c, damage, patch, after: intendedAfter(c, damage), outcomes: {} });
    }
  }
  return runs;
}

// A file the patch creates has no original to stay faithful to: with its tabs turned into
// spaces, the spaces are what the patch asks for.
function intendedAfter(c: BaseCase, damage: string): Tree {
  if (damage !== "tabs turned into spaces") return c.after;
  const created = [...c.patch.matchAll(/^--- \/dev\/null\n\+\+\+ b\/(.+)$/gm)].map((m) => m[1]!);
  return { ...c.after, ...Object.fromEntries(created.map((p) => [p, c.after[p]!.replace(/^\t+/gm, (t) => "    ".repeat(t.length))])) };
}

const pct = (n: number, total: number): string => (total === 0 ? "—" : `${((100 * n) / total).toFixed(1).replace(/\.0$/, "")}`);

function cell(runs: readonly Run[], tool: string): string {
  const count = (o: Outcome): number => runs.filter((r) => r.outcomes[tool] === o).length;
  const wrong = count("wrong");
  return `${pct(count("applied"), runs.length)} / ${pct(count("refused"), runs.length)} / ${wrong === 0 ? "**0**" : pct(wrong, runs.length)}`;
}

function table(rows: readonly [string, readonly Run[]][], tools: readonly string[], first: string): string {
  const head = `| ${first} | runs | ${tools.map((t) => `\`${t}\``).join(" | ")} |`;
  const rule = `|---|---:|${tools.map(() => "---|").join("")}`;
  return [head, rule, ...rows.map(([name, rs]) => `| ${name} | ${rs.length} | ${tools.map((t) => cell(rs, t)).join(" | ")} |`)].join("\n");
}

function groupBy(runs: readonly Run[], key: (r: Run) => string): [string, Run[]][] {
  const groups = new Map<string, Run[]>();
  for (const r of runs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return [...groups];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const corpus = buildCorpus();
  const runs = damagedRuns(corpus, args.only);
  const cliReady = existsSync(CLI);
  const hearth = args.cliAll && cliReady ? hearthCli : hearthInProcess;
  const tools = [hearth, ...OTHERS];
  const step = Math.max(1, Math.floor(runs.length / Math.max(1, args.cliSample)));
  let done = 0;
  await pool(runs, Math.max(2, availableParallelism()), async (run) => {
    for (const tool of tools) run.outcomes[tool.name] = await runOne(tool, run);
    if (cliReady && !args.cliAll && args.cliSample > 0 && runs.indexOf(run) % step === 0) run.cli = await runOne(hearthCli, run);
    if (++done % 200 === 0) process.stderr.write(`${done}/${runs.length} runs\n`);
  });
  report(corpus, runs, tools.map((t) => t.name), { seconds: (performance.now() - started) / 1000, cliAll: args.cliAll && cliReady, cliReady });
  if (!args.verbose) return;
  for (const r of runs) for (const t of tools) if (r.outcomes[t.name] !== "applied") process.stderr.write(`${t.name} ${r.outcomes[t.name]}: ${r.c.id} / ${r.damage}\n`);
}

function report(corpus: readonly BaseCase[], runs: readonly Run[], tools: readonly string[], info: { seconds: number; cliAll: boolean; cliReady: boolean }): void {
  const damaged = runs.filter((r) => r.damage !== "none");
  const byDamage = groupBy(runs, (r) => r.damage);
  const kinds = groupBy(corpus.map((c) => ({ c, damage: "", patch: "", after: c.after, outcomes: {} })), (r) => r.c.kind).map(([k, rs]) => `${k} ${rs.length}`);
  const srcs = sources().map((s) => s.path);
  console.log(`Corpus: ${corpus.length} base diffs from ${srcs.length} real files (${srcs.join(", ")}); change kinds: ${kinds.join(", ")}.`);
  console.log(`${runs.length} (diff, damage) pairs (${damaged.length} damaged, n/a pairs left out), ${runs.length * tools.length} tool runs, ${info.seconds.toFixed(0)} s.\n`);
  console.log("Each cell: applied exactly % / refused % / wrong %.\n");
  console.log(table([...byDamage, ["**all damaged diffs**", damaged]], tools, "damage"));
  const wrongCounts = tools.map((t) => `${t}: ${damaged.filter((r) => r.outcomes[t] === "wrong").length}`);
  console.log(`\nWrong results on damaged diffs (count): ${wrongCounts.join("; ")}.\n`);
  console.log(table(groupBy(damaged, (r) => r.c.kind), tools, "change (all damages)"));
  const sampled = runs.filter((r) => r.cli !== undefined);
  const agree = sampled.filter((r) => r.cli === r.outcomes[tools[0]!]).length;
  if (info.cliAll) console.log("\nHearth ran through `node out/cli.mjs` for every run.");
  else if (!info.cliReady) console.log("\nout/cli.mjs not built: no CLI cross-check (run `npm run build`).");
  else console.log(`\nCLI cross-check: ${agree} of ${sampled.length} sampled runs classify the same through \`node out/cli.mjs apply-patch\`.`);
  for (const r of runs.filter((x) => x.outcomes[tools[0]!] === "wrong" || (x.cli !== undefined && x.cli !== x.outcomes[tools[0]!]))) {
    process.stderr.write(`HEARTH ${r.outcomes[tools[0]!]} (cli: ${r.cli ?? "-"}): ${r.c.id} / ${r.damage}\n`);
  }
}

await main();
