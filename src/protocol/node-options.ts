/**
 * The user's NODE_OPTIONS, carried past the runtime to the programs it starts for them. The
 * runtime is Node itself: started with the editor's NODE_OPTIONS (`--inspect`, `--require
 * ./hook.js`, `--max-old-space-size=100`) it would open a debugger port, load the hook or
 * run out of heap, so the extension starts it without them (extension/runtime-env.ts). The
 * project's build and tests may need them (`--openssl-legacy-provider` for an old webpack,
 * a bigger heap): the extension hands the value over in this variable, and the agent's
 * commands and MCP servers get it back as NODE_OPTIONS (tools/user-program-env.ts), as
 * they had it in the user's terminal.
 */
export const USER_NODE_OPTIONS_VARIABLE = "HEARTH_USER_NODE_OPTIONS";

/**
 * `env` for a Hearth runtime process: the user's NODE_OPTIONS (any case: Windows names are
 * case-insensitive) moved into {@link USER_NODE_OPTIONS_VARIABLE}. Without any, a carrier
 * already there is kept (an environment the extension's runtimeEnvironment built).
 */
export function handOverNodeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = Object.keys(env).filter((name) => name.toUpperCase() === "NODE_OPTIONS");
  if (names.length === 0) return env;
  const handed: NodeJS.ProcessEnv = { ...env };
  const value = names.map((name) => env[name]).find((v) => v !== undefined && v !== "");
  for (const name of names) delete handed[name];
  if (value !== undefined) handed[USER_NODE_OPTIONS_VARIABLE] = value;
  return handed;
}
