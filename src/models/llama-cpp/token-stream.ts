/**
 * Turns generated tokens into text deltas without splitting a multi-byte character: a
 * token that ends inside a UTF-8 sequence detokenizes to U+FFFD, so such tokens are held
 * back until the character is complete (at most a few tokens).
 */
import type { LlamaModel, Token } from "node-llama-cpp";

const HOLD_LIMIT = 4;

export class TokenTextStream {
  private readonly previous: Token[] = [];
  private pending: Token[] = [];

  constructor(private readonly model: LlamaModel) {}

  /** Adds a token; returns the text that is now complete ("" while a character is pending). */
  push(token: Token): string {
    this.pending.push(token);
    const text = this.model.detokenize(this.pending, false, this.previous.slice(-8));
    if (text.endsWith("\uFFFD") && this.pending.length < HOLD_LIMIT) return "";
    return this.flushText(text);
  }

  /** Whatever is still held back. */
  end(): string {
    if (this.pending.length === 0) return "";
    return this.flushText(this.model.detokenize(this.pending, false, this.previous.slice(-8)));
  }

  private flushText(text: string): string {
    this.previous.push(...this.pending);
    if (this.previous.length > 64) this.previous.splice(0, this.previous.length - 8);
    this.pending = [];
    return text;
  }
}
