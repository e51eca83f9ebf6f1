/**
 * What a file named as a model holds instead of a GGUF, from its first bytes: a download
 * saves what it was sent (a server's or a sign-in wall's web page, `curl -o` of a link not
 * followed) and a clone without git lfs holds a pointer where the model should be. The
 * validator (llama-cpp/validate.ts) and the CLI's --model check each say it with their own next step.
 */
import { printableAscii } from "../protocol/printable-ascii.ts";

export type NotGguf = { readonly kind: "page"; readonly start: string } | { readonly kind: "lfs" };

/** Undefined where the bytes are neither (a GGUF, or a file of some other kind). */
export function whatInstead(head: Buffer): NotGguf | undefined {
  // A UTF-8 byte-order mark (a page saved by some editors and servers) is no text of its own.
  const text = head.toString("latin1").replace(/^\xEF\xBB\xBF/, "").trimStart();
  // An XML document: what a storage server (S3, Hugging Face's CDN) answers a signed link past its time.
  const page = /^(<(!doctype html|html)\b[^>]{0,40}>?|<\?xml\b[^>]{0,80}\?>)/i.exec(text);
  // The file's own bytes, shown as printable ASCII only: a terminal's escape never reaches it.
  if (page) return { kind: "page", start: printableAscii(page[0]) };
  if (text.startsWith("version https://git-lfs")) return { kind: "lfs" };
  return undefined;
}
