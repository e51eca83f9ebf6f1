/**
 * The text of every document open in the editor, as LSP's didOpen / didChange / didClose
 * report it. vscode-languageserver allows one handler per notification, so index-wiring.ts
 * registers them and updates this; anything else in the runtime that needs unsaved text
 * (the agent's editor workspace, completions) reads it here.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export class OpenDocuments {
  private readonly texts = new Map<string, string>();

  opened(uri: string, text: string): void {
    this.texts.set(uri, text);
  }

  changed(uri: string, text: string | undefined): void {
    if (text !== undefined) this.texts.set(uri, text);
  }

  closed(uri: string): void {
    this.texts.delete(uri);
  }

  /**
   * After the editor saved a document on our request its text is the file's; the client's
   * didChange may trail behind (full-text sync is batched), so take the file's text now.
   */
  savedByEditor(uri: string): void {
    if (!this.texts.has(uri)) return;
    const text = diskText(uri);
    if (text !== undefined) this.texts.set(uri, text);
  }

  /** The editor's text of an open document, or undefined when it is not open. */
  text(uri: string): string | undefined {
    return this.texts.get(uri);
  }

  /**
   * An open document and whether it has changes that are not on disk. "Dirty" is decided
   * by content, not by the editor's flag: a buffer that equals the file is safe to replace.
   */
  get(uri: string): { readonly text: string; readonly dirty: boolean } | undefined {
    const text = this.texts.get(uri);
    if (text === undefined) return undefined;
    return { text, dirty: text !== diskText(uri) };
  }
}

function diskText(uri: string): string | undefined {
  try {
    return readFileSync(fileURLToPath(uri), "utf8");
  } catch {
    return undefined; // unsaved new file, or gone from disk
  }
}
