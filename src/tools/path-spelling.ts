/**
 * The path a model (or a user) wrote, as the workspace holds it. Local models trained on
 * Windows and macOS repositories write paths in shapes a Linux checkout does not hold: the
 * letter case of a case-insensitive disk (`Src/Foo.ts` for src/foo.ts), a link copied from
 * an editor (`file:///…`, `vscode://file/…`, `%20`), a location after the name
 * (`src/a.ts:12`, `:12:5`, `#L12`, ` (lines 1-20)`), the name in backticks or quotes, and the
 * trailing dots Windows drops. Each was "does not exist" for a read, and a write made a
 * second file beside the real one (a case twin breaks every macOS and Windows clone).
 *
 * `modelPath` takes the path as written when it is on disk; otherwise the first of its
 * readings that is, each folder and name matched as the disk spells it; otherwise (a new
 * file) the plain reading, its existing folders as the disk spells them. A name that
 * several entries match by case, none as written (README.md and readme.md for Readme.md),
 * is refused as ambiguous, naming them.
 */
import { lstat } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { basename, isAbsolute, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { homeFolderOf } from "../protocol/home-folder.ts";
import { printableAscii } from "../protocol/printable-ascii.ts";
import { ToolError } from "./tool.ts";
import { type Workspace, diskSpelling, isGitInternal, lexicalRelative, quotedPath, spellingOnDisk } from "./workspace.ts";

/** Workspace-relative, forward slashes, as the disk spells it where a reading of `input` is there. */
export async function modelPath(root: string, input: string): Promise<string> {
  await refuseSpacedName(root, input);
  const plain = plainReading(input);
  // As written first: a real file named `a.ts:12` or `'quoted'` is that file.
  if (plain !== input.trim()) {
    const written = await spelled(root, input).catch(() => undefined);
    if (written !== undefined && (await isThere(root, written))) return written;
  }
  await refuseUnexpanded(root, plain, input);
  const foreign = await foreignAbsolute(root, plain);
  if (foreign !== undefined) return foreign;
  const readings = [plain, ...looserReadings(plain)];
  let first: string | undefined;
  for (const reading of readings) {
    const rel = await spelled(root, reading);
    first ??= rel;
    if (await isThere(root, rel)) return rel;
  }
  await refuseBackslashName(root, input.trim());
  return first!;
}

/**
 * A Linux or macOS file whose name begins or ends with a space (`notes.txt `, a hostile
 * checkout's twin of notes.txt) cannot be named to the tools, which take a model's stray
 * spaces off a path (lexicalRelative): said so, rather than "notes.txt does not exist", or a
 * write or edit made to notes.txt. (Windows drops such spaces itself: nothing to tell.)
 */
async function refuseSpacedName(root: string, input: string): Promise<void> {
  // Written in quotes as well: as list_files (shownPath) and this refusal show such a name.
  const inQuotes = unquoted(input.trim(), true);
  for (const written of inQuotes === undefined ? [input] : [input, inQuotes]) {
    if (written === written.trim() || sep !== "/" || isAbsolute(written.trim()) || written.split(/[\\/]/).includes("..")) continue;
    if (await isThere(root, written)) throw spacedName(written);
  }
}

function spacedName(written: string): ToolError {
  return new ToolError(
    "invalid-input",
    `${quotedPath(written)} is a file whose name begins or ends with a space, which Hearth's tools take off a path (a model's stray space); read, rename or change it with run_command, quoting the name`,
  );
}

/**
 * A first folder that a shell or an editor would have expanded, refused rather than made as a
 * folder of that name in the workspace: `~user/x` (that user's home folder: outside, as `~/x`
 * is), `%USERPROFILE%\\x`, `${env:TEMP}/x`, `${fileDirname}/x` (`${workspaceFolder}` is the
 * root: plainReading). Where the workspace has a folder of that name (`~backup/`), it is that folder.
 */
async function refuseUnexpanded(root: string, plain: string, input: string): Promise<void> {
  const first = /^(~[^\\/]+|%[A-Za-z_][\w()]*%|\$\{[^}\\/]+\})[\\/]/.exec(plain)?.[1];
  if (first === undefined || (await isThere(root, await spelled(root, first)))) return;
  if (first.startsWith("~")) {
    throw new ToolError("outside-workspace", `${quotedPath(input.trim())} is in the home folder of the user ${first.slice(1)}, outside the workspace; give the path relative to the workspace root`);
  }
  throw new ToolError("invalid-input", `${quotedPath(input.trim())} begins with ${first}, a variable Hearth's tools do not expand; nothing was read or written. Give the path relative to the workspace root`);
}

/**
 * A Linux file whose name holds a backslash (`a\b.ts`) cannot be named to the tools, which
 * take `\` for a folder separator as Windows does: said so, rather than "a/b.ts does not exist".
 */
async function refuseBackslashName(root: string, written: string): Promise<void> {
  if (!written.includes("\\") || sep !== "/" || written.startsWith("/") || written.split(/[\\/]/).includes("..")) return;
  if (!(await isThere(root, written))) return;
  throw new ToolError(
    "invalid-input",
    `${quotedPath(written)} is a file whose name holds a backslash, which Hearth's tools read as a folder separator (as Windows does); read, rename or change it with run_command, quoting the name`,
  );
}

/**
 * A note for a result whose path is not the one written (case, a link's form, a location
 * after the name): the model learns the file's name, and the user sees which file was used.
 * Undefined where the path is as written (slashes, `./` and Unicode normalization aside).
 */
export function spellingNote(root: string, input: string, rel: string): string | undefined {
  let plain: string | undefined;
  try {
    plain = lexicalRelative(root, input);
  } catch {
    plain = undefined;
  }
  if (plain !== undefined && plain.normalize("NFC") === rel.normalize("NFC")) return undefined;
  return `[${noteName(input.trim())} is not a path on disk as written; it was taken as ${quotedPath(rel)}]`;
}

// A path written in quotes is shown escaped ("\"src/a.ts\""), not as ""src/a.ts"".
function noteName(path: string): string {
  const quoted = quotedPath(path);
  return quoted === `"${path}"` && path.includes('"') ? JSON.stringify(path) : quoted;
}

/**
 * The files a read names, for the question a secret's read asks (secret-reads.ts): the path as
 * written, and the file it is taken for where that differs — `.env:1`, `.ENV` or a file link
 * to it reads .env, and asks as .env does. A path the workspace refuses: as written only.
 */
export async function readTargets(workspace: Workspace, path: string | undefined): Promise<string[]> {
  if (path === undefined) return [];
  const taken = await workspace.resolve(path).catch(() => undefined);
  return taken === undefined || taken === path ? [path] : [path, taken];
}

/**
 * Whether `input`, taken as the existing file `rel`, wrote its name in another letter case
 * (`Foo.ts` for foo.ts; its folders' case aside): a model may mean that file, or a new one
 * beside it, which macOS and Windows disks cannot hold. A write is not to guess which.
 */
export function nameInOtherCase(input: string, rel: string): boolean {
  const name = basename(rel).normalize("NFC");
  let plain: string;
  try {
    plain = plainReading(input);
  } catch {
    return false;
  }
  const names = [plain, ...looserReadings(plain)].map((reading) => (reading.split(/[\\/]/).pop() ?? "").normalize("NFC"));
  return !names.includes(name) && names.some((written) => written.toLowerCase() === name.toLowerCase());
}

/**
 * The location (`:1` of `log:1`, `#L2`) that `input`, taken as the existing file `rel`, wrote
 * after its name, where only dropping it names that file: `log:1` may be a new file's name
 * (a Linux disk holds it), and a write is not to guess which. Undefined otherwise.
 */
export function droppedLocation(input: string, rel: string): string | undefined {
  let plain: string;
  try {
    plain = plainReading(input);
  } catch {
    return undefined;
  }
  const fold = (path: string): string => (path.split(/[\\/]/).pop() ?? "").replace(/[. ]+$/, "").normalize("NFC").toLowerCase();
  const name = fold(rel);
  const forms = [plain, safeDecode(plain) ?? plain];
  if (forms.some((form) => fold(form) === name)) return undefined;
  for (const form of forms) {
    const location = LOCATION.exec(form);
    if (location !== null && fold(form.slice(0, location.index)) === name) return location[0].trim();
  }
  return undefined;
}

/** lexicalRelative, then the disk's spelling: Unicode normalization (diskSpelling), then letter case. */
async function spelled(root: string, path: string): Promise<string> {
  return caseSpelling(root, await diskSpelling(root, lexicalRelative(root, path)));
}

async function isThere(root: string, rel: string): Promise<boolean> {
  return lstat(join(root, rel)).then(() => true, () => false);
}

/**
 * The text inside the backticks (as many at each end, the most that leave something inside)
 * or the double or single quotes round all of `text`; undefined when it is not so wrapped or
 * nothing is inside. `acrossLines`: the inside may hold line breaks. What /^(`+|"|')(.+)\1$/
 * (with the s flag for acrossLines) found, read by counting: as a regular expression a path of
 * 3,000 backticks took the runtime over a second, 20,000 minutes (every split of the run tried
 * against every other).
 */
export function unquoted(text: string, acrossLines: boolean): string | undefined {
  const n = text.length;
  let wrap: number;
  if (text[0] === "`") {
    let lead = 0;
    while (lead < n && text[lead] === "`") lead++;
    let trail = 0;
    while (trail < n && text[n - 1 - trail] === "`") trail++;
    wrap = Math.min(lead, trail, Math.floor((n - 1) / 2));
  } else wrap = (text[0] === '"' || text[0] === "'") && n >= 3 && text[n - 1] === text[0] ? 1 : 0;
  if (wrap < 1) return undefined;
  const inside = text.slice(wrap, n - wrap);
  return acrossLines || !/[\n\r\u2028\u2029]/.test(inside) ? inside : undefined;
}

/**
 * What the path says with its wrapping taken off, always: backticks or quotes round it, a
 * `file://` or `vscode://file/` link (percent-decoded), `~` or `$HOME` for the home folder,
 * `${workspaceFolder}` for the workspace's.
 */
function plainReading(input: string): string {
  let path = input.trim();
  const quoted = unquoted(path, false);
  if (quoted !== undefined) path = quoted.trim();
  const vscode = /^vscode(?:-insiders)?:\/\/file(\/.*)$/i.exec(path);
  if (vscode) path = `file://${vscode[1]}`;
  if (/^file:\/\//i.test(path)) path = fromFileUrl(path, input);
  const home = /^(?:~|\$HOME|\$\{HOME\})(?=$|[\\/])/.exec(path);
  if (home) path = homeOf(input) + path.slice(home[0].length);
  // VS Code's name for the workspace's folder, as its tasks and launch settings write it.
  const folder = /^\$\{(?:workspaceFolder|workspaceRoot)\}(?=$|[\\/])/.exec(path);
  if (folder) path = `.${path.slice(folder[0].length)}`;
  return path;
}

/**
 * The home folder `~` names: homeFolderOf, not os.homedir() alone — with HOME empty that was "", and `~`
 * the workspace root (with HOME=. `~/x` was the workspace's x).
 */
function homeOf(input: string): string {
  try {
    return homeFolderOf({ homedir, userInfo, isAbsolute });
  } catch (error) {
    throw new ToolError("invalid-input", `${quotedPath(input.trim())} is in the home folder, and ${(error as Error).message}; give the path relative to the workspace root`);
  }
}

function fromFileUrl(url: string, input: string): string {
  // A location after it (`:12:5`, as VS Code's links carry) is left for looserReadings.
  try {
    return fileURLToPath(url.replace(/^file:\/\/(?=[a-zA-Z]:)/i, "file:///"), { windows: false });
  } catch (error) {
    throw new ToolError("invalid-input", `${quotedPath(input)} is not a file link Hearth can read (${(error as Error).message}); give the path relative to the workspace root`);
  }
}

/**
 * A Windows path (`C:\\Users\\me\\repo\\src\\a.ts`, `\\\\?\\C:\\…`) or Git Bash's form of one
 * (`/c/Users/me/repo/src/a.ts`) outside the root on this disk: where a folder of it has the
 * workspace's name (a model that saw the project on Windows), the file the rest names there
 * (a new one under the innermost such folder where none is; refused where several such
 * folders each hold one, as either may be meant); a Windows path with no such
 * folder is refused as one, not as "outside" a workspace it never named.
 * Undefined for a path inside the root, or any other.
 */
async function foreignAbsolute(root: string, path: string): Promise<string | undefined> {
  const windows = sep === "/" && /^(?:[\\/]{2}[?.][\\/])?[a-zA-Z]:[\\/]/.test(path);
  if (!windows && !/^\/[a-zA-Z]\//.test(path)) return undefined;
  if (!windows && isInside(root, path)) return undefined;
  const segments = path.split(/[\\/]+/);
  const name = basename(root).toLowerCase();
  const found = new Set<string>();
  let newFile: string | undefined;
  for (let i = segments.length - 2; i >= 1; i--) {
    if (segments[i]!.toLowerCase() !== name) continue;
    const rel = await spelled(root, segments.slice(i + 1).join("/"));
    if (await isThere(root, rel)) found.add(rel);
    else newFile ??= rel;
  }
  // C:\me\repo\repo\src\x.ts, where repo/src/x.ts and src/x.ts are both there: either may be meant.
  if (found.size > 1) {
    const named = [...found].sort().map((rel) => quotedPath(rel)).join(", ");
    throw new ToolError("ambiguous-match", `${quotedPath(path)} names a file under each of ${found.size} folders of the workspace's name: ${named}. Nothing was read or written; give the path relative to the workspace root`);
  }
  if (found.size === 1) return [...found][0];
  // No such file under any folder of the workspace's name: a new one under the innermost.
  if (newFile !== undefined || !windows) return newFile;
  throw new ToolError("outside-workspace", `${quotedPath(path)} is a Windows path, and no folder of it is this workspace (${root}); give the path relative to the workspace root`);
}

function isInside(root: string, path: string): boolean {
  try {
    lexicalRelative(root, path);
    return true;
  } catch {
    return false;
  }
}

const LOCATION = /(?::\d+(?::\d+)?(?:-\d+(?::\d+)?)?|#L\d+(?:C\d+)?(?:-L?\d+(?:C\d+)?)?|\s*\((?:lines?|L)\s*\d+(?:\s*[-–]\s*\d+)?\))$/i;

/**
 * Readings taken only where the file they name is there: percent-decoded (`with%20space.ts`),
 * without a location after the name, without the trailing dots and spaces Windows drops.
 */
function looserReadings(path: string): string[] {
  const out = new Set<string>();
  const decoded = /%[0-9a-f]{2}/i.test(path) ? safeDecode(path) : undefined;
  for (const base of decoded === undefined ? [path] : [path, decoded]) {
    const bare = base.replace(LOCATION, "");
    for (const form of [base, bare]) {
      out.add(form);
      if (/[^./\\][. ]+$/.test(form)) out.add(form.replace(/[. ]+$/, ""));
    }
  }
  out.delete(path);
  return [...out];
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/**
 * `rel` with each segment not on disk as written taken as the one entry of its folder that
 * differs from it only in letter case; from a segment no entry matches (a new name), the rest
 * as given. Several entries, none as written: refused, naming them.
 */
async function caseSpelling(root: string, rel: string): Promise<string> {
  // `.GIT/config` stays as written: its refusal as a .git path is the one a write gets.
  if (rel === "." || isGitInternal(rel)) return rel;
  return spellingOnDisk(root, rel, {
    asWritten: (segment) => segment === "..",
    fold: (name) => name.normalize("NFC").toLowerCase(),
    ambiguous: (folder, _segment, names) => ambiguousCase(rel, folder, names),
  });
}

function ambiguousCase(rel: string, folder: readonly string[], names: readonly string[]): ToolError {
  const spelled = [...names].sort().map((name) => quotedPath(printableAscii([...folder, name].join("/")))).join(", ");
  return new ToolError(
    "ambiguous-match",
    `${quotedPath(rel)} is not on disk as written, and ${names.length} names there differ from it only in letter case: ${spelled}. Nothing was read or written; give the path exactly as one of these`,
  );
}
