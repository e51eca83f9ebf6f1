/**
 * git_diff: what the agent has changed so far — the diff from the session's first
 * checkpoint to now when checkpoints are on (new files included), else `git diff HEAD`
 * of the user's repository (read-only: --no-optional-locks keeps git from touching the index).
 */
import { spawn } from "node:child_process";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { type Tool, ToolError, optionalString } from "./tool.ts";

const MAX_DIFF_CHARS = 40_000;
/** A new file larger than this (a dataset, a build output nobody ignored) is named, not diffed: far more than is shown. */
const MAX_NEW_FILE_BYTES = 1024 * 1024;

export const gitDiffTool: Tool = {
  effect: "read",
  display: { title: "Git diff", wouldLikeTo: ["show the changes to {path}", "show the changes"], keyArguments: ["path"], body: "arguments" },
  definition: {
    name: "git_diff",
    description: "Show the changes made in the workspace so far as a unified diff (optionally for one path).",
    parameters: {
      type: "object",
      properties: { path: { type: "string", description: "Only changes under this file or folder." } },
      required: [],
    },
  },
  async execute(input, ctx) {
    const raw = optionalString(input, "path");
    const paths = raw ? [await ctx.workspace.resolve(raw)] : [];
    let diff: string;
    if (ctx.checkpoints && ctx.runStart) {
      diff = await ctx.checkpoints.diff(ctx.runStart, undefined, paths);
    } else {
      diff = await gitDiff(ctx.workspace.root, paths, ctx.signal);
    }
    const text = diff.length > MAX_DIFF_CHARS ? `${diff.slice(0, MAX_DIFF_CHARS)}\n[… diff cut at ${MAX_DIFF_CHARS} characters; ask for one path]` : diff;
    return { text: text === "" ? "No changes." : text, data: { diff } };
  },
};

/**
 * `git diff HEAD` plus the files git does not track yet (ignored ones left out): what the
 * agent created is a change too. Pathspecs are literal (`app/[id].tsx` is a file name).
 * New files are diffed one by one against /dev/null, until the diff is over what is shown.
 */
async function gitDiff(root: string, paths: readonly string[], signal: AbortSignal): Promise<string> {
  const pathspec = paths.map((p) => `:(literal)${p}`);
  let diff = (await git(root, ["diff", "--no-ext-diff", "--no-color", "HEAD", "--", ...pathspec], signal)).toString("utf8");
  const listed = (await git(root, ["ls-files", "-z", "--others", "--exclude-standard", "--", ...pathspec], signal)).toString("utf8").split("\0");
  // A nested repository is listed as its folder ("sub/"): not a file to diff.
  const untracked = listed.filter((p) => p !== "" && !p.endsWith("/"));
  for (const [i, file] of untracked.entries()) {
    if (diff.length > MAX_DIFF_CHARS) {
      diff += `[… and ${untracked.length - i} more new file(s) not shown]\n`;
      break;
    }
    const size = (await lstat(join(root, file)).catch(() => undefined))?.size ?? 0;
    if (size > MAX_NEW_FILE_BYTES) {
      diff += `[new file ${file}: ${size} bytes, not shown]\n`;
      continue;
    }
    diff += (await git(root, ["diff", "--no-index", "--no-ext-diff", "--no-color", "--", "/dev/null", file], signal, 1)).toString("utf8");
  }
  return diff;
}

/** Runs a read-only git command in `root`; stdout as bytes (decoded by the caller: a chunk may end inside a character). */
function git(root: string, args: readonly string[], signal: AbortSignal, okCode = 0): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["--no-optional-locks", ...args], { cwd: root, signal, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => reject(new ToolError("unavailable", `git is not available: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0 || code === okCode) resolve(Buffer.concat(out));
      else reject(new ToolError("unavailable", `no checkpoints and git ${args[0]} failed: ${Buffer.concat(err).toString("utf8").trim()}`));
    });
  });
}
