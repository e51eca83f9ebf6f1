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

/** Whole file names (compared lower-case). */
const NAMES = new Set([
  ".env", ".npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials", ".htpasswd", ".pgpass",
  ".dockercfg", "credentials", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk",
  // Google's OAuth client and application-default credentials, a kubeconfig given by name.
  "credentials.json", "application_default_credentials.json", "kubeconfig",
  // Cargo's registry token, Vault's, Terraform's, s3cmd's and boto's keys.
  "credentials.toml", ".vault-token", ".terraformrc", "terraform.rc", ".s3cfg", ".boto",
]);
/** Google Cloud service-account keys as their consoles and guides name them (`service-account-prod.json`, `serviceAccountKey.json`). */
const SERVICE_ACCOUNT_KEY = /^service[-_]?account.*\.json$/;
/** File name endings (lower-case): key and certificate stores, `prod.env`. */
const ENDINGS = [".env", ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".kubeconfig"];
/** `.env.<anything>` but one ending in these (`.env.example`, `.env.local.sample`): committed templates. */
const ENV_TEMPLATES = new Set(["example", "sample", "template", "dist", "defaults"]);
/** In these folders every file but a public key or the folder's plain configuration is secret. */
const SECRET_FOLDERS = new Set([".ssh", ".gnupg"]);
const PUBLIC_IN_SECRET_FOLDERS = new Set(["config", "known_hosts", "known_hosts.old", "authorized_keys"]);
/**
 * Folders every file below which, at any depth, is a credential: gcloud's per-account stores
 * (`legacy_credentials/<account>/adc.json`, `.boto`), the AWS CLI's cached SSO tokens and
 * assumed roles' keys.
 */
const SECRET_TREES: readonly (readonly string[])[] = [["gcloud", "legacy_credentials"], [".aws", "sso", "cache"], [".aws", "cli", "cache"]];
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
]);

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

/** Why the file is never completed, in words for the user; undefined when it is completed. */
export function secretFileReason(pathOrUri: string, exclude: readonly string[] = []): string | undefined {
  const parts = pathOrUri.replace(/[?#].*$/s, "").split(/[\\/]+/).map(decode).filter((p) => p !== "");
  let reason = onBuiltInList(parts) ? "it looks like it holds secrets (an environment file, a private key or credentials)" : undefined;
  for (const raw of exclude) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    if (pattern && globMatches(pattern, parts)) reason = negated ? undefined : `it matches "${raw}" in ${SETTING}`;
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
  if (STORES_BY_FOLDER.get(folder)?.has(name) || ((name === "config" || name === "config.worktree") && folders.includes(".git"))) return true;
  if (SECRET_TREES.some((tree) => within(folders, tree))) return true;
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

const compiled = new Map<string, Glob>();

/**
 * A pattern without `/` matches the file's name; one with `/` the end of its path (whole
 * folder names), so `config/credentials.yml` matches in any folder, relative path or URI.
 * `*` is any characters but `/`, `**` any folders, `?` one character, `{a,b}` either; case
 * is ignored (file systems on macOS and Windows ignore it too).
 */
function globMatches(pattern: string, parts: readonly string[]): boolean {
  // `**/**/` is `**/`, `**/**` is `**`: a run of them adds states, not meaning (not after a `*`: `***/` is `**` and `*/`).
  const clean = pattern.replace(/^(?:\.?\/)+|\/+$/g, "").replace(/(?<!\*)(?:\*\*\/)+/g, "**/").replace(/(?<!\*)\*\*\/\*\*(?![^/])/g, "**");
  if (!parts.length) return false;
  const anyFolders = clean.includes("**");
  // `**` may stand for any number of folders: the pattern after any leading folders, over the
  // whole path in one run (a run for each tail of it was 40 runs for 40 folders).
  const key = anyFolders && !clean.startsWith("**") ? `**/${clean}` : clean;
  let glob = compiled.get(key);
  if (!glob) {
    glob = compileGlob(key.toLowerCase());
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, glob);
  }
  const take = anyFolders ? parts.length : clean.split(/\/+/).length;
  return take <= parts.length && runGlob(glob, parts.slice(parts.length - take).join("/").toLowerCase());
}

/**
 * A pattern as a small automaton, run over the text once with every state it may be in at
 * the same time. It used to be a regular expression, which backtracks: 25 `**\/` against a
 * path 40 folders deep, or `*a` 30 times against a name of 200 `a`s — both a repository can
 * write, the pattern in its `.vscode/settings.json`, the path in its tree — took it through
 * every way to split the text, and the editor stopped answering.
 */
interface GlobState {
  /** States reached without reading a character. */
  readonly free: number[];
  /** States reached by reading one character that passes `test`. */
  readonly steps: { readonly test: (c: string) => boolean; readonly to: number }[];
}

interface Glob {
  readonly states: GlobState[];
  readonly accept: number;
  /** The sets of states met so far (by their sorted numbers), each with where each character takes it. */
  readonly seen: Map<string, StateSet>;
}

/** A set of states the automaton is in at once, with its moves worked out as they are met. */
interface StateSet {
  readonly states: readonly number[];
  readonly accepting: boolean;
  /** Kept in `Glob.seen`: only moves to kept sets are remembered, so what is remembered stays within SEEN_SETS. */
  readonly kept: boolean;
  /** Where a character leads (null: nowhere, no match). */
  readonly moves: Map<string, StateSet | null>;
}

/** The most sets of states kept for one pattern: past it, sets are worked out again at each use. */
const SEEN_SETS = 4096;

const ANY = () => true;
const NOT_SLASH = (c: string) => c !== "/";

function compileGlob(glob: string): Glob {
  const states: GlobState[] = [];
  const state = () => states.push({ free: [], steps: [] }) - 1;
  /** Appends `text`'s automaton after state `from`; returns the state it ends in. */
  const build = (text: string, from: number): number => {
    let at = from;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      const next = state();
      if (c === "*" && text[i + 1] === "*") {
        // `**/` is any folders (none included); a trailing `**` anything.
        const loop = state();
        states[at]!.free.push(loop);
        states[loop]!.steps.push({ test: ANY, to: loop });
        if (text[i + 2] === "/") {
          states[at]!.free.push(next);
          states[loop]!.steps.push({ test: (ch) => ch === "/", to: next });
          i += 2;
        } else {
          states[loop]!.free.push(next);
          i += 1;
        }
      } else if (c === "*") {
        const loop = state();
        states[at]!.free.push(loop);
        states[loop]!.steps.push({ test: NOT_SLASH, to: loop });
        states[loop]!.free.push(next);
      } else if (c === "?") {
        states[at]!.steps.push({ test: NOT_SLASH, to: next });
      } else if (c === "{" && text.indexOf("}", i) > i) {
        const end = text.indexOf("}", i);
        for (const alternative of text.slice(i + 1, end).split(",")) {
          const branch = state();
          states[at]!.free.push(branch);
          states[build(alternative, branch)]!.free.push(next);
        }
        i = end;
      } else {
        states[at]!.steps.push({ test: (ch) => ch === c, to: next });
      }
      at = next;
    }
    return at;
  };
  const start = state();
  return { states, accept: build(glob, start), seen: new Map() };
}

/**
 * Whether the whole of `text` takes the automaton from its first state to its accepting one.
 * Each set of states is worked out once per character that leaves it: a path's characters
 * then cost a lookup each, however many states the pattern has.
 */
function runGlob(glob: Glob, text: string): boolean {
  let current = stateSet(glob, [0]);
  for (const c of text) {
    let next = current.moves.get(c);
    if (next === undefined) {
      const reached: number[] = [];
      for (const at of current.states) for (const step of glob.states[at]!.steps) if (step.test(c)) reached.push(step.to);
      next = reached.length ? stateSet(glob, reached) : null;
      if (!next || next.kept) current.moves.set(c, next);
    }
    if (!next) return false;
    current = next;
  }
  return current.accepting;
}

/** The set of `from` and every state reached from them without reading a character. */
function stateSet(glob: Glob, from: readonly number[]): StateSet {
  const reached = new Set(from);
  const pending = [...from];
  for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
    for (const to of glob.states[at]!.free) {
      if (reached.has(to)) continue;
      reached.add(to);
      pending.push(to);
    }
  }
  const states = [...reached].sort((a, b) => a - b);
  const key = states.join(",");
  const known = glob.seen.get(key);
  if (known) return known;
  const kept = glob.seen.size < SEEN_SETS;
  const set: StateSet = { states, accepting: reached.has(glob.accept), kept, moves: new Map() };
  if (kept) glob.seen.set(key, set);
  return set;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
