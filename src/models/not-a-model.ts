/**
 * What a file named as a model holds instead of a GGUF, from its first bytes: a download
 * saves what it was sent (a server's or a sign-in wall's web page, `curl -o` of a link not
 * followed) and a clone without git lfs holds a pointer where the model should be. The
 * validator (llama-cpp/validate.ts) and the CLI's --model check each say it with their own next step.
 */
import { printableAscii } from "../protocol/printable-ascii.ts";

export type NotGguf = { readonly kind: "page"; readonly start: string } | { readonly kind: "lfs" } | { readonly kind: "text"; readonly start: string; readonly short: boolean };

/** The bytes of a file's start its callers read (validate.ts, cli/command.ts): a text file shorter than this was read whole. */
const HEAD_BYTES = 256;

/** Characters of a text file's first line said (TEXT_WORDS's "it reads"), at most. */
const TEXT_SHOWN = 80;

/** Undefined where the bytes are neither (a GGUF, or a file of some other kind). */
export function whatInstead(head: Buffer): NotGguf | undefined {
  // A file that starts as a GGUF (a model cut short, one with a broken header) is no server's answer, whatever its other bytes.
  if (head.toString("latin1", 0, 4) === "GGUF") return undefined;
  // A UTF-8 byte-order mark (a page saved by some editors and servers) is no text of its own.
  const text = head.toString("latin1").replace(/^\xEF\xBB\xBF/, "").trimStart();
  // An XML document: what a storage server (S3, Hugging Face's CDN) answers a signed link past its time.
  const page = /^(<(!doctype html|html)\b[^>]{0,40}>?|<\?xml\b[^>]{0,80}\?>)/i.exec(text);
  // The file's own bytes, shown as printable ASCII only: a terminal's escape never reaches it.
  if (page) return { kind: "page", start: printableAscii(page[0]) };
  if (text.startsWith("version https://git-lfs")) return { kind: "lfs" };
  // A server's plain-text answer, which curl -o (without -f) and wget save: Hugging Face's
  // "Entry not found" (a file name the repository lacks), "Invalid username or password." and
  // "Repository not found" (a gated or private model without a token), a JSON error.
  const line = plainText(head)?.trim().split(/\r?\n/, 1)[0]?.trim();
  if (line) return { kind: "text", start: printableAscii(line, TEXT_SHOWN) + ([...line].length > TEXT_SHOWN ? "…" : ""), short: head.length < HEAD_BYTES };
  return undefined;
}

/**
 * How `instead` is said after "the file is" / "is" (`text` kind): its first line, and what such a
 * file is. The validator and the CLI's --model check add their own next step.
 */
export function textWords(instead: Extract<NotGguf, { kind: "text" }>): string {
  // A longer text (a README chosen by mistake) is no server's error answer.
  if (!instead.short) return `a text file, not a GGUF model (it starts with "${instead.start}")`;
  return `text, not a GGUF model (it reads "${instead.start}"): a server's answer saved in the model's place (a wrong link, or a gated or private model fetched without a token)`;
}

/** `head` as text where it is UTF-8 with no control character but tab, CR and LF (its last character may be cut by the read); undefined otherwise. */
function plainText(head: Buffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(head, { stream: true });
  } catch {
    return undefined;
  }
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text) ? undefined : text;
}
