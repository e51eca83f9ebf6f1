/**
 * The environment of the programs Hearth starts for the user — the agent's commands and tests
 * (run-command.ts) and the stdio MCP servers of a configuration (mcp/connection.ts): Hearth's
 * own, without what is Hearth's alone, what points a program at another place than the
 * workspace, or what asks for a passphrase through the user's terminal or a window, with git,
 * ssh and Git Credential Manager told to ask no one (NO_PROMPTS), and with the user's
 * NODE_OPTIONS back where the editor's runtime was started without them
 * (protocol/node-options.ts).
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

/**
 * What asks a person for a password or passphrase through the user's terminal or a window:
 * GPG_TTY (the terminal `hearth chat` runs in, by name: gpg-agent's pinentry-curses opened it
 * and drew its dialog over the chat, reading the user's keys), SSH_ASKPASS, and VS Code's
 * askpass (VSCODE_GIT_*: the integrated terminal's, asking in a window). Both kinds of program
 * run in a session of their own with no terminal (setsid), and the editor's runtime never had
 * these (extension/runtime-env.ts is an allowlist): a stdio MCP server under `hearth chat
 * --mcp` had them all, so a git MCP server's signed commit drew the passphrase box over the
 * chat. A server's config may still pass one back in its `env` ("${env:SSH_ASKPASS}").
 */
const PROMPTS = /^(SSH_ASKPASS|VSCODE_GIT_.*|GPG_TTY)$/i;

/**
 * No password or passphrase asked for, by the agent's commands and the stdio MCP servers alike:
 * a model's `git push` or `git fetch` of a private remote ran the askpass the user's desktop or
 * VS Code's integrated terminal sets (GIT_ASKPASS, SSH_ASKPASS with DISPLAY; VS Code's asks
 * through its window), which opened a dialog and waited for a person until the time limit —
 * under `hearth fix`, with no one there. And taking SSH_ASKPASS out is not enough: ssh with no
 * terminal and DISPLAY set falls back to /usr/bin/ssh-askpass (OpenSSH's readpass.c), so a git
 * MCP server's fetch still opened a window where that is installed. Now git fails at once
 * ("could not read Username for 'https://…': terminal prompts disabled"; an empty GIT_ASKPASS
 * outranks core.askPass and SSH_ASKPASS), ssh asks through no program (OpenSSH 8.4 and later)
 * and Git Credential Manager opens no window; stored credentials (a credential helper,
 * ssh-agent, a key without passphrase) still work, and DISPLAY stays (a server may open a
 * browser). A server's config may set any of these otherwise in its `env`.
 */
export const NO_PROMPTS = { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", SSH_ASKPASS_REQUIRE: "never", GCM_INTERACTIVE: "never" };

/** `base` for a program the user's work runs: see the module's comment. */
export function userProgramEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of [...HEARTH_OWN, ...ELSEWHERE, ...Object.keys(env).filter((key) => PROMPTS.test(key))]) delete env[name];
  const nodeOptions = env[USER_NODE_OPTIONS_VARIABLE];
  delete env[USER_NODE_OPTIONS_VARIABLE];
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  return { ...env, ...NO_PROMPTS };
}
