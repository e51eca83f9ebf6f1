/**
 * The user's home folder, for the files Hearth keeps there (the CLI's downloads and index
 * cache, the state folder of checkout locks and `hearth fix`'s checkpoints) and the paths that
 * name it (`~/` in a tool's path or a modelPath, the home's keys whose other names the index
 * and the tools leave out). os.homedir() is $HOME as it is: an empty HOME (a systemd unit's
 * `Environment=HOME=`, a CI step's env) made it "", and every path under it relative to
 * wherever Hearth ran — inside the repository. Such a HOME is passed over for the user's own
 * home in the system's user list.
 * No Node imports (protocol/ stays free of Node's modules): the caller hands over node:os's
 * homedir and userInfo and node:path's isAbsolute; agent/home-folder.ts's homeFolder does.
 */

/** node:os's homedir and userInfo, node:path's isAbsolute: pass those. */
export interface HomeCalls {
  readonly homedir: () => string;
  readonly userInfo: () => { readonly homedir: string };
  readonly isAbsolute: (path: string) => boolean;
}

/** The home folder: $HOME when it is an absolute path, else the system's for this user; throws where there is neither. */
export function homeFolderOf(calls: HomeCalls): string {
  let home: string;
  try {
    home = calls.homedir();
  } catch {
    home = ""; // HOME unset and a user id the system does not list: libuv's uv_os_homedir says ENOENT
  }
  if (calls.isAbsolute(home)) return home;
  let own: string | undefined;
  try {
    own = calls.userInfo().homedir;
  } catch {
    own = undefined; // a user id the system does not list (a container run with --user 12345)
  }
  if (own && calls.isAbsolute(own)) return own;
  throw new Error(`Hearth has no home folder to keep its files in: HOME is ${home ? `"${home}", not an absolute path` : "empty or unset"} and this user has none in the system's user list; set HOME to a folder this user can write`);
}
