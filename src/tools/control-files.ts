/**
 * Files that make the editor, git, CI or Hearth itself act without the user running anything:
 * VS Code's tasks that run when a folder opens and settings that name programs, git hooks,
 * a dev container's commands, CI pipelines (run with the repository's secrets on the next
 * push), Hearth's own rules and memory. Writing one turns an edit into
 * something that runs or steers later, so the agent asks before writing one even where
 * edits need no asking (`auto-edit`; see agent/loop.ts `needsApproval`).
 */
import { realpath } from "node:fs/promises";
import { relative, sep } from "node:path";
import { shownPath } from "../indexer/index.ts";
import { checkWritable } from "./workspace.ts";

const CONTROL_FILES: readonly (readonly [RegExp, string])[] = [
  [/(^|\/)\.vscode\//i, "VS Code reads it: a task there can run when the folder opens, a setting can name a program an extension runs, mcp.json starts servers"],
  [/\.code-workspace$/i, "a VS Code workspace file: its settings and tasks act like those in .vscode"],
  [/(^|\/)\.devcontainer(\/|\.json$)/i, "a dev container definition: VS Code runs its commands when the folder is reopened in a container (initializeCommand on this machine)"],
  // lefthook's .lefthook/ and .lefthook-local/ (source_dir): scripts its configuration names, run as hooks.
  [/(^|\/)\.(husky|githooks|lefthook|lefthook-local)\//i, "a git hook: it runs when you next commit"],
  // Hook managers' configuration: the hooks they installed read it at each commit (pre-commit's `repo: local` entries run any command).
  [/(^|\/)(\.pre-commit-config\.ya?ml|\.?lefthook(-local)?\.(ya?ml|toml|jsonc?))$/i, "a git hook manager's configuration (pre-commit, lefthook): the commands it names run when you next commit"],
  // CI pipelines: GitHub Actions (workflows and the local actions they use), GitLab, CircleCI, Azure, Jenkins, Travis, Bitbucket, Buildkite.
  [/(^|\/)\.github\/(workflows|actions)\/|(^|\/)(\.gitlab-ci\.ya?ml|azure-pipelines\.ya?ml|Jenkinsfile|\.travis\.ya?ml|bitbucket-pipelines\.ya?ml)$|(^|\/)\.(circleci|buildkite)\//i, "a CI pipeline: it runs on the next push, with the repository's secrets"],
  [/(^|\/)\.hearth\/|(^|\/)AGENTS\.md$/i, "Hearth's project rules and memory: they steer every later run of the agent, yours and your team's"],
];

/** Why writing this workspace-relative path is more than an edit, or undefined for an ordinary file. */
export function controlFileReason(path: string): string | undefined {
  const normal = path.replace(/\\/g, "/");
  return CONTROL_FILES.find(([pattern]) => pattern.test(normal))?.[1];
}

/**
 * Why writing `path` in the workspace at `root` changes a control file — by its name, or
 * through links (`notes.txt` → `.vscode/tasks.json`: the write lands there) — as the line
 * the user is shown; undefined for an ordinary file or a path the write will refuse anyway.
 */
export function controlFileWrite(root: string, path: string): Promise<string | undefined> {
  return reasonByNameOrLink(root, path, "changes", controlFileReason);
}

/**
 * `reasonOf` the workspace path `path` or, through links, of the file it lands on, as the line
 * the user is shown ("it changes notes.txt, a link to .vscode/tasks.json: …"); undefined when
 * neither has one, or for a path the tools refuse anyway: where `landsOn` finds no real path
 * (by default `writtenFile`'s: outside the workspace, in .git).
 */
export async function reasonByNameOrLink(root: string, path: string, verb: string, reasonOf: (path: string) => string | undefined, landsOn = writtenFile): Promise<string | undefined> {
  const named = reasonOf(path);
  if (named) return `it ${verb} ${shownPath(path)}: ${named}`;
  const real = await landsOn(root, path);
  if (real === undefined) return undefined;
  const target = relative(await realpath(root), real).split(sep).join("/");
  const linked = reasonOf(target);
  return linked ? `it ${verb} ${shownPath(path)}, a link to ${shownPath(target)}: ${linked}` : undefined;
}

/** The real path a write of `path` lands on, or undefined for a write the tools refuse (`checkWritable`). */
export function writtenFile(root: string, path: string): Promise<string | undefined> {
  return checkWritable(root, path).then(({ real }) => real, () => undefined);
}
