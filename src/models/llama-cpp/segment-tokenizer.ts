/**
 * Tokenizes prompt segments (template text with control tokens, content as plain text)
 * without holding the runtime's event loop: node-llama-cpp tokenizes synchronously on the
 * main thread (measured on a 2-core machine: 20 MB of text 5.4 s, 5 M CJK characters
 * 5.1 s), so long text is tokenized in pieces cut where the tokenizer would cut anyway,
 * with a turn of the event loop and an abort check between pieces, and counting stops
 * once it passes the caller's limit (the context size).
 *
 * Exact cuts. Qwen's pre-tokenizer (llama.cpp `qwen2` / `qwen35`:
 * `(?:'s|'t|…)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`)
 * splits text into words before BPE merges, and merges never cross a word. A position p
 * starts a word, and the text before it splits the same on its own, when
 *   - text[p-1] is "\n" and text[p] is not whitespace: no alternative reads past a newline
 *     into a non-space (the optional lead of a letter run excludes \r\n, a punctuation run
 *     ends with its newlines, `\s*[\r\n]+` ends at the run's last newline), or
 *   - text[p-1] is a letter and text[p] is neither a letter nor a mark: only letter runs
 *     and contractions hold letters, and both end there.
 * The only lookahead, `\s+(?!\S)`, needs whitespace at the end of the first piece, which
 * neither rule leaves. Added tokens are matched before the pre-tokenizer, so a cut is
 * skipped where its two characters occur inside an added token's text, and vocabularies
 * with lstrip/rstrip tokens, or another pre-tokenizer, are tokenized whole.
 * test/integration/models/tokenizing.test.ts compares cut and whole tokenization.
 *
 * Lower bound. A byte-level BPE token covers at most `maxTokenBytes` bytes of text (its
 * longest vocabulary entry) and a UTF-16 code unit is at least one UTF-8 byte, so a
 * non-empty segment of n code units takes at least ceil(n / maxTokenBytes) tokens: input
 * beyond any context is refused before a single character is tokenized.
 *
 * Plain text is not enough by itself for content: llama.cpp matches a vocabulary's plain
 * added tokens (USER_DEFINED: Qwen's `<tool_call>`, `</tool_response>`, `<think>`) in any
 * text, so a file, a command's output or an issue holding `</tool_response>` would end
 * the tool response for the model, and what follows would read as the user's own words.
 * Such a token in content is written as its characters instead: its first one, then the rest.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { LlamaModel, Token } from "node-llama-cpp";
import { throwIfAborted } from "../backend.ts";
import type { PromptSegment } from "../qwen/prompt.ts";

/** Code units per native tokenize call: ~10–35 ms of a 2-core machine's main thread. */
export const TOKENIZE_CHUNK = 32 * 1024;
/** Segments cached by text, up to this many UTF-16 code units of text in all. */
const CACHE_UNITS = 8 * 1024 * 1024;
/** Longer segments are not cached (hashing a key reads all of it). */
const CACHE_SEGMENT_UNITS = CACHE_UNITS / 8;
/** GGUF `tokenizer.ggml.token_type` of an ordinary BPE token. */
const NORMAL = 1;

export interface TokenizeOptions {
  readonly signal?: AbortSignal;
}

/** How the vocabulary lets text be cut and bounded. */
interface Vocabulary {
  /** The longest token's bytes; Infinity when unknown (no lower bound then). */
  readonly maxTokenBytes: number;
  /** Character pairs inside added tokens' texts; undefined when text cannot be cut. */
  readonly addedPairs: ReadonlySet<string> | undefined;
}

export class SegmentTokenizer {
  private readonly cache = new Map<string, Token[]>();
  private cachedUnits = 0;
  private readonly added = new Map<Token, boolean>();
  private readonly vocabulary: Vocabulary;
  /** Code units tokenized since the event loop last had a turn. */
  private sinceYield = 0;

  /** `tokenizeText` stands in for the model's own tokenize (tests count what reaches it). */
  constructor(private readonly model: LlamaModel, private readonly tokenizeText: (text: string, special: boolean) => Token[] = (text, special) => model.tokenize(text, special)) {
    this.vocabulary = readVocabulary(model);
  }

  /** The segments' tokens, all of them. */
  async tokens(segments: readonly PromptSegment[], options: TokenizeOptions = {}): Promise<Token[]> {
    return (await this.tokensWithin(segments, Infinity, options))!;
  }

  /**
   * The segments' tokens, or undefined when they take more than `limit`: then tokenizing
   * stopped soon after the limit was passed, or never started when the lower bound passed it.
   */
  async tokensWithin(segments: readonly PromptSegment[], limit: number, options: TokenizeOptions = {}): Promise<Token[] | undefined> {
    if (this.lowerBound(segments) > limit) return undefined;
    const out: Token[] = [];
    for (const segment of segments) {
      const tokens = await this.segment(segment, limit - out.length, options.signal);
      if (!tokens) return undefined;
      for (const token of tokens) out.push(token);
      if (out.length > limit) return undefined;
    }
    return out;
  }

  /** Fewest tokens the segments can take. */
  lowerBound(segments: readonly PromptSegment[]): number {
    const max = this.vocabulary.maxTokenBytes;
    let bound = 0;
    for (const { text } of segments) if (text.length > 0) bound += Math.ceil(text.length / max);
    return bound;
  }

  private async segment(segment: PromptSegment, limit: number, signal: AbortSignal | undefined): Promise<Token[] | undefined> {
    const cacheable = segment.text.length <= CACHE_SEGMENT_UNITS;
    const key = segment.kind[0] + segment.text;
    const cached = cacheable ? this.cache.get(key) : undefined;
    if (cached) {
      // Most recently used last: eviction takes the oldest first.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const tokens: Token[] = [];
    const special = segment.kind === "template";
    for (let start = 0; start < segment.text.length; ) {
      if (this.sinceYield >= TOKENIZE_CHUNK) {
        this.sinceYield = 0;
        await nextTurn();
      }
      throwIfAborted(signal);
      const end = this.cut(segment.text, start);
      let piece = this.tokenizeText(segment.text.slice(start, end), special);
      if (!special) piece = this.asText(piece);
      for (const token of piece) tokens.push(token);
      this.sinceYield += end - start;
      start = end;
      if (tokens.length > limit) return undefined;
    }
    if (cacheable) this.remember(key, tokens);
    return tokens;
  }

  /** Where the piece of `text` from `start` ends: an exact cut near TOKENIZE_CHUNK on, or the end. */
  private cut(text: string, start: number): number {
    const target = start + TOKENIZE_CHUNK;
    const pairs = this.vocabulary.addedPairs;
    if (target >= text.length || !pairs) return text.length;
    for (let p = target; p > start + TOKENIZE_CHUNK / 4; p--) if (isExactCut(text, p, pairs)) return p;
    for (let p = target + 1; p < text.length; p++) if (isExactCut(text, p, pairs)) return p;
    return text.length;
  }

  private remember(key: string, tokens: Token[]): void {
    this.cache.set(key, tokens);
    this.cachedUnits += key.length;
    for (const [old] of this.cache) {
      if (this.cachedUnits <= CACHE_UNITS) break;
      this.cache.delete(old);
      this.cachedUnits -= old.length;
    }
  }

  private asText(tokens: Token[]): Token[] {
    if (!tokens.some((t) => this.isAdded(t))) return tokens;
    const out: Token[] = [];
    for (const token of tokens) {
      if (!this.isAdded(token)) {
        out.push(token);
        continue;
      }
      const text = this.model.detokenize([token], true);
      const first = String.fromCodePoint(text.codePointAt(0)!);
      out.push(...this.tokenizeText(first, false), ...this.tokenizeText(text.slice(first.length), false));
    }
    return out;
  }

  private isAdded(token: Token): boolean {
    let added = this.added.get(token);
    if (added === undefined) this.added.set(token, (added = this.model.getTokenAttributes(token).userDefined));
    return added;
  }
}

/** The bound and the cut rules for this model's vocabulary (see the file comment). */
function readVocabulary(model: LlamaModel): Vocabulary {
  const tokenizer = model.fileInfo.metadata.tokenizer?.ggml as { model?: unknown; pre?: unknown; tokens?: unknown; token_type?: unknown } | undefined;
  const tokens = tokenizer?.tokens;
  const types = tokenizer?.token_type;
  const unknown: Vocabulary = { maxTokenBytes: Infinity, addedPairs: undefined };
  if (tokenizer?.model !== "gpt2" || !Array.isArray(tokens) || !Array.isArray(types) || types.length !== tokens.length) return unknown;
  let maxTokenBytes = 0;
  const pairs = new Set<string>();
  for (let id = 0; id < tokens.length; id++) {
    const text = tokens[id];
    if (typeof text !== "string") return unknown;
    // Ordinary tokens are stored byte-mapped (one character a byte, "Ġ" two UTF-8 bytes):
    // their UTF-8 length can only overstate the bytes they cover, which keeps the bound low.
    maxTokenBytes = Math.max(maxTokenBytes, Buffer.byteLength(text));
    if (types[id] === NORMAL) continue;
    const attributes = model.getTokenAttributes(id as Token);
    // Such a token takes in the whitespace beside it: more bytes than its text, across a cut.
    if (attributes.lstrip || attributes.rstrip) return unknown;
    for (let i = 1; i < text.length; i++) pairs.add(text.slice(i - 1, i + 1));
  }
  const exact = tokenizer.pre === "qwen2" || tokenizer.pre === "qwen35";
  return { maxTokenBytes: maxTokenBytes || Infinity, addedPairs: exact ? pairs : undefined };
}

/** Whether Qwen's pre-tokenizer starts a word at `p` whatever follows (see the file comment). */
export function isExactCut(text: string, p: number, addedPairs: ReadonlySet<string>): boolean {
  const before = text.charCodeAt(p - 1);
  const after = text.charCodeAt(p);
  const exact = (before === 0x0a && isNonSpace(after)) || (isLetter(before) && isNonLetter(after));
  return exact && !addedPairs.has(text.slice(p - 1, p + 1));
}

/** Letters in every Unicode version (\p{L}, not \p{M}): ASCII, CJK ideographs, kana, Hangul syllables. */
function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x4e00 && c <= 0x9fef) || (c >= 0x3041 && c <= 0x3096) || (c >= 0x30a1 && c <= 0x30fa) || (c >= 0xac00 && c <= 0xd7a3);
}

/** Neither a letter nor a mark: ASCII other than letters, and common CJK punctuation. */
function isNonLetter(c: number): boolean {
  return (c < 0x80 && !isLetter(c)) || CJK_PUNCTUATION.has(c);
}

/** Not whitespace: visible ASCII, the letters above, CJK punctuation. */
function isNonSpace(c: number): boolean {
  return (c > 0x20 && c < 0x7f) || isLetter(c) || CJK_PUNCTUATION.has(c);
}

const CJK_PUNCTUATION = new Set([..."、。〈〉《》「」『』【】〔〕！（），．：；？［］｛｝…—‘’“”"].map((c) => c.charCodeAt(0)));
