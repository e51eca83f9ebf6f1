/**
 * The user's home folder, for the files Hearth keeps there (protocol/home-folder.ts says why
 * not os.homedir()): an empty or relative HOME is passed over for the user's own home in the
 * system's user list.
 */
import { homedir, userInfo } from "node:os";
import { isAbsolute } from "node:path";
import { homeFolderOf } from "../protocol/home-folder.ts";

/** The home folder: $HOME when it is an absolute path, else the system's for this user. */
export function homeFolder(): string {
  return homeFolderOf({ homedir, userInfo, isAbsolute });
}
