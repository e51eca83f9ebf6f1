/**
 * Bounds on marked's inline scans, so that no reply can hold the page's only thread. Two of
 * its scans start again at every place a text run starts and read to the end of the
 * paragraph; text made of little else than such places (a prompt-injected file, a pasted
 * log) made them quadratic:
 *
 * - Emphasis and strikethrough: from each delimiter that can open, marked looks for the one
 *   that closes it. When none can (`.*a` repeated: a `*` after punctuation and before a
 *   letter opens and never closes), every opener read the rest of the paragraph: 24 KB took
 *   9 s. Here the closing scans of one paragraph (any inline run: a heading, a list item, a
 *   table cell) may read SCAN_PER_CHAR times its length plus SCAN_BASE characters in all;
 *   past that, the rest of that paragraph is shown without emphasis (its delimiters as text).
 *   Ordinary text reads about its length once.
 * - Bare email addresses (GFM autolinks): the `url` rule, and the `text` rule's lookahead that
 *   stops text before an address, read a whole run of address characters looking for its `@`
 *   from every `_`, `*`, `~` or `!` (80 KB of `_a`: 3.4 s). An address's local part is at most
 *   64 characters (RFC 5321), so the look stops there; a longer one is not made a link.
 *
 * marked's own tokenizers still do all the parsing (this only swaps their regular
 * expressions for bounded copies), so everything else renders exactly as marked renders it.
 */
import type { MarkedExtension, Rules, Tokenizer } from "marked";

const SCAN_PER_CHAR = 16;
const SCAN_BASE = 2_000;
const LOCAL_PART_MAX = 64;

interface Budget {
  left: number;
}

/** The paragraph whose closing delimiter is being looked for (set before marked's emStrong / del run). */
let active: Budget | undefined;

/** A closing-delimiter rule that charges what it reads to the active paragraph, and finds nothing once it is spent. */
class BudgetedRule extends RegExp {
  override exec(text: string): RegExpExecArray | null {
    const budget = active;
    if (budget && budget.left <= 0) return null;
    const from = this.lastIndex;
    const match = super.exec(text);
    if (budget) budget.left -= (match ? this.lastIndex : text.length) - from;
    return match;
  }
}

type InlineRules = Rules["inline"];
const boundedCopies = new WeakMap<InlineRules, InlineRules>();

function bounded(inline: InlineRules): InlineRules {
  const localPart = (rule: RegExp) => new RegExp(rule.source.replace(/\]\+(\(?@)/g, `]{1,${LOCAL_PART_MAX}}$1`), rule.flags);
  const budgeted = (rule: RegExp) => new BudgetedRule(rule.source, rule.flags);
  return {
    ...inline,
    url: localPart(inline.url),
    text: localPart(inline.text),
    emStrongRDelimAst: budgeted(inline.emStrongRDelimAst),
    emStrongRDelimUnd: budgeted(inline.emStrongRDelimUnd),
    delRDelim: budgeted(inline.delRDelim),
  };
}

/** Puts the bounded copy of the inline rules in place for the lexer now running (each lexer gets marked's own). */
function useBoundedRules(tokenizer: Tokenizer): void {
  const inline = tokenizer.rules.inline;
  let copy = boundedCopies.get(inline);
  if (!copy) {
    copy = bounded(inline);
    boundedCopies.set(inline, copy).set(copy, copy);
  }
  if (copy !== inline) tokenizer.rules = { ...tokenizer.rules, inline: copy };
}

/** Each lexer's budgets, one per paragraph (marked's masked source of the inline run). */
const budgets = new WeakMap<object, Map<string, Budget>>();

function budgetFor(lexer: object, paragraph: string): Budget {
  let byParagraph = budgets.get(lexer);
  if (!byParagraph) budgets.set(lexer, (byParagraph = new Map()));
  let budget = byParagraph.get(paragraph);
  if (!budget) byParagraph.set(paragraph, (budget = { left: SCAN_PER_CHAR * paragraph.length + SCAN_BASE }));
  return budget;
}

// Each returns false: marked then runs its own tokenizer, with the bounded rules in place.
function scanWithBudget(this: Tokenizer, _src: string, maskedSrc: string): false {
  useBoundedRules(this);
  active = budgetFor(this.lexer, maskedSrc);
  return false;
}

function scanBounded(this: Tokenizer): false {
  useBoundedRules(this);
  return false;
}

/** `marked.use(markedBounds)`: linear work for any input, the same output for ordinary markdown. */
export const markedBounds: MarkedExtension = {
  tokenizer: { emStrong: scanWithBudget, del: scanWithBudget, url: scanBounded, inlineText: scanBounded },
};
