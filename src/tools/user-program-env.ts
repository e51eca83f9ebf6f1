/**
 * The environment of the programs Hearth starts for the user — the agent's commands and tests
 * (run-command.ts) and the stdio MCP servers of a configuration (mcp/connection.ts): Hearth's
 * own, without what is Hearth's alone and without what points a program at another place than
 * the workspace, and with the user's NODE_OPTIONS back where the editor's runtime was started
 * without them (protocol/node-options.ts).
 */
import { USER_NODE_OPTIONS_VARIABLE } from "../protocol/node-options.ts";
import { REPOSITORY_VARIABLES } from "../indexer/read-only-git.ts";

/**
 * Hearth's own: node:test's NODE_TEST_CONTEXT (a project's `node --test`, or a Node server,
 * would act as a test file of Hearth's runner), the model server's key ($HEARTH_API_KEY under
 * `hearth fix --server`: a program gets it only where its config passes it) and the runtime's
 * ELECTRON_RUN_AS_NODE (VS Code's Node is Electron; a project's `electron .` would start as Node).
 */
const HEARTH_OWN = ["NODE_TEST_CONTEXT", "HEARTH_API_KEY", "ELECTRON_RUN_AS_NODE"];

/**
 * What the user's shell, or a git hook that runs hearth, set to send a program elsewhere:
 * GIT_DIR, GIT_INDEX_FILE and the others that name a repository (a pre-commit hook exports
 * GIT_INDEX_FILE, a dotfiles setup GIT_DIR=~/.dotfiles GIT_WORK_TREE=~), with which `git add`
 * wrote into that repository's index, and CDPATH, with which `cd build` left the workspace.
 */
const ELSEWHERE = [...REPOSITORY_VARIABLES, "CDPATH"];

/** `base` for a program the user's work runs: see the module's comment. */
export function userProgramEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of [...HEARTH_OWN, ...ELSEWHERE]) delete env[name];
  const nodeOptions = env[USER_NODE_OPTIONS_VARIABLE];
  delete env[USER_NODE_OPTIONS_VARIABLE];
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  return env;
}
