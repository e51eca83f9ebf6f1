/**
 * The XDG base folders hearth keeps its files in (the index cache, downloads) and looks in
 * (VS Code's storage). The XDG spec: a variable that is empty or not an absolute path is
 * ignored and the default under the home folder used — an empty XDG_CACHE_HOME (a CI's
 * `XDG_CACHE_HOME=$UNSET`) put `hearth index`'s cache in hearth/index under the folder
 * hearth ran in, inside the user's repository.
 */
import { isAbsolute, join } from "node:path";
import { homeFolder } from "../agent/home-folder.ts";

const DEFAULTS = {
  XDG_CACHE_HOME: [".cache"],
  XDG_DATA_HOME: [".local", "share"],
  XDG_CONFIG_HOME: [".config"],
} as const;

/** `$variable` when it is an absolute path, else its default under the home folder. */
export function xdgFolder(variable: keyof typeof DEFAULTS, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[variable];
  return value && isAbsolute(value) ? value : join(homeFolder(), ...DEFAULTS[variable]);
}
