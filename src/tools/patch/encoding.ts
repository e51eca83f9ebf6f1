/**
 * Patches that are not UTF-8. `git diff` writes each file's lines as their bytes, so the diff
 * of a Latin-1 or Windows-1252 file (common in older C and Python projects) is not UTF-8
 * where that file's lines are. Read as UTF-8, those bytes became U+FFFD: the hunk no longer
 * matched the file, or its added lines wrote U+FFFD into it. Such a patch is read one
 * character per byte (as Windows-1252, as decodeText reads such a file: lossless), and each file's section is matched to its file
 * before its hunks are applied (`matchEncoding`):
 *
 * - a file read as bytes too (not UTF-8: latin1) takes the section's bytes as they are;
 * - a UTF-8 or UTF-16 file takes the section decoded as UTF-8, where it is (one diff of files
 *   in two encodings);
 * - a file that is pure ASCII (both encodings at once; a file the patch creates is empty)
 *   takes the bytes and stays byte for byte what the patch says;
 * - otherwise the section is refused: its bytes and the file's text disagree, and applying
 *   it would leave one file in two encodings.
 */
import { editorText, notWindows1252, type TextFile, windows1252Bytes, windows1252Text } from "../text-file.ts";
import type { FilePatch, Hunk } from "./parse.ts";

/** The patch's text: UTF-8 when its bytes are, else one character per byte (`raw`). */
export function patchText(bytes: Uint8Array): { text: string; raw: boolean } {
  // Windows PowerShell 5.1's `git diff > fix.patch` (and Out-File) writes the diff as UTF-16 with a
  // byte-order mark: its text is the diff's, transcoded. Read as bytes it held no diff at all.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const text = editorText(bytes);
    if (!text.includes("\0")) return { text, raw: false };
  }
  const utf8 = asUtf8(bytes);
  return utf8 === undefined ? { text: windows1252Text(Buffer.from(bytes).toString("latin1")), raw: true } : { text: utf8, raw: false };
}

/**
 * A raw section's paths as text: decoded as UTF-8 where their bytes are (git writes a name
 * as its bytes when core.quotepath is off). A name git quoted is already text, and a name
 * that is not UTF-8 is left as it reads.
 */
export function rawSectionPaths(section: FilePatch): FilePatch {
  const path = (p: string | null) => (p === null || !/[^\x00-\x7f]/.test(p) || notWindows1252(p) !== undefined ? p : asUtf8(windows1252Bytes(p)) ?? p);
  return { ...section, oldPath: path(section.oldPath), newPath: path(section.newPath) };
}

/** A raw section made to fit `file` (named `path`), or why it cannot. */
export function matchEncoding(section: FilePatch, file: TextFile, path: string): { section: FilePatch; file: TextFile } | { refusal: string } {
  const ascii = (text: string) => !/[^\x00-\x7f]/.test(text);
  if (section.hunks.every((h) => h.lines.every((l) => ascii(l.text))) || file.encoding === "latin1") return { section, file };
  const decoded = decodeHunks(section.hunks);
  if (decoded) return { section: { ...section, hunks: decoded }, file };
  if (file.encoding === "utf8" && !file.bom && ascii(file.text)) return { section, file: { ...file, encoding: "latin1" } };
  const kind = file.encoding === "utf8" ? "UTF-8" : "UTF-16";
  return {
    refusal:
      `the patch's lines for it are not UTF-8 (Latin-1 or Windows-1252, as git diff writes such a file), but "${path}" is ${kind} text with non-ASCII characters: ` +
      "applying them would leave the file in two encodings. Convert the patch or the file to the other's encoding first (iconv -f latin1 -t utf-8)",
  };
}

/** The hunks with each line decoded as UTF-8; undefined when a line is not UTF-8. */
function decodeHunks(hunks: readonly Hunk[]): Hunk[] | undefined {
  const out: Hunk[] = [];
  for (const hunk of hunks) {
    const lines = [];
    for (const line of hunk.lines) {
      const text = asUtf8(windows1252Bytes(line.text));
      if (text === undefined) return undefined;
      lines.push({ ...line, text });
    }
    out.push({ ...hunk, lines });
  }
  return out;
}

function asUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
