/**
 * Completions already generated, keyed by the text around the cursor. A lookup hits when
 * the cursor's surroundings are the same, or when the user has since typed characters the
 * completion predicted (`typedAhead`): the rest is served with no model call.
 */
import { type OfferedCompletion, typedAhead } from "../protocol/completions.ts";

interface Entry extends OfferedCompletion {
  readonly uri: string;
}

export class CompletionCache {
  private entries: Entry[] = [];

  constructor(private readonly limit = 32) {}

  /** Remembers `text` as the completion for the cursor between `prefix` and `suffix`. */
  store(uri: string, prefix: string, suffix: string, text: string): void {
    if (!text) return;
    this.entries = this.entries.filter((e) => !(e.uri === uri && e.before === prefix && e.after === suffix));
    this.entries.push({ uri, before: own(prefix), after: own(suffix), text });
    if (this.entries.length > this.limit) this.entries.shift();
  }

  /** The completion (or its not-yet-typed rest) for this cursor, newest entry first. */
  lookup(uri: string, prefix: string, suffix: string): string | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (entry.uri !== uri) continue;
      if (entry.before === prefix && entry.after === suffix) return entry.text;
      const rest = typedAhead(entry, prefix, suffix);
      if (rest !== undefined) return rest;
    }
    return undefined;
  }

  /** Characters held in all entries (for tests). */
  heldChars(): number {
    return this.entries.reduce((n, e) => n + e.before.length + e.after.length + e.text.length, 0);
  }

  /** Forgets a document's entries (closed, or changed in a way no entry predicted). */
  forget(uri: string): void {
    this.entries = this.entries.filter((e) => e.uri !== uri);
  }
}

/**
 * A copy of `text` that does not share memory with the string it was sliced from: V8 keeps
 * a slice's whole parent alive (here, the document's text at one keystroke).
 */
function own(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, "utf16le").toString("utf16le");
}
