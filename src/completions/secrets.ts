/**
 * Files that look like they hold secrets: environment files, private keys, credential
 * stores. Completions never show them to the model — neither as the document being
 * completed nor as context for another file (a recent edit, a definition) — because the
 * completion model may be a server elsewhere (`hearth.serverUrl`) and a prompt may be
 * logged; ghost text in such a file would only ever be someone's key. Templates meant to be
 * committed (`.env.example`) and public keys (`*.pub`) are ordinary files.
 */

/** Whole file names (compared lower-case). */
const NAMES = new Set([
  ".env", ".npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials", ".htpasswd", ".pgpass",
  ".dockercfg", "credentials", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk",
]);
/** File name endings (lower-case): key and certificate stores, `prod.env`. */
const ENDINGS = [".env", ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk"];
/** `.env.<anything>` but one ending in these (`.env.example`, `.env.local.sample`): committed templates. */
const ENV_TEMPLATES = new Set(["example", "sample", "template", "dist", "defaults"]);
/** In these folders every file but a public key or the folder's plain configuration is secret. */
const SECRET_FOLDERS = new Set([".ssh", ".gnupg"]);
const PUBLIC_IN_SECRET_FOLDERS = new Set(["config", "known_hosts", "known_hosts.old", "authorized_keys"]);

/** Whether the file at `pathOrUri` (a relative path, a file path, or a URI) looks like it holds secrets. */
export function looksLikeSecrets(pathOrUri: string): boolean {
  const parts = pathOrUri.replace(/[?#].*$/s, "").split(/[\\/]+/).map(decode);
  const name = (parts.at(-1) ?? "").toLowerCase();
  if (!name || name.endsWith(".pub")) return false;
  if (NAMES.has(name) || ENDINGS.some((ending) => name.endsWith(ending))) return true;
  if (name.startsWith(".env.")) return !ENV_TEMPLATES.has(name.slice(name.lastIndexOf(".") + 1));
  const folder = (parts.at(-2) ?? "").toLowerCase();
  return SECRET_FOLDERS.has(folder) && !PUBLIC_IN_SECRET_FOLDERS.has(name);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
