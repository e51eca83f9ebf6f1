/**
 * Files that look like they hold secrets: environment files, private keys, credential
 * stores. Completions never show them to the model — neither as the document being
 * completed nor as context for another file (a recent edit, a definition) — because the
 * completion model may be a server elsewhere (`hearth.serverUrl`) and a prompt may be
 * logged; ghost text in such a file would only ever be someone's key. Templates meant to be
 * committed (`.env.example`) and public keys (`*.pub`) are ordinary files.
 *
 * The user adds to this list, or takes files off it, with `hearth.inlineCompletionsExclude`
 * (glob patterns, `!` to complete a file again; see `SETTINGS`). Here in `protocol/` because
 * both sides decide with it: the runtime what it completes, the extension's status bar what
 * it says about the active file.
*/

import { type GlobAutomaton, type GlobStep, ONE_CHAR, charAt, globAutomaton, globMatches, plainChar } from "./glob.ts";

/** Whole file names (compared lower-case). */
const NAMES = new Set([
  ".env", ".npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials", ".htpasswd", ".pgpass",
  ".dockercfg", "credentials", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk",
  // Google's OAuth client and application-default credentials, a kubeconfig given by name.
  "credentials.json", "application_default_credentials.json", "kubeconfig",
  // Cargo's registry token, Vault's, Terraform's, s3cmd's and boto's keys.
  "credentials.toml", ".vault-token", ".terraformrc", "terraform.rc", ".s3cfg", ".boto",
  // Shell and REPL histories: a command's token (curl -H "Authorization: …"), a password typed as an argument (mysql -p…).
  ".bash_history", ".zsh_history", ".sh_history", ".histfile", "fish_history", ".python_history", ".node_repl_history",
  ".psql_history", ".mysql_history", ".sqlite_history", ".rediscli_history", ".irb_history",
  // MySQL's client passwords, Databricks' tokens.
  ".my.cnf", ".mylogin.cnf", ".databrickscfg",
  // direnv's: the variables a project's shell gets (export AWS_SECRET_ACCESS_KEY=…), as .env's.
  ".envrc",
]);
/** Google Cloud service-account keys as their consoles and guides name them (`service-account-prod.json`, `serviceAccountKey.json`). */
const SERVICE_ACCOUNT_KEY = /^service[-_]?account.*\.json$/;
/**
 * File name endings (lower-case): key and certificate stores, an OpenVPN profile (its client's
 * key and its `tls-auth` / `tls-crypt` static key inline), `prod.env`; Terraform's variable
 * values (`db_password = "…"`, which no value mask knows) and its state, which holds every
 * resource's secrets as written (`terraform.tfvars.example` stays ordinary).
 */
const ENDINGS = [".env", ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".kubeconfig", ".ovpn", ".tfvars", ".tfvars.json", ".tfstate", ".tfstate.backup"];
/** `.env.<anything>` but one ending in these (`.env.example`, `.env.local.sample`): committed templates. */
const ENV_TEMPLATES = new Set(["example", "sample", "template", "dist", "defaults"]);
/** In these folders every file but a public key or the folder's plain configuration is secret. */
const SECRET_FOLDERS = new Set([".ssh", ".gnupg"]);
const PUBLIC_IN_SECRET_FOLDERS = new Set(["config", "known_hosts", "known_hosts.old", "authorized_keys"]);
/**
 * Folders every file below which, at any depth, is a credential: browsers' profiles, gcloud's per-account stores
 * (`legacy_credentials/<account>/adc.json`, `.boto`), the AWS CLI's cached SSO tokens and
 * assumed roles' keys.
 */
const SECRET_TREES: readonly (readonly string[])[] = [
  ["gcloud", "legacy_credentials"], [".aws", "sso", "cache"], [".aws", "cli", "cache"],
  // Cloudflare's wrangler login (a project's .wrangler holds state/ and tmp/, not config/).
  [".wrangler", "config"],
];
/**
 * Browsers' and mail clients' profiles (lower-case): saved passwords, cookies (signed-in
 * sessions), the keys that decrypt them — every file below, as `SECRET_TREES`. Tens of
 * thousands of files (caches, storage/): `inProfileFolder` tells them apart.
 */
const PROFILE_TREES: readonly (readonly string[])[] = [
  [".mozilla", "firefox"], [".thunderbird"], [".config", "google-chrome"], [".config", "chromium"], [".config", "bravesoftware"], [".config", "microsoft-edge"],
  ["library", "application support", "google", "chrome"], ["library", "application support", "firefox"], ["library", "application support", "bravesoftware"],
  ["library", "application support", "microsoft edge"], ["appdata", "local", "google", "chrome", "user data"], ["appdata", "roaming", "mozilla", "firefox"],
  ["appdata", "local", "microsoft", "edge", "user data"], ["appdata", "local", "bravesoftware"],
  ["library", "application support", "chromium"], ["appdata", "local", "chromium", "user data"], ["snap", "chromium", "common", "chromium"],
  ["com.google.chrome", "config", "google-chrome"], ["org.chromium.chromium", "config", "chromium"], ["library", "thunderbird", "profiles"],
  ["appdata", "roaming", "thunderbird", "profiles"], [".config", "vivaldi"], ["library", "application support", "vivaldi"], ["appdata", "local", "vivaldi", "user data"],
];

/**
 * Whether the folder at `path` (relative: a home folder opened as the workspace) is a browser's
 * or mail client's profile folder or below one (`PROFILE_TREES`): every file in it is secret by
 * its name, and too many to look each up by identity (indexer/secret-links.ts walks around it).
 */
export function inProfileFolder(path: string): boolean {
  const folders = path.split(/[\\/]+/).filter((p) => p !== "").map(windowsName);
  return PROFILE_TREES.some((tree) => within(folders, tree));
}
/**
 * Configuration files that hold tokens by the folder they are in: kubectl's and docker's
 * (`auths`), gcloud's token stores, and others' below. A repository's `config` (in `.git`, or a submodule's in
 * `.git/modules/…`) is git's: a remote URL can carry a token (`https://user:TOKEN@host/…`),
 * and actions/checkout leaves an `http.extraheader` with one; `config.worktree` (a worktree's
 * own settings) can hold the same.
 */
const STORES_BY_FOLDER: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [".kube", new Set(["config"])],
  [".docker", new Set(["config.json"])],
  ["gcloud", new Set(["credentials.db", "access_tokens.db"])],
  // The GitHub CLI's token, Maven's and Gradle's repository passwords, Composer's: the home folder's, not a project's.
  ["gh", new Set(["hosts.yml"])],
  [".m2", new Set(["settings.xml", "settings-security.xml"])],
  [".gradle", new Set(["gradle.properties"])],
  [".composer", new Set(["auth.json"])],
  // The Azure CLI's tokens (az login) and its service principals' secrets; `terraform login`'s token.
  [".azure", new Set(["msal_token_cache.json", "msal_token_cache.bin", "accesstokens.json", "service_principal_entries.json"])],
  [".terraform.d", new Set(["credentials.tfrc.json"])],
  // rclone's remotes' tokens, Hugging Face's (~/.huggingface, ~/.cache/huggingface), Copilot's OAuth tokens, ngrok's authtoken,
  // flyctl's and doctl's access tokens, firebase-tools' refresh token, coding agents' logins.
  ["rclone", new Set(["rclone.conf"])],
  ["huggingface", new Set(["token", "stored_tokens"])],
  [".huggingface", new Set(["token"])],
  ["github-copilot", new Set(["hosts.json", "apps.json"])],
  [".ngrok2", new Set(["ngrok.yml"])],
  ["ngrok", new Set(["ngrok.yml"])],
  [".fly", new Set(["config.yml"])],
  ["doctl", new Set(["config.yaml"])],
  ["configstore", new Set(["firebase-tools.json"])],
  [".claude", new Set([".credentials.json"])],
  [".codex", new Set(["auth.json"])],
]);
/** cloudflared's tunnel credentials, named by the tunnel's id (`~/.cloudflared/<uuid>.json`); its config.yml is ordinary. */
const TUNNEL_FOLDER = ".cloudflared";

/**
 * The home folder's stores on the lists above, where their tools keep them (home-relative): a
 * workspace file with several links is looked up among these as another name of one
 * (indexer/secret-links.ts). A store added above gets its place here too; those named by the user
 * or a tool's id (keys, cloudflared's tunnels, wrangler's login) are listed by folder there. Browsers' profiles
 * are not here: their key files are in `HOME_PROFILES`, by profile.
 */
export const HOME_STORES: readonly string[] = [
  ".aws/credentials", ".npmrc", ".netrc", "_netrc", ".pypirc", ".git-credentials", ".docker/config.json", ".dockercfg", ".kube/config", ".pgpass",
  ".s3cfg", ".boto", ".terraformrc", ".m2/settings-security.xml",
  ".config/gcloud/application_default_credentials.json", ".config/gcloud/credentials.db", ".config/gcloud/access_tokens.db",
  ".config/gh/hosts.yml", ".cargo/credentials.toml", ".m2/settings.xml", ".gradle/gradle.properties", ".composer/auth.json", ".vault-token",
  ".azure/msal_token_cache.json", ".azure/msal_token_cache.bin", ".azure/accessTokens.json", ".azure/service_principal_entries.json", ".terraform.d/credentials.tfrc.json",
  ".bash_history", ".zsh_history", ".sh_history", ".histfile", ".local/share/fish/fish_history", ".python_history", ".node_repl_history",
  ".psql_history", ".mysql_history", ".sqlite_history", ".rediscli_history", ".irb_history",
  ".my.cnf", ".mylogin.cnf", ".databrickscfg", ".config/rclone/rclone.conf",
  ".huggingface/token", ".cache/huggingface/token", ".cache/huggingface/stored_tokens",
  ".config/github-copilot/hosts.json", ".config/github-copilot/apps.json", ".config/ngrok/ngrok.yml", ".ngrok2/ngrok.yml",
  ".fly/config.yml", ".config/doctl/config.yaml", ".config/configstore/firebase-tools.json", ".claude/.credentials.json", ".codex/auth.json",
];

/** Firefox's and Thunderbird's saved passwords, the keys that decrypt them (key3.db before Firefox 58) and cookies, in each profile. */
const MOZILLA_KEYS = ["logins.json", "signons.sqlite", "key4.db", "key3.db", "cookies.sqlite"];
/** Chrome's, Chromium's, Brave's, Edge's and Vivaldi's saved passwords, cookies (`Network/` since Chrome 96), cards and addresses, in each profile. */
const CHROMIUM_KEYS = ["Login Data", "Login Data For Account", "Cookies", "Network/Cookies", "Web Data"];
/** A Chromium browser's profiles (`Default`, `Profile 1` …) among its folder's others (`Crashpad`, `ShaderCache` …). */
const CHROMIUM_PROFILE = /^(Default|Profile \d+)$/;
/** Beside a Chromium browser's profiles: the key that decrypts their passwords and cookies. */
const CHROMIUM_SHARED = ["Local State"];

/**
 * The key files of the browsers' and mail clients' profiles (`PROFILE_TREES`) where they keep
 * them (home-relative, in the case they have on disk): `folder` holds the profiles, those of its
 * folders that `profile` matches (every one when absent) hold `keys`, and `folder` itself
 * `shared`. A workspace file with several links is looked up among these as another name of one
 * (indexer/secret-links.ts) by name — a readdir of `folder`, a stat of each key — not by a walk
 * of the profiles (tens of thousands of files: caches, storage/).
 */
export const HOME_PROFILES: readonly { folder: string; profile?: RegExp; keys: readonly string[]; shared?: readonly string[] }[] = [
  { folder: ".mozilla/firefox", keys: MOZILLA_KEYS },
  // Ubuntu's Firefox and Thunderbird (snaps), Flathub's.
  { folder: "snap/firefox/common/.mozilla/firefox", keys: MOZILLA_KEYS },
  { folder: ".var/app/org.mozilla.firefox/.mozilla/firefox", keys: MOZILLA_KEYS },
  { folder: ".thunderbird", keys: MOZILLA_KEYS },
  { folder: "snap/thunderbird/common/.thunderbird", keys: MOZILLA_KEYS },
  { folder: ".var/app/org.mozilla.Thunderbird/.thunderbird", keys: MOZILLA_KEYS },
  { folder: "Library/Application Support/Firefox/Profiles", keys: MOZILLA_KEYS },
  { folder: "Library/Thunderbird/Profiles", keys: MOZILLA_KEYS },
  { folder: "AppData/Roaming/Mozilla/Firefox/Profiles", keys: MOZILLA_KEYS },
  { folder: "AppData/Roaming/Thunderbird/Profiles", keys: MOZILLA_KEYS },
  ...[
    ".config/google-chrome", ".config/chromium", ".config/BraveSoftware/Brave-Browser", ".config/microsoft-edge", ".config/vivaldi",
    // Ubuntu's Chromium (a snap), Flathub's Chrome and Chromium.
    "snap/chromium/common/chromium", ".var/app/com.google.Chrome/config/google-chrome", ".var/app/org.chromium.Chromium/config/chromium",
    "Library/Application Support/Google/Chrome", "Library/Application Support/Chromium", "Library/Application Support/BraveSoftware/Brave-Browser",
    "Library/Application Support/Microsoft Edge", "Library/Application Support/Vivaldi",
    "AppData/Local/Google/Chrome/User Data", "AppData/Local/Chromium/User Data", "AppData/Local/Microsoft/Edge/User Data",
    "AppData/Local/BraveSoftware/Brave-Browser/User Data", "AppData/Local/Vivaldi/User Data",
  ].map((folder) => ({ folder, profile: CHROMIUM_PROFILE, keys: CHROMIUM_KEYS, shared: CHROMIUM_SHARED })),
];

/** The setting's name, for the reasons shown to the user. */
const SETTING = "hearth.inlineCompletionsExclude";

/**
 * Whether the file at `pathOrUri` (a relative path, a file path, or a URI) looks like it
 * holds secrets: on the built-in list, then `exclude`'s patterns in order, the last that
 * matches deciding (a `!` pattern takes the file off).
 */
export function looksLikeSecrets(pathOrUri: string, exclude: readonly string[] = []): boolean {
  return secretFileReason(pathOrUri, exclude) !== undefined;
}

/** A URI's scheme (`file:`, `vscode-remote:`, `untitled:`): two letters at least, unlike a Windows drive. */
const URI_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/** Why the file is never completed, in words for the user; undefined when it is completed. */
export function secretFileReason(pathOrUri: string, exclude: readonly string[] = []): string | undefined {
  // A URI's query and fragment are no part of its path; a path's `#` and `?` are (`dir#1/.env`).
  const path = URI_SCHEME.test(pathOrUri) ? pathOrUri.replace(/[?#].*$/s, "") : pathOrUri;
  const parts = path.split(/[\\/]+/).map(decode).filter((p) => p !== "");
  let reason = onBuiltInList(parts) ? "it looks like it holds secrets (an environment file, a private key or credentials)" : undefined;
  for (const raw of exclude) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    if (pattern && patternMatches(pattern, parts)) reason = negated ? undefined : `it matches "${raw}" in ${SETTING}`;
  }
  return reason;
}

function onBuiltInList(parts: readonly string[]): boolean {
  const name = windowsName(parts.at(-1) ?? "");
  if (!name || name.endsWith(".pub")) return false;
  if (NAMES.has(name) || ENDINGS.some((ending) => name.endsWith(ending)) || /^client_secret.*\.json$/.test(name) || SERVICE_ACCOUNT_KEY.test(name)) return true;
  if (name.startsWith(".env.")) return !ENV_TEMPLATES.has(name.slice(name.lastIndexOf(".") + 1));
  const folders = parts.slice(0, -1).map(windowsName);
  const folder = folders.at(-1) ?? "";
  if (STORES_BY_FOLDER.get(folder)?.has(name) || (folder === TUNNEL_FOLDER && name.endsWith(".json")) || ((name === "config" || name === "config.worktree") && folders.includes(".git"))) return true;
  if (SECRET_TREES.some((tree) => within(folders, tree)) || PROFILE_TREES.some((tree) => within(folders, tree))) return true;
  return SECRET_FOLDERS.has(folder) && !PUBLIC_IN_SECRET_FOLDERS.has(name);
}

/** Whether `tree`'s folder names come one after another among `folders`. */
function within(folders: readonly string[], tree: readonly string[]): boolean {
  return folders.some((_, i) => tree.every((name, k) => folders[i + k] === name));
}

const STREAM = "::$data";

/**
 * A name lower-case, as Windows opens it: trailing dots and spaces dropped (`id_rsa.` opens
 * `id_rsa`), and `::$DATA`, the file's main stream (`.env::$DATA` reads `.env`) — in either
 * order (`.env::$DATA.` opens `.env::$DATA`). Taken off from the end in one pass: the pattern
 * `(?:::\$data|[. ])+$` was tried again from each position of a long run of dots and spaces
 * (80,000 of them: billions of steps), and a name is whatever a model or a repository gives.
 */
function windowsName(name: string): string {
  const lower = name.toLowerCase();
  let end = lower.length;
  for (;;) {
    if (lower[end - 1] === "." || lower[end - 1] === " ") end--;
    else if (lower.endsWith(STREAM, end)) end -= STREAM.length;
    else return lower.slice(0, end);
  }
}

const compiled = new Map<string, GlobAutomaton>();

/**
 * A pattern without `/` matches the file's name; one with `/` the end of its path (whole
 * folder names), so `config/credentials.yml` matches in any folder, relative path or URI.
 * `*` is any characters but `/`, `**` any folders, `?` one character, `{a,b}` either; case
 * is ignored (file systems on macOS and Windows ignore it too).
 */
function patternMatches(pattern: string, parts: readonly string[]): boolean {
  // `**/**/` is `**/`, `**/**` is `**`: a run of them adds states, not meaning (not after a `*`: `***/` is `**` and `*/`).
  const clean = pattern.replace(/^(?:\.?\/)+|\/+$/g, "").replace(/(?<!\*)(?:\*\*\/)+/g, "**/").replace(/(?<!\*)\*\*\/\*\*(?![^/])/g, "**");
  if (!parts.length) return false;
  const anyFolders = clean.includes("**");
  // `**` may stand for any number of folders: the pattern after any leading folders, over the
  // whole path in one run (a run for each tail of it was 40 runs for 40 folders).
  const key = anyFolders && !clean.startsWith("**") ? `**/${clean}` : clean;
  let glob = compiled.get(key);
  if (!glob) {
    glob = globAutomaton(excludeSteps(key.toLowerCase()));
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, glob);
  }
  const take = anyFolders ? parts.length : clean.split(/\/+/).length;
  return take <= parts.length && globMatches(glob, parts.slice(parts.length - take).join("/").toLowerCase());
}

/**
 * A `files.exclude` glob's steps (the shared automaton of `glob.ts`): `**` anywhere is any
 * characters (`**\/` any folders, none included), `{a,b}` either (a `{` without `}` is
 * itself), and every other character itself — `[`, `\` too.
 */
function excludeSteps(text: string): GlobStep[] {
  const steps: GlobStep[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "*" && text[i + 1] === "*") {
      const dirs = text[i + 2] === "/";
      steps.push({ kind: dirs ? "dirs" : "any" });
      i += dirs ? 2 : 1;
    } else if (c === "*") steps.push({ kind: "name" });
    else if (c === "?") steps.push(ONE_CHAR);
    else if (c === "{" && text.indexOf("}", i) > i) {
      const end = text.indexOf("}", i);
      steps.push({ kind: "either", options: text.slice(i + 1, end).split(",").map(excludeSteps) });
      i = end;
    } else {
      const plain = charAt(text, i);
      steps.push(plainChar(plain));
      i += plain.length - 1;
    }
  }
  return steps;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
