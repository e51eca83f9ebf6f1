/**
 * Reads that ask first. Reads never ask, but for a file that looks like it holds secrets
 * (`protocol/secret-files.ts`: an environment file, a private key, a credential store): a
 * model steered by what it read (a README, an issue text, a dependency's comment) can read
 * `.env` and copy it into a file, a commit message or a command's arguments, and every tool
 * result is kept in the saved conversation and goes to the model's server, which may be a
 * team's (`hearth.serverUrl`). So the user sees that read before it happens, under every
 * policy but `auto-all` (see agent/loop.ts `needsApproval`). Search already leaves such files
 * out when it walks folders (search.ts); a call naming one asks.
 *
 * An edit of one asks too, even under `auto-edit`: an edit_file or apply_patch that does not
 * match answers with the file's nearest lines ("did you mean"), so a guessed `old_text` read
 * the keys as well as read_file would.
 */
import { secretFileReason } from "../protocol/secret-files.ts";
import { reasonByNameOrLink } from "./control-files.ts";

/**
 * Why reading `path` in the workspace at `root` shows the model what looks like secrets — by
 * its name, or through links (`notes.txt` → `.env`: the read shows `.env`) — as the line the
 * user is shown; undefined for an ordinary file or a path the read will refuse anyway.
 */
export function secretFileRead(root: string, path: string): Promise<string | undefined> {
  return reasonByNameOrLink(root, path, "reads", (p) => secretFileReason(p));
}

/** The same for a write (edit_file, apply_patch, write_file): "it changes .env: …". */
export function secretFileWrite(root: string, path: string): Promise<string | undefined> {
  return reasonByNameOrLink(root, path, "changes", (p) => secretFileReason(p));
}
