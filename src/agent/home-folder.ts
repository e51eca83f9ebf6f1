/**
 * The user's home folder, for the files Hearth keeps there (the CLI's downloads and index
 * cache, the state folder of checkout locks and `hearth fix`'s checkpoints). os.homedir() is
 * $HOME as it is: an empty HOME (a systemd unit's `Environment=HOME=`, a CI step's env) made
 * it "", and every folder under it relative to wherever Hearth ran — inside the repository.
 * Such a HOME is passed over for the user's own home in the system's user list.
 */
import { homedir, userInfo } from "node:os";
import { isAbsolute } from "node:path";

/** The home folder: $HOME when it is an absolute path, else the system's for this user. */
export function homeFolder(): string {
  const home = homedir();
  if (isAbsolute(home)) return home;
  let own: string | undefined;
  try {
    own = userInfo().homedir;
  } catch {
    own = undefined; // a user id the system does not list (a container run with --user 12345)
  }
  if (own && isAbsolute(own)) return own;
  throw new Error(`Hearth has no home folder to keep its files in: HOME is ${home ? `"${home}", not an absolute path` : "empty"} and this user has none in the system's user list; set HOME to a folder this user can write`);
}
