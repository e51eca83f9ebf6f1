/**
 * git_diff: what the agent has changed so far — the diff from the session's first
 * checkpoint to now when checkpoints are on (new files included), else `git diff HEAD`
 * of the user's repository (read-only: --no-optional-locks keeps git from touching the index).
 */
import { spawn } from "node:child_process";
import { type Tool, ToolError, optionalString } from "./tool.ts";

const MAX_DIFF_CHARS = 40_000;

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
    if (ctx.checkpoints) {
      const first = (await ctx.checkpoints.list()).at(-1);
      diff = first ? await ctx.checkpoints.diff(first.id, undefined, paths) : "";
    } else {
      diff = await gitDiff(ctx.workspace.root, paths, ctx.signal);
    }
    const text = diff.length > MAX_DIFF_CHARS ? `${diff.slice(0, MAX_DIFF_CHARS)}\n[… diff cut at ${MAX_DIFF_CHARS} characters; ask for one path]` : diff;
    return { text: text === "" ? "No changes." : text, data: { diff } };
  },
};

function gitDiff(root: string, paths: readonly string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["--no-optional-locks", "diff", "--no-ext-diff", "--no-color", "HEAD", "--", ...paths], { cwd: root, signal, stdio: ["ignore", "pipe", "pipe"] });
    // Bytes decoded once at the end: a chunk may end inside a character.
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => reject(new ToolError("unavailable", `git is not available: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new ToolError("unavailable", `no checkpoints and git diff failed: ${Buffer.concat(err).toString("utf8").trim()}`));
    });
  });
}
