/**
 * Secret values copied into ordinary files: a private key block pasted into a test, an AWS
 * key pair, a GitHub, Slack, OpenAI, Stripe, Google API or npm token in a config or a script, a WireGuard key,
 * a password in a URL (`postgres://app:…@db`), and a constant's definition that holds one
 * (`GITHUB_TOKEN = "ghp_…"`, as the repository map shows it). `maskSecrets` masks them
 * (`[secret masked: GitHub token]`) in what the model is shown: the tools' results
 * (tools/secret-values.ts says what they add) and the repository map in its prompt.
 *
 * Only values shaped like real ones are masked: a known prefix and a random-looking body of
 * the provider's length. Hex hashes, `sk-test` fixtures, `AKIA…EXAMPLE` and `ghp_xxxx…`
 * placeholders, and a key block with no body are left as they are.
 */
/** How every mask begins: what a write that would put a mask back is known by (tools/secret-values.ts). */
export const MASK_START = "[secret masked: ";

/** A value masked in a text: what it looked like, and its line (1-based). */
export interface MaskedValue {
  readonly kind: string;
  readonly line: number;
  /** A key block's last line, when it spans several (its lines between are shown empty). */
  readonly lastLine?: number;
}

interface TokenShape {
  readonly kind: string;
  readonly pattern: RegExp;
  /** Beyond the shape: a body random enough to be a real key (mixed letters and digits). */
  readonly mixed?: boolean;
  /** Beyond the shape, for a value chosen by a person rather than random (a URL's password; `after`: group 3, its host). */
  readonly chosen?: (value: string, after: string) => boolean;
}

const TOKENS: readonly TokenShape[] = [
  { kind: "GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])/g },
  { kind: "GitHub token", pattern: /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/g },
  // Every length bounded: a greedy `{10,}` over a run of millions of such characters (a minified bundle) throws V8's RangeError.
  { kind: "Slack token", pattern: /\bxox[bpars]-\d{6,20}-[A-Za-z0-9-]{10,255}/g },
  { kind: "AWS access key id", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  // The name before the value is kept (group 1). Matched forward from the name: a lookbehind
  // was tried at every position of a line, scanning back over its spaces each time.
  { kind: "AWS secret access key", pattern: /((?:aws_?secret_?access_?key|secretaccesskey)["']?[ \t]*[:=][ \t]*["']?)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi, mixed: true },
  // OpenAI's (sk-…, sk-proj-…), Anthropic's (sk-ant-api03-…).
  { kind: "API key", pattern: /\bsk-[A-Za-z0-9_-]{32,255}/g, mixed: true },
  { kind: "Stripe key", pattern: /\b[rs]k_live_[A-Za-z0-9]{24,247}(?![A-Za-z0-9])/g, mixed: true },
  { kind: "Google API key", pattern: /\bAIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g, mixed: true },
  { kind: "npm token", pattern: /\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g, mixed: true },
  // WireGuard's private and preshared keys (wg0.conf's `PrivateKey = …`: 32 bytes in base64), the name kept (group 1); wg reads the names in any case.
  { kind: "WireGuard key", pattern: /(\b(?:Private|Preshared)Key[ \t]*=[ \t]*)([A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])/gi, mixed: true },
  // Package managers' registry credentials in a project's own configuration, the name kept (group 1): Yarn 2+'s
  // .yarnrc.yml (`npmAuthToken: …`, `npmAuthIdent: "user:password"`, at the top or under npmScopes / npmRegistries),
  // NuGet's nuget.config (`<add key="ClearTextPassword" value="…" />`, and `Password`, the same one encrypted), and
  // Bundler's host credentials (.bundle/config's `BUNDLE_GEMS__EXAMPLE__COM: "user:password"`, or as an environment
  // variable; not its BUILD__ / MIRROR__ / LOCAL__ settings, nor a path). The rest of such a file is the project's
  // configuration the model may need to read, so the file is no secrets file; a `${NPM_TOKEN}` reference is left.
  { kind: "registry credential", pattern: /(\bnpmAuth(?:Token|Ident)["']?[ \t]*:[ \t]*["']?)([^\s"'#]{8,512})/g, chosen: credential },
  { kind: "registry credential", pattern: /(\bkey[ \t]*=[ \t]*["'](?:ClearText)?Password["'][ \t]+value[ \t]*=[ \t]*["'])([^"'<>]{1,512})/gi, chosen: credential },
  { kind: "registry credential", pattern: /(\bBUNDLE_(?!BUILD__|MIRROR__|LOCAL__)[A-Z0-9_]{0,256}[A-Z0-9]__[A-Z0-9_]{1,256}["']?[ \t]*[:=][ \t]*["']?)([^\s"'/]{8,512})/g, chosen: credential },
  // `scheme://user:password@host`: the password only (group 2), the scheme, user and host (group 3, looked at, not
  // matched) kept. Known schemes and parts of bounded length, so a long line of words and colons is looked through once.
  {
    kind: "password in a URL",
    pattern: /(\b(?:https?|s?ftps?|ssh|git|postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mqtts?|smtps?|imaps?|ldaps?):\/\/[^\s:/?#@"'<>\\]{1,256}:)([^\s/?#@"'<>\\]{1,256})(?=@([^\s:/?#@"'<>\\]{0,256}))/g,
    chosen: urlPassword,
  },
];

const KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
const KEY_END = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
/** A key block's body shorter than this (base64 characters) is a fixture's stand-in, not a key. */
const MIN_KEY_BODY = 64;

/** A placeholder, not a value: `EXAMPLE` (AWS's documented pair), `xxxx…`, `0000…`, one character six times running. */
function placeholder(value: string): boolean {
  return /example|(.)\1{5}/i.test(value);
}

function realToken(value: string, shape: TokenShape, after = ""): boolean {
  if (placeholder(value)) return false;
  if (shape.chosen && !shape.chosen(value, after)) return false;
  return !shape.mixed || (/\d/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value));
}

/**
 * A URL's password that is one: eight characters or more, not letters alone (`password`,
 * `postgres`, `changeme` in a README or a compose file), not a template (`${DB_PASSWORD}`,
 * `<password>`, `%s`), and not for a host kept for documentation (RFC 2606, 6761:
 * `example.com`, `git.example.org`, `broker.example`, `db.test`): a README's example,
 * which masked the model could not edit (a write holding the mask is refused).
 */
function urlPassword(value: string, host: string): boolean {
  if (/(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid)\.?$/i.test(host)) return false;
  return value.length >= 8 && /[A-Za-z]/.test(value) && /[^A-Za-z]/.test(value) && !/[${}<>]|%s|%\(/.test(value);
}

/** A credential set in a configuration: not a template (`${NPM_TOKEN}`, `%NUGET_PASSWORD%`, `<password>`) nor a placeholder. */
function credential(value: string): boolean {
  return !/[${}<>%]/.test(value);
}

/** The mask of a value of `kind`. */
function mask(kind: string): string {
  return `${MASK_START}${kind}]`;
}

/**
 * `text` with the secret values in it masked, line for line (a key block's body becomes one
 * mask and empty lines, so line numbers still hold), and what was masked where. `shown`: what
 * stands in a value's place — the mask, or a space where the text is counted for its words
 * (the index's terms: a mask's own words, "secret", "masked", "GitHub token", would rank the
 * file for a query naming them).
 */
export function maskSecrets(text: string, shown: (kind: string) => string = mask): { text: string; masked: MaskedValue[] } {
  if (!mayHoldSecrets(text)) return { text, masked: [] };
  const lines = text.split("\n");
  const masked: MaskedValue[] = [];
  const keys = maskKeyBlocks(lines, shown);
  for (const block of keys) masked.push({ kind: "private key", ...block });
  lines.forEach((line, i) => {
    let out = line;
    for (const shape of TOKENS) {
      out = out.replace(shape.pattern, (whole: string, name?: unknown, secret?: unknown, after?: unknown) => {
        // With groups (the AWS secret's name and value, a URL's host) the replacer gets them; without, the match's offset.
        const [before, value] = typeof name === "string" ? [name, String(secret)] : ["", whole];
        if (!realToken(value, shape, typeof after === "string" ? after : "")) return whole;
        masked.push({ kind: shape.kind, line: i + 1 });
        return before + shown(shape.kind);
      });
    }
    lines[i] = out;
  });
  masked.sort((a, b) => a.line - b.line);
  return { text: lines.join("\n"), masked };
}

/** A quick look for what every masked value holds, so most texts are not scanned line by line. */
function mayHoldSecrets(text: string): boolean {
  // Case kept but for the AWS secret's name: `disk-`, `Asia`, `task-` are in much code searched.
  return /PRIVATE KEY|\bgh[pousr]_|\bgithub_pat_|\bxox[bpars]-|\b(?:AKIA|ASIA)[A-Z0-9]{16}|\bsk-[\w-]{32}|k_live_|\bAIza[\w-]{35}|\bnpm_[A-Za-z0-9]{36}|:\/\/[^\s:/?#@]{1,256}:[^\s/?#@]{8,256}@/.test(text) || /secret_?access_?key|(?:private|preshared)key[ \t]*=|npmauth(?:token|ident)|password["'][ \t]+value|bundle_\w{0,256}__/i.test(text);
}

/**
 * Masks, in place, the bodies of private key blocks of at least `MIN_KEY_BODY` characters —
 * on lines of their own, or on one line (a JSON service-account key's `\n` escapes) — and
 * returns the lines (1-based) where they begin and, for one over several lines, end.
 */
function maskKeyBlocks(lines: string[], shown: (kind: string) => string): { line: number; lastLine?: number }[] {
  const found: { line: number; lastLine?: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = KEY_BEGIN.exec(lines[i]!);
    if (!begin) continue;
    const head = lines[i]!.slice(0, begin.index + begin[0].length);
    const rest = lines[i]!.slice(head.length);
    const sameLine = KEY_END.exec(rest);
    if (sameLine) {
      if (keyBody(rest.slice(0, sameLine.index)) < MIN_KEY_BODY) continue;
      lines[i] = `${head}${shown("private key")}${rest.slice(sameLine.index)}`;
      found.push({ line: i + 1 });
      continue;
    }
    let end = i + 1;
    // Up to its end, or the next block's beginning (a block cut short): each line looked through once.
    while (end < lines.length && !KEY_END.test(lines[end]!) && !KEY_BEGIN.test(lines[end]!)) end++;
    const close = end < lines.length ? KEY_END.exec(lines[end]!) : null;
    const body = [rest, ...lines.slice(i + 1, end), close ? lines[end]!.slice(0, close.index) : ""];
    if (body.reduce((n, part) => n + keyBody(part), 0) >= MIN_KEY_BODY) {
      lines[i] = `${head}${shown("private key")}`;
      for (let k = i + 1; k < end; k++) lines[k] = "";
      if (close) lines[end] = lines[end]!.slice(close.index);
      const last = close ? end : end - 1;
      found.push(last > i ? { line: i + 1, lastLine: last + 1 } : { line: i + 1 });
    }
    i = close ? end : end - 1;
  }
  return found;
}

/** Base64 characters in `part`, `\n` escapes and a header line (`Proc-Type: …`) aside. */
function keyBody(part: string): number {
  if (/^\s*[A-Za-z-]+: /.test(part)) return 0;
  return part.replace(/\\n/g, "").replace(/[^A-Za-z0-9+/=]/g, "").length;
}

/**
 * Where a text cut to its first `end` characters must end so that it splits no secret value:
 * `end`, or the start of the value the cut falls inside. Masking comes after a cut (runTool,
 * the repository map), and a value's first part is too short for its shape: cut in it, its
 * first characters would be shown. `text` holds what follows the cut too, as far as a value
 * may run (a command's output's head and the next kilobytes).
 */
export function secretSafeEnd(text: string, end: number): number {
  const spans = secretSpans(text, "end");
  for (let moved = true; moved; ) {
    moved = false;
    for (const [from, to] of spans) {
      if (from < end && end < to) [end, moved] = [from, true];
    }
  }
  return end;
}

/**
 * Where a text cut to its characters from `start` on must start so that it splits no secret
 * value: `start`, or the end of the value the cut falls inside (a URL's password cut from its
 * scheme and user, a key block's lines cut from its beginning). `text` holds what precedes
 * the cut too, as far as a value may run.
 */
export function secretSafeStart(text: string, start: number): number {
  const spans = secretSpans(text, "start");
  for (let moved = true; moved; ) {
    moved = false;
    for (const [from, to] of spans) {
      if (from < start && start < to) [start, moved] = [to, true];
    }
  }
  return start;
}

/** Offset of the start (a token's whole match, a URL from its scheme) and end of each value in `text` that `maskSecrets` would mask. */
function secretSpans(text: string, cut: "end" | "start"): [number, number][] {
  if (!mayHoldSecrets(text)) return [];
  const spans = keyBlockSpans(text, cut);
  let offset = 0;
  for (const line of text.split("\n")) {
    for (const shape of TOKENS) {
      for (const m of line.matchAll(shape.pattern)) {
        if (realToken(m[2] ?? m[0], shape, m[3])) spans.push([offset + m.index, offset + m.index + m[0].length]);
      }
    }
    offset += line.length + 1;
  }
  return spans;
}

/** Characters of a key block at most (a 4096-bit RSA key's PEM is some 3,300). */
const MAX_KEY_CHARS = 8192;

/**
 * A key block from its first line to its last, whatever the body's length (a cut in a short
 * one costs a few lines). Where the text is cut at its end, one whose last line the text
 * lacks runs on to the text's end; where it is cut at its start, a last line whose first
 * the text lacks (the text starts inside the block) is the end of one begun before it. Both
 * bounded by a key's length: a lone line (grep's output) does not take a whole output.
 */
function keyBlockSpans(text: string, cut: "end" | "start"): [number, number][] {
  const spans: [number, number][] = [];
  let open = -1;
  let after = 0;
  for (const m of text.matchAll(/-----(BEGIN|END) (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g)) {
    if (m[1] === "BEGIN") {
      if (open < 0) open = m.index;
      continue;
    }
    if (open >= 0 || cut === "start") spans.push([open >= 0 ? open : Math.max(after, m.index - MAX_KEY_CHARS), m.index + m[0].length]);
    open = -1;
    after = m.index + m[0].length;
  }
  if (open >= 0 && cut === "end") spans.push([open, Math.min(text.length, open + MAX_KEY_CHARS)]);
  return spans;
}
