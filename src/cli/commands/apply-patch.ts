/**
 * `hearth apply-patch`: the agent's tolerant patch applier as a command. Reads a unified
 * diff (stdin or a file), prints a line per file and per hunk, and writes only when every
 * hunk of every file applies (exit 0); otherwise exit 1 and nothing is written. Every path
 * the patch would touch passes the workspace's containment check first, `--dry-run` too: a
 * patch into `.git` (in any spelling, or through a link) or out of the tree is refused.
 * `--dry-run` runs every other check the write runs too (`Workspace.check`: a read-only file).
 * A patch of several files writes every new content first, then replaces the files under a
 * journal: one killed between its files is finished by the next run in the tree, which says so
 * (DiskWorkspace.finishCutOff).
 * Its file names are taken as written, as git apply takes them: not in the other shapes the
 * agent's tools read a model's paths in (letter case, links, `:12`: tools/path-spelling.ts).
 */
import { existsSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkoutTopOf } from "../../agent/checkout-lock.ts";
import { DiskWorkspace, type PatchPlan, ToolError, type WorkspaceChange, formatPlan, planPatch } from "../../tools/index.ts";
import { patchText } from "../../tools/patch/encoding.ts";
import { checkWritable } from "../../tools/workspace.ts";
import { type CliCommand, type CliIo, UsageError, parseFlags, readInputBytes, repoFolder } from "../command.ts";
import { shellWord } from "../no-model.ts";
import { terminalJson, terminalText } from "../terminal-text.ts";

/** The options it takes (its usage names each: test/unit/cli/usage-flags.test.ts). */
export const APPLY_PATCH_FLAGS = { repo: "string", cwd: "string", "dry-run": "boolean", check: "boolean", json: "boolean" } as const;

export const applyPatchCommand: CliCommand = {
  name: "apply-patch",
  summary: "apply a unified diff (stdin or FILE), tolerant of LLM mistakes; all or nothing",
  usage: `hearth apply-patch [--repo DIR] [--dry-run] [--json] [FILE|-] < patch.diff

  --repo DIR     the tree to patch (default: the current folder); --cwd is the same
  --dry-run      check and report, write nothing; --check is the same
  --json         print the per-file, per-hunk result as JSON (run in a subfolder with a patch
                 made at the repository's top: "repoTop" names the --repo to give)
  FILE           read the patch from FILE instead of stdin ("-" = stdin)

Exit codes: 0 applied (or would apply), 1 refused (nothing written), 2 bad usage.`,
  async run(args, io) {
    const { flags, positional } = parseFlags(args, APPLY_PATCH_FLAGS);
    if (positional.length > 1) throw new UsageError("give at most one patch file");
    const repo = flags.repo ?? flags.cwd;
    const dir = repoFolder(io.cwd, typeof repo === "string" ? repo : undefined);
    const dryRun = flags["dry-run"] === true || flags.check === true;
    const source = positional[0];
    // An unset "$PATCH" is no cue to read stdin: a CI step's stdin left open waited for ever.
    if (source !== undefined && source.trim() === "") throw new UsageError('the patch file given is an empty name (an unset or empty variable, as in hearth apply-patch "$PATCH"?): name the patch file, or - for stdin');
    const { text, raw } = patchText(source && source !== "-" ? readInputBytes(resolve(io.cwd, source), "the patch file") : await stdinBytes(io));
    if (text.trim() === "") throw new UsageError("no patch: pipe it on stdin or give a file");
    // Its names as git apply reads them: a patch naming Src/X.ts is not one of src/x.ts here.
    const workspace = new DiskWorkspace(dir, { pathsAsWritten: true });
    // An earlier patch killed between its files is finished before this one reads the tree (a dry run writes nothing, this neither).
    const finished = dryRun ? undefined : await workspace.finishCutOff().catch((error: Error) => `an earlier patch cut off halfway could not be finished: ${error.message}`);
    if (finished) io.err(`hearth apply-patch: ${terminalText(finished)}\n`);
    // A dry run checks the tree as it is: one that a real run would first finish is said, so its answer is read against that.
    const pending = dryRun ? await workspace.pendingCutOff().catch(() => undefined) : undefined;
    if (pending) io.err(`hearth apply-patch: ${terminalText(pending)}; this dry run checked the patch against the files as they are now\n`);
    let plan;
    try {
      plan = await planPatch(workspace, text, { raw });
      await checkAll(dir, plan.changes);
      // --check runs apply's own checks too: `--check && apply` must never answer 0 then 1.
      if (plan.ok) await (dryRun ? workspace.check(plan.changes) : workspace.apply(plan.changes));
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      // A refused write says it already (disk-workspace.ts writeError, checkNotReadOnly).
      const message = `${error.message}${/nothing was written/.test(error.message) ? "" : "; nothing was written"}`;
      io.err(`hearth apply-patch: ${terminalText(message)}\n`);
      // Main's shape for an error, so a script reading --json's stdout reads the refusal, not nothing.
      if (flags.json) io.out(`${terminalJson(JSON.stringify({ error: { message } }))}\n`);
      return 1;
    }
    const fromTop = plan.ok ? undefined : fromTopHint(dir, typeof repo === "string", plan);
    if (flags.json) {
      // The hint a person reads on stderr, for a script too: where the patch's paths are found.
      io.out(terminalJson(JSON.stringify({ ok: plan.ok, dryRun, files: plan.files, ...(fromTop ? { repoTop: fromTop } : {}) }, null, 2)) + "\n");
      if (fromTop) io.err(terminalText(`hearth apply-patch: ${fromTop.message}\n`));
    } else if (plan.ok) io.out(terminalText(formatPlan(plan, dryRun ? "would apply" : "applied")) + "\n");
    else io.err(terminalText(formatPlan(plan, "applied", undefined, "") + "\n" + (fromTop ? `hearth apply-patch: ${fromTop.message}\n` : "")));
    return plan.ok ? 0 : 1;
  },
};

/** The patch on stdin as its bytes: git writes a Latin-1 file's lines as Latin-1 (patch/encoding.ts). */
async function stdinBytes(io: CliIo): Promise<Uint8Array> {
  return io.readStdinBytes ? io.readStdinBytes() : Buffer.from(await io.readStdin(), "utf8");
}

/**
 * A patch made at the repository's top (`git diff` names files from there) run in a subfolder of
 * it: a file it changes is not found from here but is from the top. Says so, with the --repo to
 * give (`repo`: the top; `path`: the patch's file found there); undefined where that is not so.
 */
function fromTopHint(dir: string, given: boolean, plan: PatchPlan): { repo: string; path: string; message: string } | undefined {
  const top = checkoutTopOf(realpathSync(dir));
  if (top === realpathSync(dir)) return undefined;
  const there = plan.files.find((file) => !file.ok && file.operation !== "create" && !existsSync(join(dir, file.path)) && existsSync(join(top, file.path)));
  if (!there) return undefined;
  const from = given ? `--repo ${dir}` : `the current folder (${dir})`;
  const message = `its paths are taken from ${from}, not the repository's top (${top}), where "${there.path}" is (git diff names files from the top): run hearth apply-patch --repo ${shellWord(top)}`;
  return { repo: top, path: there.path, message };
}

/** The containment check for every path of the batch, so a dry run refuses what a real run would. */
async function checkAll(root: string, changes: readonly WorkspaceChange[]): Promise<void> {
  for (const change of changes) {
    for (const path of change.kind === "rename" ? [change.from, change.to] : [change.path]) await checkWritable(root, path);
  }
}
