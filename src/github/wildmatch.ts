/**
 * git's wildmatch with WM_PATHNAME, as `includeIf "gitdir:…"` uses it: `*`, `?` and `[…]`
 * stay within one folder name, `**` between slashes crosses folders. Matched without
 * backtracking, one pass per token.
 */

/** One step of a wildmatch pattern (WM_PATHNAME: `*`, `?` and classes stop at `/`; `**` between slashes crosses them). */
export type Token =
  | { readonly kind: "char"; readonly char: string }
  | { readonly kind: "one"; readonly test: (char: string) => boolean }
  | { readonly kind: "star" }
  | { readonly kind: "folders" } // `**/`: no folder or any folders
  | { readonly kind: "all" }; // `**` at the end

export function wildmatchTokens(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const globstar = c === "*" && pattern[i + 1] === "*" && (i === 0 || pattern[i - 1] === "/");
    if (globstar && i + 2 === pattern.length) return [...tokens, { kind: "all" }];
    if (globstar && pattern[i + 2] === "/") {
      tokens.push({ kind: "folders" });
      i += 2;
    } else if (c === "*") {
      while (pattern[i + 1] === "*") i++;
      tokens.push({ kind: "star" });
    } else if (c === "?") tokens.push({ kind: "one", test: () => true });
    else if (c === "[" && pattern.indexOf("]", i + 2) > 0) {
      const end = pattern.indexOf("]", i + 2);
      tokens.push({ kind: "one", test: charClass(pattern.slice(i + 1, end)) });
      i = end;
    } else tokens.push({ kind: "char", char: c === "\\" && i + 1 < pattern.length ? pattern[++i]! : c });
  }
  return tokens;
}

/** `[a-z]`, `[!.]`: whether a character is in the class. */
function charClass(body: string): (char: string) => boolean {
  const negated = body[0] === "!" || body[0] === "^";
  const chars = negated ? body.slice(1) : body;
  return (char) => {
    let found = false;
    for (let i = 0; i < chars.length; i++) {
      if (chars[i + 1] === "-" && i + 2 < chars.length) {
        found ||= char >= chars[i]! && char <= chars[i + 2]!;
        i += 2;
      } else found ||= char === chars[i];
    }
    return found !== negated;
  };
}

/**
 * Whether `tokens` match all of `text`: one pass per token over the text (no backtracking, so
 * a pattern of many `**` in a config from an unpacked archive cannot hold the editor up).
 */
export function wildmatches(tokens: readonly Token[], text: string, ignoreCase: boolean): boolean {
  const same = (a: string, b: string) => a === b || (ignoreCase && a.toLowerCase() === b.toLowerCase());
  let reach = Array.from({ length: text.length + 1 }, (_, j) => j === 0);
  for (const token of tokens) {
    const next: boolean[] = new Array(text.length + 1).fill(false);
    let before = false; // reach[i] for some i < j
    for (let j = 0; j <= text.length; j++) {
      const prev = text[j - 1];
      if (token.kind === "char") next[j] = j > 0 && reach[j - 1]! && same(prev!, token.char);
      else if (token.kind === "one") next[j] = j > 0 && reach[j - 1]! && prev !== "/" && token.test(prev!);
      else if (token.kind === "star") next[j] = reach[j]! || (j > 0 && next[j - 1]! && prev !== "/");
      else if (token.kind === "folders") next[j] = reach[j]! || (before && prev === "/");
      else next[j] = before || reach[j]!;
      before ||= reach[j]!;
    }
    reach = next;
  }
  return reach[text.length]!;
}
