/**
 * Fill-in-the-middle prompts in Qwen's format, as segments (template text with control
 * tokens, content as plain text):
 *   <|repo_name|>NAME\n<|file_sep|>PATH\nCONTENT\n…<|fim_prefix|>PREFIX<|fim_suffix|>SUFFIX<|fim_middle|>
 * The special tokens come from the model's vocabulary (`tokens` below), not from names,
 * so a model whose FIM tokens are spelled differently still works.
 */
import type { FimRequest } from "./backend.ts";
import type { PromptSegment } from "./qwen/prompt.ts";

/** The FIM control tokens a model has, as text. */
export interface FimTokens {
  readonly prefix: string;
  readonly suffix: string;
  readonly middle: string;
  /** Present when the model knows repository-level context. */
  readonly repoName?: string;
  readonly fileSep?: string;
}

/**
 * Segments of the FIM prompt (prefix-stable: context files first, the cursor's file last).
 * With `prefixStableChars`, the prefix is two content segments split there, so the token
 * index of that point is known (a checkpoint goes there).
 */
export function renderFimSegments(request: Pick<FimRequest, "prefix" | "suffix" | "context" | "repoName" | "prefixStableChars">, tokens: FimTokens): PromptSegment[] {
  const out: PromptSegment[] = [];
  const tpl = (text: string) => text && out.push({ kind: "template", text });
  const content = (text: string) => text && out.push({ kind: "content", text });
  if (tokens.fileSep && request.context?.length) {
    if (tokens.repoName && request.repoName) {
      tpl(tokens.repoName);
      content(request.repoName + "\n");
    }
    for (const file of request.context) {
      tpl(tokens.fileSep);
      content(`${file.path}\n${file.content}\n`);
    }
  }
  tpl(tokens.prefix);
  const split = Math.max(0, Math.min(request.prefixStableChars ?? 0, request.prefix.length));
  content(request.prefix.slice(0, split));
  content(request.prefix.slice(split));
  tpl(tokens.suffix);
  content(request.suffix);
  tpl(tokens.middle);
  return out;
}

/** The leading segments of `renderFimSegments(request)` that stay the same while the text after `prefixStableChars` changes. */
export function stableFimSegments(request: Pick<FimRequest, "prefix" | "context" | "repoName" | "prefixStableChars">, tokens: FimTokens): PromptSegment[] {
  const head = renderFimSegments({ ...request, prefix: request.prefix.slice(0, Math.max(0, request.prefixStableChars ?? 0)), suffix: "" }, tokens);
  return head.slice(0, -2); // without <|fim_suffix|> and <|fim_middle|>
}

/** Cuts `text` at the first stop string; says whether one was found. */
export function applyStops(text: string, stops: readonly string[] | undefined): { text: string; stopped: boolean } {
  let cut = -1;
  for (const stop of stops ?? []) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  return cut < 0 ? { text, stopped: false } : { text: text.slice(0, cut), stopped: true };
}
