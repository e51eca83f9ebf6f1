/**
 * The one glob engine: a pattern's steps as a small automaton, run over a path once with every
 * state it may be in at the same time. A backtracking regular expression tries every way to
 * split the path among a pattern's stars (`*a*a*a…b` against a long name of `a`s, 25 `**\/`
 * against a path 40 folders deep), and a pattern and a path are both what a repository writes.
 *
 * Each caller reads its own syntax into steps: `indexer/ignore.ts` git's ignore rules (classes,
 * `\` escapes, `**` only as a whole name, case kept), `secret-files.ts` VS Code's
 * `files.exclude` globs (`{a,b}`, `**` anywhere, case ignored). What a step means is the same
 * for both. Here in `protocol/` because the extension decides with it too.
 */

/** One step of a pattern. */
export type GlobStep =
  /** One character that passes `test`; `literal` when that is one plain character. */
  | { readonly kind: "char"; readonly test: (c: string) => boolean; readonly literal?: string }
  /** `*`: any characters but `/`, none included. */
  | { readonly kind: "name" }
  /** `**` (not before `/`): any characters. */
  | { readonly kind: "any" }
  /** `**\/`: any characters ending in `/`, or nothing (whole folders where it starts a name). */
  | { readonly kind: "dirs" }
  /** `{a,b}`: one of the options. */
  | { readonly kind: "either"; readonly options: readonly (readonly GlobStep[])[] };

/** A compiled pattern: run it with `globMatches`. */
export interface GlobAutomaton {
  readonly states: readonly GlobState[];
  readonly accept: number;
  /** The sets of states met so far (by their sorted numbers), each with where each character takes it. */
  readonly seen: Map<string, StateSet>;
}

interface GlobState {
  /** States reached without reading a character. */
  readonly free: number[];
  /** States reached by reading one character that passes `test`. */
  readonly steps: { readonly test: (c: string) => boolean; readonly to: number }[];
}

/** A set of states the automaton is in at once, with its moves worked out as they are met. */
interface StateSet {
  readonly states: readonly number[];
  readonly accepting: boolean;
  /** Kept in `seen`: only moves to kept sets are remembered, so what is remembered stays within SEEN_SETS. */
  readonly kept: boolean;
  /** Where a character leads (null: nowhere, no match). */
  readonly moves: Map<string, StateSet | null>;
}

/** The most sets of states kept for one pattern: past it, sets are worked out again at each use. */
const SEEN_SETS = 4096;

const ANY = (): boolean => true;
const NOT_SLASH = (c: string): boolean => c !== "/";
const SLASH = (c: string): boolean => c === "/";

/** A step of one plain character. */
export function plainChar(ch: string): GlobStep {
  return { kind: "char", test: (c) => c === ch, literal: ch };
}

/**
 * The character of `text` at `i` as `globMatches` reads one: a whole code point, so a pattern
 * reader steps over an emoji's two UTF-16 units at once (a step of each half matched nothing).
 */
export function charAt(text: string, i: number): string {
  return text.codePointAt(i)! > 0xffff ? text.slice(i, i + 2) : text[i]!;
}

/** `?`: one character but `/`. */
export const ONE_CHAR: GlobStep = { kind: "char", test: NOT_SLASH };

/** The steps as an automaton that accepts the whole of a text they match. */
export function globAutomaton(steps: readonly GlobStep[]): GlobAutomaton {
  const states: GlobState[] = [];
  const state = (): number => states.push({ free: [], steps: [] }) - 1;
  const loop = (from: number, test: (c: string) => boolean): number => {
    const at = state();
    states[from]!.free.push(at);
    states[at]!.steps.push({ test, to: at });
    return at;
  };
  /** Appends the steps after state `from`; returns the state they end in. */
  const build = (list: readonly GlobStep[], from: number): number => {
    let at = from;
    for (const step of list) {
      const next = state();
      if (step.kind === "char") states[at]!.steps.push({ test: step.test, to: next });
      else if (step.kind === "name" || step.kind === "any") states[loop(at, step.kind === "name" ? NOT_SLASH : ANY)]!.free.push(next);
      else if (step.kind === "dirs") {
        states[loop(at, ANY)]!.steps.push({ test: SLASH, to: next });
        states[at]!.free.push(next);
      } else {
        for (const option of step.options) {
          const branch = state();
          states[at]!.free.push(branch);
          states[build(option, branch)]!.free.push(next);
        }
      }
      at = next;
    }
    return at;
  };
  const start = state();
  return { states, accept: build(steps, start), seen: new Map() };
}

let stepsTaken = 0;

/**
 * The work every automaton has done in this process: a character read, or a state looked at
 * while working out a new set. Tests bound it to catch a slow matcher without timing it.
 */
export function globStepsTaken(): number {
  return stepsTaken;
}

/**
 * Whether the whole of `text` takes the automaton from its first state to its accepting one.
 * Each set of states is worked out once per character that leaves it: a path's characters
 * then cost a lookup each, however many states the pattern has.
 */
export function globMatches(glob: GlobAutomaton, text: string): boolean {
  let current = stateSet(glob, [0]);
  for (const c of text) {
    stepsTaken++;
    let next = current.moves.get(c);
    if (next === undefined) {
      const reached: number[] = [];
      for (const at of current.states) for (const step of glob.states[at]!.steps) if (step.test(c)) reached.push(step.to);
      stepsTaken += current.states.length;
      next = reached.length ? stateSet(glob, reached) : null;
      if (!next || next.kept) current.moves.set(c, next);
    }
    if (!next) return false;
    current = next;
  }
  return current.accepting;
}

/** The set of `from` and every state reached from them without reading a character. */
function stateSet(glob: GlobAutomaton, from: readonly number[]): StateSet {
  const reached = new Set(from);
  const pending = [...from];
  for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
    for (const to of glob.states[at]!.free) {
      if (reached.has(to)) continue;
      reached.add(to);
      pending.push(to);
    }
  }
  stepsTaken += reached.size;
  const states = [...reached].sort((a, b) => a - b);
  const key = states.join(",");
  const known = glob.seen.get(key);
  if (known) return known;
  const kept = glob.seen.size < SEEN_SETS;
  const set: StateSet = { states, accepting: reached.has(glob.accept), kept, moves: new Map() };
  if (kept) glob.seen.set(key, set);
  return set;
}
