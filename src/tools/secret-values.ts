/**
 * Secret values copied into ordinary files: a private key block pasted into a test, an AWS
 * key pair, a GitHub, Slack, OpenAI, Stripe, Google API or npm token in a config or a script,
 * a password in a URL (`postgres://app:…@db`). The file's name
 * says nothing (secret-reads.ts asks only for names on the secrets list), so read_file and
 * search showed the value to the model — into the saved conversation and, with
 * `hearth.serverUrl`, a team's server. Such values are masked in what the tools return
 * (`[secret masked: GitHub token]`), the result says where, and a write whose text holds a
 * mask into a file that still holds a real secret is refused (`maskWrittenBack`): the model
 * never saw the value, and writing its mask back would replace the real one (checked by
 * `runTool` before any write tool runs, so no tool's own answer quotes the file first).
 *
 * Only values shaped like real ones are masked: a known prefix and a random-looking body of
 * the provider's length. Hex hashes, `sk-test` fixtures, `AKIA…EXAMPLE` and `ghp_xxxx…`
 * placeholders, and a key block with no body are left as they are.
 */
import { decodeText } from "./text-file.ts";
import type { Workspace } from "./workspace.ts";

/** How every mask begins: what `maskWrittenBack` looks for in a write. */
export const MASK_START = "[secret masked: ";

/** A value masked in a text: what it looked like, and its line (1-based). */
export interface MaskedValue {
  readonly kind: string;
  readonly line: number;
}

interface TokenShape {
  readonly kind: string;
  readonly pattern: RegExp;
  /** Beyond the shape: a body random enough to be a real key (mixed letters and digits). */
  readonly mixed?: boolean;
  /** Beyond the shape, for a value chosen by a person rather than random (a URL's password). */
  readonly chosen?: (value: string) => boolean;
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
  // `scheme://user:password@host`: the password only (group 2), the scheme, user and host kept. Known
  // schemes and parts of bounded length, so a long line of words and colons is looked through once.
  {
    kind: "password in a URL",
    pattern: /(\b(?:https?|s?ftps?|ssh|git|postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mqtts?|smtps?|imaps?|ldaps?):\/\/[^\s:/?#@"'<>\\]{1,256}:)([^\s/?#@"'<>\\]{1,256})(?=@)/g,
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

function realToken(value: string, shape: TokenShape): boolean {
  if (placeholder(value)) return false;
  if (shape.chosen && !shape.chosen(value)) return false;
  return !shape.mixed || (/\d/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value));
}

/**
 * A URL's password that is one: eight characters or more, not letters alone (`password`,
 * `postgres`, `changeme` in a README or a compose file), not a template (`${DB_PASSWORD}`,
 * `<password>`, `%s`).
 */
function urlPassword(value: string): boolean {
  return value.length >= 8 && /[A-Za-z]/.test(value) && /[^A-Za-z]/.test(value) && !/[${}<>]|%s|%\(/.test(value);
}

/** The mask of a value of `kind`. */
function mask(kind: string): string {
  return `${MASK_START}${kind}]`;
}

/**
 * `text` with the secret values in it masked, line for line (a key block's body becomes one
 * mask and empty lines, so line numbers still hold), and what was masked where.
 */
export function maskSecrets(text: string): { text: string; masked: MaskedValue[] } {
  if (!mayHoldSecrets(text)) return { text, masked: [] };
  const lines = text.split("\n");
  const masked: MaskedValue[] = [];
  const keys = maskKeyBlocks(lines);
  for (const line of keys) masked.push({ kind: "private key", line });
  lines.forEach((line, i) => {
    let out = line;
    for (const shape of TOKENS) {
      out = out.replace(shape.pattern, (whole: string, name?: unknown, secret?: unknown) => {
        // With groups (the AWS secret's name and value) the replacer gets them; without, the match's offset.
        const [before, value] = typeof name === "string" ? [name, String(secret)] : ["", whole];
        if (!realToken(value, shape)) return whole;
        masked.push({ kind: shape.kind, line: i + 1 });
        return before + mask(shape.kind);
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
  return /PRIVATE KEY|\bgh[pousr]_|\bgithub_pat_|\bxox[bpars]-|\b(?:AKIA|ASIA)[A-Z0-9]{16}|\bsk-[\w-]{32}|k_live_|\bAIza[\w-]{35}|\bnpm_[A-Za-z0-9]{36}|:\/\/[^\s:/?#@]{1,256}:[^\s/?#@]{8,256}@/.test(text) || /secret_?access_?key/i.test(text);
}

/**
 * Masks, in place, the bodies of private key blocks of at least `MIN_KEY_BODY` characters —
 * on lines of their own, or on one line (a JSON service-account key's `\n` escapes) — and
 * returns the lines (1-based) where they begin.
 */
function maskKeyBlocks(lines: string[]): number[] {
  const found: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = KEY_BEGIN.exec(lines[i]!);
    if (!begin) continue;
    const head = lines[i]!.slice(0, begin.index + begin[0].length);
    const rest = lines[i]!.slice(head.length);
    const sameLine = KEY_END.exec(rest);
    if (sameLine) {
      if (keyBody(rest.slice(0, sameLine.index)) < MIN_KEY_BODY) continue;
      lines[i] = `${head}${mask("private key")}${rest.slice(sameLine.index)}`;
      found.push(i + 1);
      continue;
    }
    let end = i + 1;
    // Up to its end, or the next block's beginning (a block cut short): each line looked through once.
    while (end < lines.length && !KEY_END.test(lines[end]!) && !KEY_BEGIN.test(lines[end]!)) end++;
    const close = end < lines.length ? KEY_END.exec(lines[end]!) : null;
    const body = [rest, ...lines.slice(i + 1, end), close ? lines[end]!.slice(0, close.index) : ""];
    if (body.reduce((n, part) => n + keyBody(part), 0) >= MIN_KEY_BODY) {
      lines[i] = `${head}${mask("private key")}`;
      for (let k = i + 1; k < end; k++) lines[k] = "";
      if (close) lines[end] = lines[end]!.slice(close.index);
      found.push(i + 1);
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

/** The line that tells the model (and the user, on the tool's card) what was masked, or nothing. */
export function maskedNote<T extends MaskedValue>(masked: readonly T[], where: (m: T) => string = (m) => `line ${m.line}`): string[] {
  if (masked.length === 0) return [];
  const count = masked.length === 1 ? "1 value that looks like a secret" : `${masked.length} values that look like secrets`;
  const shown = masked.slice(0, 10).map((m) => `${m.kind}, ${where(m)}`);
  const more = masked.length > 10 ? ` and ${masked.length - 10} more` : "";
  return [
    `[Masked ${count} (${shown.join("; ")}${more}): not shown to the model. Leave those values where they are; ` +
      `an edit whose text holds "${MASK_START}…]" is refused, so the mask is never written over the real value. ` +
      `Code should read such a value from the environment or a secret store.]`,
  ];
}

/**
 * Why a write must not run: its arguments (`input`'s strings) hold a mask while one of the
 * files it writes (their current texts) holds a real secret value — the mask would be
 * written over it, or an old_text built on it would not match and the answer quote the
 * file's lines. Undefined otherwise: a new file, or one that holds masks as plain text.
 */
export function maskWrittenBack(input: unknown, currentTexts: readonly string[]): string | undefined {
  if (!strings(input).some((s) => s.includes(MASK_START))) return undefined;
  if (!currentTexts.some((text) => maskSecrets(text).masked.length > 0)) return undefined;
  return (
    `the edit holds "${MASK_START}…]", which stands for a secret value the file holds and you were not shown; ` +
    "writing it would replace the real value. Edit around those lines (old_text and new_text without the mask), or ask the user to change the value"
  );
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** `maskWrittenBack` for a write tool's call: the current texts of the files it writes (`paths`, workspace-relative; unreadable ones left out). */
export async function maskWrittenBackTo(input: unknown, paths: readonly string[], workspace: Pick<Workspace, "read">): Promise<string | undefined> {
  if (!strings(input).some((s) => s.includes(MASK_START))) return undefined;
  const texts = await Promise.all(paths.map((path) => workspace.read(path).then((bytes) => decodeText(bytes, path).text, () => "")));
  return maskWrittenBack(input, texts);
}
