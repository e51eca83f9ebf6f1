/**
 * Native llama.cpp binary packages installed on first use (the CUDA build: hundreds of
 * megabytes that most users do not need, so the VSIX leaves it out; native/README.md).
 *
 * An install asks the npm registry for the exact version's metadata, downloads its tarball
 * with `download.ts` (resume, progress, Cancel), verifies the registry's `dist.integrity`
 * (sha512) before unpacking anything, unpacks into a temp folder and renames that to
 * `<native>/@node-llama-cpp/<name>@<version>/`: a package folder there is always whole.
 *
 * node-llama-cpp finds its binaries with `import("@node-llama-cpp/<platform>-cuda")` from
 * its own files. ESM ignores NODE_PATH, so {@link useInstalledNativePackages} registers a
 * module resolve hook that answers those specifiers with the installed folder.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import * as nodeModule from "node:module";
import { homedir, userInfo } from "node:os";
import { isAbsolute, join } from "node:path";
import { type BackendError, throwIfAborted } from "./backend.ts";
import { homeFolderOf } from "../protocol/home-folder.ts";
import { printableAscii } from "../protocol/printable-ascii.ts";
import { formatLimit } from "../protocol/units.ts";
import { DOWNLOAD_IDLE_MS, DownloadError, type DownloadProgress, downloadFile, fetchOrExplain } from "./download.ts";
import { BodyTooLargeError, type Clock, formatDuration, readBodyText, RequestLimits } from "./http-limits.ts";
import { LOCK_STALE_MS } from "./part-lock.ts";
import { unpackTarGz } from "./tar-gz.ts";
import { withoutCredentials } from "./openai-wire.ts";

export const DEFAULT_REGISTRY = "https://registry.npmjs.org";

/** One package version as the registry describes it. */
export interface NativePackageMetadata {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
  /** Subresource-integrity string, `sha512-<base64>`. */
  readonly integrity: string;
}

export interface InstallOptions {
  /** `@node-llama-cpp/linux-x64-cuda`. */
  readonly name: string;
  /** Must equal the bundled node-llama-cpp's version: node-llama-cpp ignores any other. */
  readonly version: string;
  /** `<global storage>/native`. */
  readonly nativeFolder: string;
  /** Default: {@link npmRegistry}(). */
  readonly registry?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly progressIntervalMs?: number;
  /** Times the registry's metadata answer (DOWNLOAD_IDLE_MS, as a download's); default the monotonic one. */
  readonly clock?: Clock;
}

export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  readonly folder: string;
  /** false when it was already installed. */
  readonly downloaded: boolean;
}

/** The folder a package version is (or would be) installed in. */
export function installedPackageFolder(nativeFolder: string, name: string, version: string): string {
  return join(nativeFolder, `${checkName(name)}@${version}`);
}

/** Whether a whole copy of the package is installed (the folder exists only after the final rename). */
export function isInstalled(nativeFolder: string, name: string, version: string): boolean {
  return existsSync(join(installedPackageFolder(nativeFolder, name, version), "package.json"));
}

/**
 * The registry npm itself would use: `npm_config_registry` (set when run from npm), else
 * `registry=` in ~/.npmrc, else the public registry.
 */
export function npmRegistry(env: NodeJS.ProcessEnv = process.env, npmrc = userNpmrc()): string {
  const fromEnv = env.npm_config_registry || env.NPM_CONFIG_REGISTRY;
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  try {
    if (npmrc === undefined) return DEFAULT_REGISTRY;
    const line = /^\s*registry\s*=\s*(\S+)\s*$/m.exec(readFileSync(npmrc, "utf8"));
    if (line) return line[1]!.replace(/\/+$/, "");
  } catch {
    // no ~/.npmrc: the default registry
  }
  return DEFAULT_REGISTRY;
}

/**
 * ~/.npmrc, by homeFolderOf: with HOME empty os.homedir() is "", and ~/.npmrc was the .npmrc of
 * the folder Hearth runs in — a repository's, whose registry= chose the native code installed.
 * None where this user has no home.
 */
function userNpmrc(): string | undefined {
  try {
    return join(homeFolderOf({ homedir, userInfo, isAbsolute }), ".npmrc");
  } catch {
    return undefined;
  }
}

/** Asks the registry for one version's tarball URL and integrity. */
export async function fetchPackageMetadata(registry: string, name: string, version: string, signal?: AbortSignal, clock?: Clock): Promise<NativePackageMetadata> {
  // fetch refuses such an address, and its message named it whole, password and all.
  const shown = withoutCredentials(registry);
  if (shown.credentials) {
    throw new DownloadError(
      `The registry in npm's settings, ${shown.url}, has a user name or password in its address, which Hearth's installer does not send; nothing was installed. ` +
        "Set npm's \"registry\" (npm config get registry) to one that needs none, or keep using Vulkan.",
      false,
    );
  }
  const url = `${registry.replace(/\/+$/, "")}/${checkName(name).replace("/", "%2f")}/${encodeURIComponent(version)}`;
  const what = `${name}@${version}`;
  // A registry that stops answering ends the install as a stalled download does, not never.
  const limits = new RequestLimits(signal, { clock, origin: registry, responseMs: DOWNLOAD_IDLE_MS, idleMs: DOWNLOAD_IDLE_MS });
  let started = false;
  try {
    const response = await fetchOrExplain(url, { headers: { accept: "application/json" }, signal: limits.signal }, NATIVE_ALTERNATIVES);
    limits.responseStarted();
    started = true;
    if (response.status === 404) throw new DownloadError(`The registry ${registry} has no ${what}. Set npm's "registry" to one that mirrors npmjs.org, or keep using Vulkan.`, false);
    if (!response.ok) throw new DownloadError(`The registry ${registry} answered ${response.status} ${response.statusText} for ${what}. Try again later; Vulkan keeps working meanwhile.`, false);
    const doc = metadataDocument(await readBodyText(response, MAX_METADATA_BYTES, limits), registry, what);
    const tarball = doc.dist?.tarball;
    const integrity = doc.dist?.integrity;
    if (typeof tarball !== "string" || typeof integrity !== "string" || !integrity.startsWith("sha512-")) {
      throw new DownloadError(`The registry's entry for ${what} has no tarball or sha512 integrity, so it cannot be verified; nothing was installed.`, false);
    }
    return { name, version, tarball, integrity };
  } catch (error) {
    throw registryFailure(error, limits.failure, started, registry, what);
  } finally {
    limits.close();
  }
}

/** More than any version's metadata takes (npm's are a few kB): a body past it is not read on. */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;

/** A limit that ended the registry's answer (`stalled`: the one that fired), in the registry's words; any other error as it is. */
function registryFailure(error: unknown, stalled: BackendError | undefined, started: boolean, registry: string, what: string): unknown {
  const setting = "Check npm's \"registry\" setting (npm config get registry) and try again.";
  if (error instanceof BodyTooLargeError) {
    return new DownloadError(`The registry ${registry} sent more than ${formatLimit(MAX_METADATA_BYTES)} for ${what}'s metadata (npm's is a few kB), so it was not read; nothing was installed. ${setting}`, false);
  }
  if (stalled) {
    const how = started ? `sent nothing more for ${formatDuration(DOWNLOAD_IDLE_MS)} while answering` : `did not answer within ${formatDuration(DOWNLOAD_IDLE_MS)}`;
    return new DownloadError(`The registry ${registry} ${how} for ${what}; nothing was installed. ${setting}`, false, { cause: stalled });
  }
  return error;
}

/** The registry's answer as JSON: a proxy's sign-in page sent with 200 is refused in words. */
function metadataDocument(text: string, registry: string, what: string): { dist?: { tarball?: unknown; integrity?: unknown } } {
  try {
    const doc: unknown = JSON.parse(text);
    if (doc !== null && typeof doc === "object") return doc;
  } catch {
    // said below, with how the answer begins
  }
  const line = text.replace(/\s+/g, " ").trim();
  throw new DownloadError(
    `The registry ${registry} answered the request for ${what} with something that is not npm's JSON (it begins "${printableAscii(line, 80)}${line.length > 80 ? "…" : ""}"): ` +
      "a proxy or sign-in page may have answered in its place. Check npm's \"registry\" setting (npm config get registry) and try again; nothing was installed.",
    false,
  );
}

/**
 * Downloads, verifies and installs one package version. Already installed: returns at once.
 * Cancelled or dropped: the partial tarball stays for the next attempt to resume; a
 * tarball that fails verification is deleted. Nothing is ever left half-installed.
 */
export async function installNativePackage(options: InstallOptions): Promise<InstalledPackage> {
  const { name, version, nativeFolder, signal } = options;
  const folder = installedPackageFolder(nativeFolder, name, version);
  if (isInstalled(nativeFolder, name, version)) return { name, version, folder, downloaded: false };
  const meta = await fetchPackageMetadata(options.registry ?? npmRegistry(), name, version, signal, options.clock);
  const downloads = join(nativeFolder, ".downloads");
  const download = await downloadFile({
    url: meta.tarball,
    folder: downloads,
    file: `${name.replace("/", "+")}-${version}.tgz`,
    ...(signal ? { signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
  });
  await verifyIntegrity(download.path, meta);
  throwIfAborted(signal);
  await unpackAtomically(download.path, folder, signal);
  await unlink(download.path);
  await removeOtherVersions(nativeFolder, version);
  return { name, version, folder, downloaded: true };
}

/**
 * Once a package of `version` is installed: the packages of every older version in the native
 * folder, which this Hearth's node-llama-cpp never loads (an update that moved it to another
 * version downloads the CUDA package anew, hundreds of megabytes, and the one before stayed for
 * good), and those versions' downloads left there (a cancelled one's `.part`, unless something
 * holds its lock or wrote to it lately). Best effort: what cannot be removed (a DLL a running
 * older Hearth has loaded on Windows) stays, and `hearth storage --clean` names it. Never a
 * newer version's: an older Hearth installs its package beside a newer one (a window not
 * reloaded since the update, a downgrade, an older CLI on the same HEARTH_HOME), which the newer
 * Hearth loads — each install taking the other's, the two downloaded it in turn for good —, nor
 * a folder or file whose name no install makes (a folder put there by hand).
 */
async function removeOtherVersions(nativeFolder: string, version: string): Promise<void> {
  const installed = semver(version);
  if (!installed) return;
  const older = (other: string | undefined): boolean => {
    const parsed = other === undefined ? undefined : semver(other);
    return parsed !== undefined && compareVersions(parsed, installed) < 0;
  };
  const scope = join(nativeFolder, "@node-llama-cpp");
  for (const name of await readdir(scope).catch(() => [] as string[])) {
    if (removalLeft(name)) await rm(join(scope, name), { recursive: true, force: true }).catch(() => undefined);
    else if (older(packageFolderVersion(name))) await removePackageFolder(join(scope, name)).catch(() => undefined);
  }
  const downloads = join(nativeFolder, ".downloads");
  for (const name of await readdir(downloads).catch(() => [] as string[])) {
    if (!older(downloadVersion(name))) continue;
    const path = join(downloads, name);
    if (existsSync(`${path}.lock`)) continue;
    const written = await stat(path).then((info) => info.mtimeMs, () => Date.now());
    if (Date.now() - written < LOCK_STALE_MS) continue;
    await rm(path, { force: true }).catch(() => undefined);
    await rm(`${path}.json`, { force: true }).catch(() => undefined);
  }
}

/** A package name as an install writes it in a folder's or a download's name (checkName's, without the scope). */
const PACKAGE_WORD = /^[a-z0-9][a-z0-9-]{0,100}$/;
/** A version as npm writes one: major.minor.patch and an optional prerelease (`3.0.0-beta.44`). */
const SEMVER = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:-([0-9A-Za-z.-]{1,100}))?$/;

interface Semver {
  readonly numbers: readonly [number, number, number];
  readonly pre: readonly string[];
}

function semver(version: string): Semver | undefined {
  const match = SEMVER.exec(version);
  if (!match) return undefined;
  return { numbers: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] === undefined ? [] : match[4].split(".") };
}

/** npm's order: the numbers, then a prerelease before its release, its parts numerically where both are numbers. */
function compareVersions(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) if (a.numbers[i] !== b.numbers[i]) return a.numbers[i]! - b.numbers[i]!;
  if (!a.pre.length || !b.pre.length) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const [x, y] = [a.pre[i]!, b.pre[i]!];
    if (x === y) continue;
    const numeric = /^\d{1,9}$/.test(x) && /^\d{1,9}$/.test(y);
    return numeric ? Number(x) - Number(y) : (/^\d{1,9}$/.test(x) ? -1 : /^\d{1,9}$/.test(y) ? 1 : x < y ? -1 : 1);
  }
  return a.pre.length - b.pre.length;
}

/** The version of an installed package's folder, `<name>@<version>`; undefined for a name an install never makes (a folder put there by hand, one being unpacked). */
export function packageFolderVersion(entry: string): string | undefined {
  // A prerelease's would read as one with the rest for its prerelease (3.0.0-beta.44.tmp-0a1b2c3d).
  if (entry.includes(".tmp-") || entry.includes(REMOVING)) return undefined;
  const at = entry.lastIndexOf("@");
  return at > 0 && PACKAGE_WORD.test(entry.slice(0, at)) && SEMVER.test(entry.slice(at + 1)) ? entry.slice(at + 1) : undefined;
}

/** The version of a package's download in `.downloads`, `@node-llama-cpp+<name>-<version>.tgz` (or `.tgz.part`); undefined for another file (a note, a lock). */
export function downloadVersion(entry: string): string | undefined {
  const prefix = "@node-llama-cpp+";
  const suffix = entry.endsWith(".tgz") ? ".tgz" : entry.endsWith(".tgz.part") ? ".tgz.part" : undefined;
  if (!entry.startsWith(prefix) || suffix === undefined) return undefined;
  const rest = entry.slice(prefix.length, -suffix.length);
  for (let dash = rest.indexOf("-"); dash > 0; dash = rest.indexOf("-", dash + 1)) {
    if (PACKAGE_WORD.test(rest.slice(0, dash)) && SEMVER.test(rest.slice(dash + 1))) return rest.slice(dash + 1);
  }
  return undefined;
}

/** What a package folder is renamed to before it is removed: `<name>@<version>.removing-<8 hex digits>`. */
const REMOVING = ".removing-";

/** Whether `entry` is what a removal cut short left (`removePackageFolder`): no version loads it. */
export function removalLeft(entry: string): boolean {
  const at = entry.lastIndexOf(REMOVING);
  return at > 0 && packageFolderVersion(entry.slice(0, at)) !== undefined && /^[0-9a-f]{8}$/.test(entry.slice(at + REMOVING.length));
}

/**
 * Removes a package folder: renamed aside first (`<folder>.removing-<hex>`), then deleted, so a
 * removal cut short — the process killed in the middle of hundreds of megabytes, a file held
 * open (a DLL a running Hearth loaded, on Windows) — never leaves half a package under its own
 * name, which that version would take as installed (its package.json still there) and load,
 * or (without it) could not install again over. Undefined once it is gone; else the folder
 * aside that holds what is left (no version loads it; the next install or hearth storage
 * --clean removes it). Throws when it could not be moved: it is then whole where it was.
 */
export async function removePackageFolder(folder: string): Promise<string | undefined> {
  const aside = `${folder}${REMOVING}${randomBytes(4).toString("hex")}`;
  await rename(folder, aside);
  return (await rm(aside, { recursive: true, force: true }).then(() => true, () => false)) ? undefined : aside;
}

async function verifyIntegrity(path: string, meta: NativePackageMetadata): Promise<void> {
  const hash = createHash("sha512");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const actual = `sha512-${hash.digest("base64")}`;
  if (actual === meta.integrity) return;
  await unlink(path); // a wrong file must not be resumed next time
  throw new DownloadError(
    `The downloaded ${meta.name}@${meta.version} does not match the registry's integrity hash, so it was deleted and nothing was installed. ` +
      "Try again; if it happens again, something between this machine and the registry (a proxy) is changing the file.",
    false,
  );
}

/** Unpacks into `<target>.tmp-XXXX` and renames it to `target`; the temp folder never survives a failure. */
async function unpackAtomically(archive: string, target: string, signal: AbortSignal | undefined): Promise<void> {
  const temp = `${target}.tmp-${randomBytes(4).toString("hex")}`;
  await mkdir(temp, { recursive: true });
  try {
    await unpackTarGz(archive, temp, signal);
    if (!existsSync(join(temp, "package.json"))) throw new DownloadError("The downloaded package has no package.json; nothing was installed.", false);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** What to do instead when the registry cannot be reached (the offline message's tail). */
const NATIVE_ALTERNATIVES = "Hearth keeps running on Vulkan (or the CPU) meanwhile; try again when this machine is online.";

function checkName(name: string): string {
  if (!/^@node-llama-cpp\/[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`"${name}" is not a node-llama-cpp binary package; use @node-llama-cpp/<platform>`);
  return name;
}

/**
 * The resolve hook, as a module source: `@node-llama-cpp/<name>` resolves to the installed
 * `<folder>/@node-llama-cpp/<name>@<version>/` when that exists, else as usual. It checks
 * the disk on each resolve, so a package installed after startup is found too.
 */
const HOOK_SOURCE = `
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
let folder;
let version;
export function initialize(data) { folder = data.folder; version = data.version; }
export async function resolve(specifier, context, next) {
  if (/^@node-llama-cpp\\/[a-z0-9][a-z0-9-]*$/.test(specifier)) {
    const root = join(folder, specifier + "@" + version);
    const manifest = join(root, "package.json");
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, "utf8"));
      const dot = pkg.exports && pkg.exports["."];
      const entry = (dot && (dot.import || dot.node || dot.default)) || pkg.main || "index.js";
      return { url: pathToFileURL(join(root, entry)).href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}
`;

let registered: string | undefined;

/**
 * Makes `import("@node-llama-cpp/…")` (node-llama-cpp's own lookup of its binaries) find
 * packages installed under `nativeFolder` for `version`. Call once per process, before
 * node-llama-cpp loads its binaries; later calls with the same folder do nothing.
 * Returns false where Node has no `module.register` (before 20.6).
 */
export function useInstalledNativePackages(nativeFolder: string, version: string): boolean {
  const key = `${nativeFolder}\0${version}`;
  if (registered === key) return true;
  // A namespace lookup, not a named import: on a Node without `register` this returns false instead of failing to link.
  const register = (nodeModule as { register?: (url: string, options: { data: unknown }) => void }).register;
  if (typeof register !== "function") return false;
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, { data: { folder: nativeFolder, version } });
  registered = key;
  return true;
}
