import { createHash } from "node:crypto";
import { extractSymbols } from "./extract.ts";
import { A_FOLDER, readRegularFile, type IndexedRead } from "./indexed-file.ts";
import { decodeText, skipByContent, skipByName } from "./file-check.ts";
import { languageForFile, type LanguageRegistry } from "./languages.ts";
import { isNotebookPath, notebookSources } from "./notebook.ts";
import { packReferences } from "./references.ts";
import { weightTerms } from "./tables.ts";
import { countTerms } from "./text.ts";
import { maskSecrets } from "../protocol/secret-values.ts";
import type { FileRecord, ParseOutcome } from "./types.ts";

/** What a parse needs besides the file: limits and where the queries are. */
export interface ParseSettings {
  readonly maxFileBytes: number;
  readonly parseTimeoutMs: number;
  /** Distinct words kept per file for lexical search. */
  readonly maxWords: number;
}

/** A file to parse: repository-relative path, absolute path, and optionally unsaved text. */
export interface ParseJob {
  readonly path: string;
  readonly absPath: string;
  /** Editor buffer contents (didChange); when set the disk is not read. */
  readonly text?: string;
  /** The stamps the record keeps (file-stamp.ts `stampToRecord`): NaN for none. */
  readonly mtimeMs: number;
  readonly ctimeMs?: number;
  /**
   * Read, check and count the words, but leave tree-sitter out: a record with no symbols and
   * `symbolsPending` set, for a lazy build (`BuildOptions.lazy`) that parses later only what
   * a query needs.
   */
  readonly termsOnly?: boolean;
}

/**
 * Reads (unless text is given), checks and parses one file into a record or a skip.
 * Synchronous on purpose: it runs in a parse worker with nothing else to do, and a
 * blocking read of a small file is quicker than a round trip through libuv's thread pool.
 */
export function parseFile(job: ParseJob, registry: LanguageRegistry, settings: ParseSettings, read: FileRead = readRegularFile): ParseOutcome {
  const byName = skipByName(job.path);
  if (byName) return { ok: false, skip: { path: job.path, reason: byName } };
  if (job.text !== undefined) return parseBytes(job, Buffer.from(job.text, "utf8"), registry, settings);
  // What the scan saw may have been replaced since (a watcher's event, a lazy parse): never a
  // pipe, never more than the size limit read.
  return parseRead(job, read(job.absPath, settings.maxFileBytes), registry, settings);
}

/** How a parse reads a file: `readRegularFile`; a parse worker watches it for a stalled read, a test stalls it. */
export type FileRead = (absPath: string, maxBytes: number) => IndexedRead;

/** `parseFile` for a file already read (or found not readable): a one-file update reads it without blocking. */
export function parseRead(job: ParseJob, read: IndexedRead, registry: LanguageRegistry, settings: ParseSettings): ParseOutcome {
  const byName = skipByName(job.path);
  if (byName) return { ok: false, skip: { path: job.path, reason: byName } };
  if (read.ok) return parseBytes(job, read.bytes, registry, settings);
  if (read.reason === "too-large") return { ok: false, skip: { path: job.path, reason: "too-large", detail: read.size === undefined ? read.detail : `${read.size} bytes` } };
  // A folder where the file was is "unreadable" (EISDIR), as a vanished file is; pipes and devices are "not-regular", as in the scan.
  if (read.reason === "not-regular" && read.detail !== A_FOLDER) return { ok: false, skip: { path: job.path, reason: "not-regular", detail: read.detail } };
  return { ok: false, skip: { path: job.path, reason: "unreadable", detail: read.detail === A_FOLDER ? "EISDIR" : read.detail } };
}

/** The synchronous part of `parseFile`, for bytes already in memory. */
export function parseBytes(job: ParseJob, bytes: Uint8Array, registry: LanguageRegistry, settings: ParseSettings): ParseOutcome {
  if (bytes.length > settings.maxFileBytes) {
    return { ok: false, skip: { path: job.path, reason: "too-large", detail: `${bytes.length} bytes` } };
  }
  const utf16 = utf16Text(bytes);
  // A notebook is indexed as its cells' sources (notebook.ts), and checked as them: a figure's base64 line is no minified code.
  const cells = isNotebookPath(job.path) ? notebookSources(utf16 ?? sourceText(bytes)) : undefined;
  // A UTF-16 file is checked as the text it holds: its bytes have a NUL in every ASCII character.
  const checked = cells ?? utf16;
  const byContent = skipByContent(checked === undefined ? bytes : Buffer.from(checked, "utf8"));
  if (byContent) return { ok: false, skip: { path: job.path, reason: byContent, size: bytes.length, ...stamps(job) } };
  const { text, invalidUtf8 } = checked === undefined ? decodeText(bytes) : { text: checked, invalidUtf8: false };
  const language = languageForFile(job.path, text);
  const symbols = language && !job.termsOnly
    ? extractSymbols(text, registry.get(language), settings.parseTimeoutMs)
    : { definitions: [], references: [], imports: [], timedOut: false };
  // A token written into the file (a key, a URL's password) is no search term: terms go into the cache on disk and rank a file for a query naming them.
  // Blanked, not masked: the mask's words ("secret masked: GitHub token") are not the file's either.
  const terms = weightTerms(job.path, countTerms(maskSecrets(text, () => " ").text, settings.maxWords), symbols.definitions);
  const record: FileRecord = {
    path: job.path,
    language,
    hash: createHash("sha1").update(bytes).digest("hex"),
    size: bytes.length,
    ...stamps(job),
    definitions: symbols.definitions,
    references: packReferences(symbols.references),
    imports: symbols.imports,
    words: [...terms.keys()].join(" "),
    wordCounts: Uint32Array.from(terms.values()),
    ...(invalidUtf8 ? { invalidUtf8 } : {}),
    ...(symbols.timedOut ? { parseTimedOut: true } : {}),
    ...(language && job.termsOnly ? { symbolsPending: true } : {}),
  };
  return { ok: true, record };
}

function stamps(job: ParseJob): { mtimeMs: number; ctimeMs?: number } {
  return job.ctimeMs === undefined ? { mtimeMs: job.mtimeMs } : { mtimeMs: job.mtimeMs, ctimeMs: job.ctimeMs };
}

const UTF16_BOMS = [["utf-16le", 0xff, 0xfe], ["utf-16be", 0xfe, 0xff]] as const;

/**
 * The text of a file that starts with a UTF-16 byte-order mark, as read_file reads it; undefined
 * for any other file, and for one that does not decode or holds a NUL (binary, or UTF-32:
 * FF FE 00 00).
 */
export function utf16Text(bytes: Uint8Array): string | undefined {
  const bom = UTF16_BOMS.find(([, a, b]) => bytes[0] === a && bytes[1] === b);
  if (!bom) return undefined;
  try {
    const text = new TextDecoder(bom[0], { fatal: true, ignoreBOM: true }).decode(bytes.subarray(2));
    return text.includes("\0") ? undefined : text;
  } catch {
    return undefined;
  }
}

/** A source file's text for showing lines of it: UTF-16 with a BOM decoded as such, anything else as UTF-8. */
export function sourceText(bytes: Uint8Array): string {
  return utf16Text(bytes) ?? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}
