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
 * Which values are masked, and how, is protocol/secret-values.ts (the repository map masks
 * with it too); this module adds what the tools say of it and the check on writes.
 */
import { MASK_START, type MaskedValue, maskSecrets } from "../protocol/secret-values.ts";
import { decodeText } from "./text-file.ts";
import type { Workspace } from "./workspace.ts";

export { MASK_START, type MaskedValue, maskSecrets };

/** The line that tells the model (and the user, on the tool's card) what was masked, or nothing. */
export function maskedNote<T extends MaskedValue>(masked: readonly T[], where: (m: T) => string = linesOf): string[] {
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

/** Where a value is, by line: a key block by its first and last (`lines 4-31`). */
function linesOf(m: MaskedValue): string {
  return m.lastLine ? `lines ${m.line}-${m.lastLine}` : `line ${m.line}`;
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
