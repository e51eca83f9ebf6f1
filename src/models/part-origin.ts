/**
 * Which version of a file a download's `.part` holds, kept beside it in `<part>.json`, so
 * that a resume asks for the rest of that same version: a model re-uploaded under the same
 * name (common on Hugging Face) must never have its tail joined to the old file's head.
 * The resume sends the validator as `If-Range` (a server that has another version answers
 * with the whole new file), and the answer's validator, size and announced SHA-256 are
 * checked against the ones kept here (for servers that ignore `If-Range`, or send none).
 */
import { open, readFile, rename, rm, unlink } from "node:fs/promises";

export interface PartOrigin {
  /** The strong ETag, else the Last-Modified date, of the response the part was started from. */
  readonly validator?: string;
  /** The file's total size as that response said it. */
  readonly total: number;
  /** The SHA-256 announced for it (Hugging Face's X-Linked-Etag), if any. */
  readonly sha256?: string;
}

const originPath = (part: string): string => `${part}.json`;

/** The origin kept beside `part`; undefined when there is none or it cannot be read (a part from before). */
export async function readOrigin(part: string): Promise<PartOrigin | undefined> {
  try {
    const value = JSON.parse(await readFile(originPath(part), "utf8")) as Partial<PartOrigin>;
    if (typeof value.total !== "number") return undefined;
    return {
      total: value.total,
      ...(typeof value.validator === "string" ? { validator: value.validator } : {}),
      ...(typeof value.sha256 === "string" ? { sha256: value.sha256 } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Keeps `origin` beside `part`: written beside, flushed, then renamed over the one there, so a
 * full disk, a killed process or a power cut leaves the old origin or the new one, never an
 * empty or cut file (read as "a part from before", whose resume no validator guards). A `.tmp`
 * a killed process left is written over (the part's lock is held: no other writer now).
 */
export async function writeOrigin(part: string, origin: PartOrigin): Promise<void> {
  const file = originPath(part);
  const tmp = `${file}.tmp`;
  await rm(tmp, { force: true });
  try {
    const handle = await open(tmp, "wx");
    try {
      await handle.writeFile(JSON.stringify(origin));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Removes the origin of `part` (the part was finished, deleted or started over). */
export async function removeOrigin(part: string): Promise<void> {
  await unlink(originPath(part)).catch(() => undefined);
}

/**
 * The validator `If-Range` may carry for this response: a strong ETag (a weak one never
 * matches there), else Last-Modified.
 */
export function validatorOf(headers: Headers): string | undefined {
  const etag = headers.get("etag")?.trim();
  if (etag && !etag.startsWith("W/")) return etag;
  return headers.get("last-modified")?.trim() || undefined;
}

/**
 * Whether the file answering a resume is another version than the one the part holds. Only
 * what both sides know is compared, and validators of one kind only (an ETag with an ETag, a
 * date with a date: some servers leave the ETag out of a 206); a server with no validator
 * and no SHA-256 is checked by size alone.
 */
export function changedSince(origin: PartOrigin, now: { validator: string | undefined; total: number; sha256: string | undefined }): boolean {
  if (origin.sha256 && now.sha256 && origin.sha256 !== now.sha256) return true;
  if (origin.validator && now.validator && isDate(origin.validator) === isDate(now.validator) && origin.validator !== now.validator) return true;
  return origin.total !== now.total;
}

/** A Last-Modified date rather than an ETag (which is quoted, though some servers leave the quotes out). */
function isDate(validator: string): boolean {
  return !validator.startsWith('"') && /\d:\d\d:\d\d/.test(validator) && !Number.isNaN(Date.parse(validator));
}
