/**
 * Chat history per workspace: the transcripts the chat view shows, kept in VS Code's
 * workspace state (a Memento), one key per conversation plus an index for the history
 * list. Writes during a streamed run are batched; `flush` writes at once.
 *
 * Each window has its own copy of that state: with two windows on one folder the last to
 * write its index kept only its own conversations. The list therefore also shows every
 * conversation the runtimes stored in the folder's storage (`conversations/<id>.json`, the
 * model's side, shared by the windows), and one this window has no transcript of opens as
 * those messages (as an imported conversation does). That folder is read in the background
 * (`refresh`: the start of each file, for its title, 32 KiB, more only where the title lies further;
 * `onListChanged` when the list changed),
 * never while the extension host waits: it may hold hundreds of conversations of megabytes.
 * A delete leaves `<id>.deleted` there, so the other windows drop it from their lists too,
 * and removes the conversation's file; a mark is removed 90 days after the delete, its
 * conversation's file gone (`sweepMarks`).
 */
import { type BigIntStats, readFileSync, statSync } from "node:fs";
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as vscode from "vscode";
import type { ChatMessage } from "../protocol/chat.ts";
import { PRIVATE_FILE, PRIVATE_FOLDER } from "../protocol/make-folders.ts";
import { type ConversationSummary, failedStatus, KEPT_DIFF_CHARS, keptArguments, keptDiff, type Transcript, type TranscriptItem, titleFrom, transcriptFromMessages } from "../protocol/transcript.ts";
import { findHiddenText } from "../protocol/visible-text.ts";
import { globalTimers, type Timers } from "../protocol/wait.ts";

const INDEX_KEY = "hearth.chat.index";
const KEY_PREFIX = "hearth.chat.conversation.";
/**
 * Transcripts (the chat's cards) kept in this window's state; past this the oldest leave it, and
 * with the folder's storage their conversations stay listed from there (their messages).
 */
const MAX_CONVERSATIONS = 100;
const WRITE_DELAY_MS = 400;
/**
 * How often a streamed reply's text is written. Each write of VS Code's workspace state
 * serializes every conversation it holds (all of an extension's keys are one value): a
 * delta's write every 400 ms made a minute's reply into a history of 100 conversations 150
 * writes of the whole history (of megabytes: a 200-turn conversation weighs some 3.6 MB).
 */
const STREAM_WRITE_DELAY_MS = 5_000;
/**
 * What the list reads of each file first: its start holds the system prompt (the repository
 * map and project rules within their budgets, some 15 KB) and the first message's first
 * line, its title. One read of a network disk's usual size: 500 conversations cost 16 MiB.
 */
const FIRST_READ_BYTES = 32 * 1024;
/** The most the list reads of a file, in growing reads where the title is not in what was read (a system prompt or first line of hundreds of kilobytes). */
const HEADER_BYTES = 256 * 1024;
/** A first line this long is cut for the title anyway: no more of it is read. */
const TITLE_LINE_CHARS = 1024;
/** As the runtime's store (conversation-store.ts): a bigger file is damage, not a conversation. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Files whose start is read at once. */
const READ_AT_ONCE = 8;
/** The format the runtime writes (conversation-store.ts); a later one is a newer Hearth's. */
const FORMAT = 1;
const ID = /^[\w-]+$/;
const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * How long a delete mark (`<id>.deleted`) is kept once its conversation's file is gone: the
 * other windows open on the folder drop the conversation the next time they draw their list
 * (which reads the folder), and one closed meanwhile when it opens again. Only a window
 * neither drawn nor opened for this long could still list it after that, as a conversation
 * whose model side is gone (a message sent there says so, as for one deleted by hand).
 */
const MARK_KEPT_MS = 90 * DAY_MS;
/** Old marks are looked for at the first read of the folder, then once a day at most. */
const SWEEP_EVERY_MS = DAY_MS;

/** What opening a conversation from the history gives: its transcript, or why there is none to show. */
export type OpenedConversation = { readonly transcript: Transcript } | { readonly problem: string };

export class TranscriptStore {
  private readonly dirty = new Map<string, Transcript>();
  /** Conversations whose write failed and are tried again unchanged: their failure was thrown once, by the flush that saved them. */
  private readonly retrying = new Set<string>();
  private timer: unknown;
  /** The write waiting is a streamed reply's (STREAM_WRITE_DELAY_MS): a step's save brings it forward. */
  private timerStreamed = false;
  /** Conversations deleted in this window: their files may outlive the delete a moment (the runtime removes them). */
  private readonly deleted = new Set<string>();
  /** The start of each conversation file of the shared storage read so far, with the size and mtime it was read at; no summary: not listed (no message yet). */
  private readonly headers = new Map<string, { readonly stamp: string; readonly summary?: ConversationSummary }>();
  /** Conversations another window deleted (`<id>.deleted` and no file). */
  private deletedElsewhere = new Set<string>();
  /** Conversations another window deleted that this one went on with, until their file is back (the runtime saved a turn). */
  private readonly continued = new Set<string>();
  private refreshing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** When old delete marks were last looked for. */
  private swept = -Infinity;

  /**
   * `onDropped`: told the ids of conversations dropped from the history where there is no `conversationsDir` (the runtime then forgets their messages too).
   * `conversationsDir`: the runtime's conversations in the folder's storage, shared with other windows (none: this window's history only).
   * `onListChanged`: told when reading that folder changed what `list` gives.
   * `now`: the clock old delete marks are judged by.
   * `timers`: those the batched writes wait on.
   */
  constructor(
    private readonly memento: Pick<vscode.Memento, "get" | "update">,
    private readonly onDropped: (ids: readonly string[]) => void = () => undefined,
    private readonly conversationsDir?: string,
    private readonly onListChanged: () => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = globalTimers,
  ) {}

  /**
   * Newest first: this window's history and the conversations other windows stored in the
   * folder, as last read; it reads the folder again in the background (`refresh`).
   */
  list(): ConversationSummary[] {
    // A read that fails leaves the list as last read; the next list() reads again.
    this.refresh().catch(() => undefined);
    return this.listed();
  }

  /**
   * The conversation a window opens with: the newest of its own history that no other window
   * deleted. This window's state may still hold one deleted while it was closed (its delete
   * mark and no file): it is left out of the list at once, before the folder is read. Two
   * stats a conversation, synchronously: the window opens on what this returns.
   */
  latest(): Transcript | undefined {
    for (const { id } of this.index()) {
      if (this.deletedElsewhere.has(id)) continue;
      if (this.conversationsDir && ID.test(id) && deletedSince(this.conversationsDir, id)) {
        this.deletedElsewhere.add(id); // the folder's read forgets it
        continue;
      }
      const transcript = this.get(id);
      if (transcript) return transcript;
    }
    return undefined;
  }

  /** This window's transcript of a conversation (none for one only another window has: `open`). */
  get(id: string): Transcript | undefined {
    const dirty = this.dirty.get(id);
    if (dirty) return dirty;
    const saved = this.memento.get<Transcript>(KEY_PREFIX + id);
    return saved && upgradedTranscript(saved);
  }

  /**
   * A conversation of the list: this window's transcript, or one rebuilt from the folder's
   * storage; else what is wrong with it (deleted in another window, a damaged file — left as
   * it is —), in words for the user.
   */
  async open(id: string): Promise<OpenedConversation> {
    const own = this.get(id);
    if (own) return { transcript: await this.withNewerNotice(own) };
    if (this.deleted.has(id) || !this.conversationsDir || !ID.test(id)) return { problem: "This conversation is not in the history any more." };
    const file = join(this.conversationsDir, `${id}.json`);
    let text: string;
    try {
      text = await readConversation(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") return { problem: `This conversation could not be read (${reason(error)}). Its file is left as it is: ${file}` };
      this.refresh().catch(() => undefined);
      const tombstone = await stat(join(this.conversationsDir, `${id}.deleted`)).then(() => true, () => false);
      return { problem: tombstone ? "This conversation was deleted in another Hearth window." : "This conversation is not in Hearth's storage any more (deleted in another Hearth window, or by hand)." };
    }
    let read: { messages: ChatMessage[]; version: number };
    try {
      read = parseConversation(text);
    } catch (error) {
      return { problem: `This conversation could not be read (${reason(error)}). Its file is left as it is: ${file}` };
    }
    const info = await stat(file).catch(() => undefined);
    const first = read.messages.find((m) => m.role === "user");
    const transcript = transcriptFromMessages(id, titleFrom(first?.content ?? ""), read.messages, savedAtOf(text) ?? info?.mtimeMs ?? Date.now());
    if (read.version > FORMAT) transcript.items.push(newerNotice(id, read.version));
    return { transcript };
  }

  /**
   * This window's transcript, with newerNotice where a newer Hearth saved the conversation since
   * (a window not reloaded since the update beside one that was): it opens saying what one this
   * window has no transcript of says. The start of the file only: the runtime writes its format first.
   */
  private async withNewerNotice(transcript: Transcript): Promise<Transcript> {
    const { id } = transcript;
    if (!this.conversationsDir || !ID.test(id) || transcript.items.some((item) => item.id === newerNotice(id, 0).id)) return transcript;
    const start = await readStart(join(this.conversationsDir, `${id}.json`), 64).catch(() => "");
    const version = Number(/^\s*\{\s*"version"\s*:\s*(\d+)/.exec(start)?.[1] ?? FORMAT);
    return version > FORMAT ? { ...transcript, items: [...transcript.items, newerNotice(id, version)] } : transcript;
  }

  /**
   * Reads the folder's conversations again (the start of each file whose size or mtime
   * changed) and the deletes of other windows; says so (`onListChanged`) when the list
   * changed. One read at a time: a call during one is answered by the next.
   */
  refresh(): Promise<void> {
    if (!this.conversationsDir) return Promise.resolve();
    if (this.refreshing) {
      // After the read in progress, whether it worked or not: a failed one must not swallow this one (or every later one).
      const next = (): Promise<void> => {
        this.queued = undefined;
        return this.refresh();
      };
      this.queued ??= this.refreshing.then(next, next);
      return this.queued;
    }
    this.refreshing = this.readFolder(this.conversationsDir).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async readFolder(dir: string): Promise<void> {
    const before = JSON.stringify(this.listed());
    const names = await readdir(dir).catch(() => [] as string[]); // no conversation stored yet
    // `<id>.json` only: a version set aside (`<id>.other-window-<time>.json`, `<id>.unreadable-<time>.json`) is no conversation.
    const files = new Set(names.filter((name) => /^[\w-]+\.json$/.test(name)).map((name) => name.slice(0, -".json".length)));
    const ids = [...files].filter((id) => !this.deleted.has(id));
    for (let i = 0; i < ids.length; i += READ_AT_ONCE) await Promise.all(ids.slice(i, i + READ_AT_ONCE).map((id) => this.readHeader(dir, id)));
    for (const id of this.headers.keys()) if (!files.has(id)) this.headers.delete(id);
    // A conversation continued after another window deleted it has its file again, or will
    // once its turn is saved (being saved here: `dirty`): it stays. A file older than the
    // mark is the deleted one's, left by a runtime that was not running to remove it.
    const marks = names.filter((name) => /^[\w-]+\.deleted$/.test(name)).map((name) => name.slice(0, -".deleted".length));
    const saved = await Promise.all(marks.map((id) => files.has(id) && savedSinceMark(dir, id)));
    const marked = marks.filter((_, i) => !saved[i]);
    // Its file back, it is a conversation as any other: a later delete elsewhere (a newer mark) drops it.
    for (const id of this.continued) if (files.has(id) && !marked.includes(id)) this.continued.delete(id);
    for (const id of marked) if (this.dirty.has(id)) this.continued.add(id);
    this.deletedElsewhere = new Set(marked.filter((id) => !this.continued.has(id)));
    for (const id of this.deletedElsewhere) if (this.get(id)) await this.forget(id);
    if (JSON.stringify(this.listed()) !== before) this.onListChanged();
    // After this window dropped them: it never keeps one whose mark it removes.
    if (this.now() - this.swept >= SWEEP_EVERY_MS) await this.sweepMarks(dir, marked.filter((id) => !files.has(id)));
  }

  /**
   * Removes the delete marks older than MARK_KEPT_MS of conversations whose file is gone
   * (`marked`): they would pile up in the folder for good. A mark beside a file (the
   * conversation went on after the delete, or the runtime has not removed it yet) stays.
   */
  private async sweepMarks(dir: string, marked: readonly string[]): Promise<void> {
    this.swept = this.now();
    const old = async (id: string) => {
      const file = join(dir, `${id}.deleted`);
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile() && this.swept - info.mtimeMs > MARK_KEPT_MS) await rm(file, { force: true }).catch(() => undefined);
    };
    for (let i = 0; i < marked.length; i += READ_AT_ONCE) await Promise.all(marked.slice(i, i + READ_AT_ONCE).map(old));
  }

  /** The title of a conversation file from its start; read again only when its size or mtime changed. */
  private async readHeader(dir: string, id: string): Promise<void> {
    const file = join(dir, `${id}.json`);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return void this.headers.delete(id); // gone meanwhile, or no file to read
    const stamp = `${info.size}:${info.mtimeMs}`;
    if (this.headers.get(id)?.stamp === stamp) return;
    const read = await readFirstMessage(file, info.size).catch(() => null);
    if (read === null) return;
    const { text, savedAt } = read;
    // A damaged file is listed too: opening it says what is wrong with it.
    const title = text === undefined ? undefined : text === DAMAGED ? `Unreadable conversation (${id}.json)` : titleFrom(text);
    this.headers.set(id, { stamp, ...(title ? { summary: { id, title, updatedAt: savedAt ?? info.mtimeMs } } : {}) });
  }

  /** This window's history and the folder's conversations read so far, newest first. */
  private listed(): ConversationSummary[] {
    const index = this.index().filter((s) => !this.deletedElsewhere.has(s.id));
    const known = new Set(index.map((s) => s.id));
    const others = [...this.headers].flatMap(([id, header]) => (header.summary && !known.has(id) && !this.deleted.has(id) && !this.deletedElsewhere.has(id) ? [header.summary] : []));
    return others.length ? [...index, ...others].sort((a, b) => b.updatedAt - a.updatedAt) : index;
  }

  /** This window's own history list. */
  private index(): ConversationSummary[] {
    return this.memento.get<ConversationSummary[]>(INDEX_KEY, []);
  }

  /**
   * Schedules a write of `transcript` (and its place at the top of the history). `streamed`:
   * only a reply's text (or thinking) grew, written within STREAM_WRITE_DELAY_MS; the run's
   * end flushes it.
   */
  save(transcript: Transcript, streamed = false): void {
    if (transcript.items.length === 0) return; // an empty "New chat" is not history
    // Deleted here: a run of it that was stopped for the delete still saves as it ends.
    if (this.deleted.has(transcript.id)) return;
    if (this.deletedElsewhere.delete(transcript.id)) this.continued.add(transcript.id); // going on with it here
    this.dirty.set(transcript.id, transcript);
    this.retrying.delete(transcript.id); // saved again: a refusal now is news
    if (this.timer !== undefined && (streamed || !this.timerStreamed)) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timerStreamed = streamed;
    this.timer = this.timers.setTimeout(() => void this.flush(), streamed ? STREAM_WRITE_DELAY_MS : WRITE_DELAY_MS);
  }

  async flush(): Promise<void> {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty.size === 0) return;
    const pending = [...this.dirty.values()];
    this.dirty.clear();
    // Each written whatever became of the others: one VS Code's state refuses is told once the rest are kept.
    const failed = new Map<string, unknown>();
    for (const t of pending) await Promise.resolve(this.memento.update(KEY_PREFIX + t.id, t)).catch((error: unknown) => failed.set(t.id, error));
    // Written again at the next flush (a turn's end, the next save's timer): a conversation that does not change again would be lost at reload.
    // A refusal already thrown is not thrown again: a conversation refused for good (over the state's size limit) would fail the flush of every other one's turn.
    const news = [...failed].find(([id]) => !this.retrying.has(id));
    for (const t of pending) this.retrying.delete(t.id);
    for (const t of pending) {
      if (!failed.has(t.id) || this.dirty.has(t.id) || this.deleted.has(t.id)) continue;
      this.dirty.set(t.id, t);
      this.retrying.add(t.id);
    }
    // The history as it is now, read after those writes: a conversation deleted meanwhile
    // (from the history list while this one streams) stays out of it. No await from here
    // to the index's update: Memento.update changes what get returns at once.
    let index = this.index();
    for (const t of pending) {
      if (failed.has(t.id) || this.memento.get(KEY_PREFIX + t.id) === undefined) continue; // not written, or deleted meanwhile
      index = [{ id: t.id, title: t.title, updatedAt: t.updatedAt }, ...index.filter((s) => s.id !== t.id)];
    }
    index.sort((a, b) => b.updatedAt - a.updatedAt);
    const dropped = index.slice(MAX_CONVERSATIONS);
    const kept = this.memento.update(INDEX_KEY, index.slice(0, MAX_CONVERSATIONS));
    for (const old of dropped) await this.memento.update(KEY_PREFIX + old.id, undefined);
    await kept;
    if (this.conversationsDir) {
      // Only their cards leave this window's state (each write of it serializes all it holds): the
      // conversations stay in the folder's storage, listed from there and opened as their messages,
      // until the user deletes them. They used to be removed with their files, without a word.
      if (dropped.length) this.refresh().catch(() => undefined);
    } else if (dropped.length) {
      // No storage folder (a window with no folder open): this state is all there is of them.
      this.onDropped(dropped.map((old) => old.id));
    }
    if (news) throw news[1];
  }

  /**
   * Deletes the conversation here, leaves word for the other windows on the folder
   * (`<id>.deleted`) and removes its file. The runtime removes that file too (its forget,
   * after any save of it under way), but a runtime starting or restarting refuses the
   * forget at once: the file, hidden by the mark, would stay in the storage for good.
   */
  async delete(id: string): Promise<void> {
    this.deleted.add(id);
    this.headers.delete(id);
    await this.forget(id);
    if (!this.conversationsDir || !ID.test(id)) return;
    const dir = this.conversationsDir;
    const file = join(dir, `${id}.json`);
    // The mark names the file it deletes: one that could not be removed stays deleted, any saved since is a continued conversation.
    const deleting = await stat(file, { bigint: true }).catch(() => undefined);
    const mark: Mark = { file: deleting?.isFile() ? versionOf(deleting) : null };
    // Best effort: without it the other windows list the conversation until their runtime's file is gone, as before.
    // This user's alone, as the runtime's ConversationStore makes the folder (PRIVATE_FOLDER): this may make it first.
    await mkdir(dir, { recursive: true, mode: PRIVATE_FOLDER }).then(() => writeFile(join(dir, `${id}.deleted`), JSON.stringify(mark), { mode: PRIVATE_FILE })).catch(() => undefined);
    // After the mark: a window reading the folder between the two sees a delete, not a conversation gone by hand.
    await rm(file, { force: true }).catch(() => undefined);
  }

  /** Takes the conversation out of this window's history. */
  private async forget(id: string): Promise<void> {
    this.dirty.delete(id);
    await this.memento.update(KEY_PREFIX + id, undefined);
    await this.memento.update(INDEX_KEY, this.index().filter((s) => s.id !== id));
  }
}

/**
 * What a delete mark (`<id>.deleted`) says: the version of the conversation's file the delete
 * removed (inode, size and mtime: a save is a rename, so every save is a new one), or null
 * when it had none. Not the mark's time against the file's: a clock set back, another
 * machine's, or a copy that kept its time would take a conversation saved since for the
 * deleted one. A mark of an earlier Hearth is empty.
 */
interface Mark {
  readonly file: string | null;
}

/** A mark is a few dozen bytes; a bigger file there is not one this Hearth wrote (read as an earlier Hearth's). */
const MARK_BYTES = 1024n;

function versionOf(info: BigIntStats): string {
  return `${info.ino}:${info.size}:${info.mtimeNs}`;
}

/**
 * Whether a conversation's file beside its delete mark is the one deleted (left by a runtime
 * that could not remove it); else it was saved since: the conversation went on after the
 * delete. A mark of an earlier Hearth (no version) counts while the file is older than it.
 */
function isDeletedFile(markText: string, mark: BigIntStats, file: BigIntStats): boolean {
  let said: unknown;
  try {
    said = JSON.parse(markText);
  } catch {
    return file.mtimeNs < mark.mtimeNs;
  }
  const version = (said as Partial<Mark> | null)?.file;
  if (version === null || typeof version === "string") return version === versionOf(file);
  return file.mtimeNs < mark.mtimeNs;
}

/** Whether the conversation has a delete mark and no file saved since (`savedSinceMark`, synchronously). */
function deletedSince(dir: string, id: string): boolean {
  const markFile = join(dir, `${id}.deleted`);
  const mark = statSync(markFile, { bigint: true, throwIfNoEntry: false });
  if (!mark) return false;
  const file = statSync(join(dir, `${id}.json`), { bigint: true, throwIfNoEntry: false });
  if (!file) return true;
  let text = "";
  try {
    if (mark.size <= MARK_BYTES) text = readFileSync(markFile, "utf8");
  } catch {
    return false; // removed meanwhile
  }
  return isDeletedFile(text, mark, file);
}

/** Whether the conversation's file was saved after its delete mark was left (it went on after the delete). */
async function savedSinceMark(dir: string, id: string): Promise<boolean> {
  const markFile = join(dir, `${id}.deleted`);
  const [file, mark] = await Promise.all([stat(join(dir, `${id}.json`), { bigint: true }), stat(markFile, { bigint: true })].map((p) => p.catch(() => undefined)));
  if (!file) return false;
  if (!mark) return true;
  const text = mark.size <= MARK_BYTES ? await readFile(markFile, "utf8").catch(() => undefined) : "";
  return text === undefined || !isDeletedFile(text, mark, file);
}

/** Up to `bytes` from the start of a file, as text (a character cut at the end reads as U+FFFD). */
async function readStart(file: string, bytes: number): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/**
 * The first user message of a conversation file of `size` bytes (`firstMessage`), from its
 * start: FIRST_READ_BYTES, then the next bytes in growing reads up to HEADER_BYTES while what
 * was read holds neither that message whole nor its first line (its title).
 */
async function readFirstMessage(file: string, size: number): Promise<{ text: string | typeof DAMAGED | undefined; savedAt?: number }> {
  const handle = await open(file, "r");
  try {
    let start = Buffer.alloc(0);
    for (let want = FIRST_READ_BYTES; ; want = Math.min(want * 4, HEADER_BYTES)) {
      const more = Buffer.alloc(want - start.length);
      const { bytesRead } = await handle.read(more, 0, more.length, start.length);
      start = Buffer.concat([start, more.subarray(0, bytesRead)]);
      const whole = bytesRead < more.length || start.length >= size;
      const text = start.toString("utf8");
      const found = firstMessage(text, whole);
      const savedAt = savedAtOf(text);
      if (whole || start.length >= HEADER_BYTES || titled(text, found)) return { text: found, ...(savedAt === undefined ? {} : { savedAt }) };
    }
  } finally {
    await handle.close();
  }
}

/**
 * When the runtime saved a conversation file, as the file says it (conversation-store.ts writes
 * `savedAt` after its format, before the messages), from its start; undefined where it does not
 * (an earlier Hearth's file, whose mtime is all there is). Only there: an earlier Hearth saving a
 * turn of it keeps the field, after the messages, no longer its time.
 */
function savedAtOf(start: string): number | undefined {
  const found = /^\{"version":\d+,"savedAt":(\d{1,15}),/.exec(start);
  return found ? Number(found[1]) : undefined;
}

/** Whether the start of a file (`start`, not all of it) holds the title of its first message `found`: the message whole, or its first line. */
function titled(start: string, found: string | typeof DAMAGED | undefined): boolean {
  if (typeof found !== "string") return false; // not reached yet (a long system prompt), or cut where it cannot be read
  const line = found.trimStart();
  return line.includes("\n") || line.length >= TITLE_LINE_CHARS || /\{"role":"user","content":"(?:[^"\\]|\\.)*"/.test(start);
}

/** A conversation file's text: a regular file of at most MAX_FILE_BYTES. */
async function readConversation(file: string): Promise<string> {
  const info = await stat(file);
  if (!info.isFile()) throw new Error("not a regular file");
  if (info.size > MAX_FILE_BYTES) throw new Error(`${info.size} bytes, more than any conversation holds`);
  const handle = await open(file, "r");
  try {
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** What the chat says under a conversation a newer Hearth saved (format `version`), which this version shows but does not continue. */
function newerNotice(id: string, version: number): TranscriptItem {
  return {
    kind: "notice",
    id: `notice-newer-${id}`,
    level: "warning",
    text: `A newer version of Hearth saved this conversation (format ${version}): this version shows its messages but cannot continue it, and leaves its file as it is. Update Hearth to continue it, or start a New Chat.`,
  };
}

/** Stands for a start of a file in which no first message can be found: damage. */
const DAMAGED = Symbol("damaged");

/**
 * The first user message's text from the start of a conversation file (`whole`: all of it):
 * undefined when it has none yet, DAMAGED when none can be found in what is not JSON. The
 * runtime writes `{"role":"user","content":"…"` in that order (JSON.stringify keeps it).
 */
function firstMessage(start: string, whole: boolean): string | typeof DAMAGED | undefined {
  if (whole) {
    try {
      const data = JSON.parse(start) as { messages?: unknown };
      const first = Array.isArray(data.messages) ? (data.messages as { role?: unknown; content?: unknown }[]).find((m) => m?.role === "user") : undefined;
      return typeof first?.content === "string" ? first.content : undefined;
    } catch {
      // damaged: what can be found of its first message titles it
    }
  }
  const found = /\{"role":"user","content":"((?:[^"\\]|\\.)*)/.exec(start);
  if (!found) return DAMAGED;
  // Cut within an escape at the end of what was read: without it.
  for (const text of [found[1]!, found[1]!.replace(/\\(u[0-9a-fA-F]{0,3})?$/, "")]) {
    try {
      return JSON.parse(`"${text}"`) as string;
    } catch {
      // the next, shorter
    }
  }
  return DAMAGED;
}

/** A stored conversation's messages without the system prompt, as the transcript shows them; throws naming what is wrong. */
function parseConversation(text: string): { messages: ChatMessage[]; version: number } {
  const data = JSON.parse(text) as { version?: unknown; messages?: unknown } | null;
  const version = data && typeof data === "object" && typeof data.version === "number" ? data.version : FORMAT;
  try {
    if (!data || typeof data !== "object" || !Array.isArray(data.messages)) throw new Error("it holds no list of messages");
    const messages = (data.messages as unknown[]).map((m, i) => shownMessage(m, i + 1)).filter((m) => m.role !== "system");
    return { messages, version };
  } catch (error) {
    // Not damage: what a later format added, or a kind of message a newer Hearth added to this one (the runtime refuses it so too).
    if (version > FORMAT) throw new Error(`it was saved by a newer version of Hearth (format ${version}), which this version cannot show: ${reason(error)}`);
    const newKind = data && Array.isArray(data.messages) && (data.messages as unknown[]).find((m): m is { role: string } => {
      const role = (m as { role?: unknown } | null)?.role;
      return typeof role === "string" && !ROLES.has(role) && ROLE_WORD.test(role);
    });
    if (newKind) throw new Error(`it was saved by a newer version of Hearth (format ${FORMAT} with a kind of message this version does not know: role ${JSON.stringify(newKind.role)}), which this version cannot show: ${reason(error)}`);
    throw error;
  }
}

/** The roles this version shows; another short word is a kind of message a newer Hearth added (conversation-store.ts reads them so). */
const ROLES: ReadonlySet<unknown> = new Set(["system", "user", "assistant", "tool"]);
const ROLE_WORD = /^[A-Za-z][\w-]{0,31}$/;

/** A message as the transcript shows it: its role and text, calls with their id, name and arguments; anything else is damage. */
function shownMessage(value: unknown, n: number): ChatMessage {
  const m = value as Record<string, unknown> | null;
  if (!m || typeof m !== "object" || typeof m.content !== "string") throw new Error(`message ${n} has no text`);
  const dropped = m.dropped === true ? { dropped: true as const } : {};
  switch (m.role) {
    case "system":
      return { role: "system", content: m.content };
    case "user":
      return { role: "user", content: m.content, ...dropped };
    case "assistant": {
      const calls = m.toolCalls === undefined ? [] : m.toolCalls;
      const wellFormed = Array.isArray(calls) && calls.every((c: Record<string, unknown> | null) => c && typeof c.id === "string" && typeof c.name === "string" && c.arguments && typeof c.arguments === "object");
      if (!wellFormed) throw new Error(`message ${n} has a tool call without its id, name or arguments`);
      return { role: "assistant", content: m.content, ...(typeof m.thinking === "string" ? { thinking: m.thinking } : {}), ...(calls.length ? { toolCalls: calls } : {}), ...dropped };
    }
    case "tool":
      if (typeof m.toolCallId !== "string" || typeof m.name !== "string") throw new Error(`message ${n} is a tool result without its call`);
      return { role: "tool", toolCallId: m.toolCallId, name: m.name, content: m.content, ...dropped };
    default:
      throw new Error(`message ${n} has an unknown role`);
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A transcript as this version shows it, from what an earlier Hearth saved:
 * - its model's finish summary, a plain info notice before 034cc198, which the view would show
 *   as Hearth's own word (a summary a prompt injection wrote, 'All edits were approved and tests
 *   pass', included): the first notice after a finish call that repeats its summary, before the
 *   next user message, is marked the model's;
 * - a call Stop ended (its result 'Error (cancelled) …'), a failed card before af0c118d: cancelled;
 * - a result hiding text (tag characters, bidi controls), which no card said before 5dae38e2:
 *   what its preview hides, as a card says now;
 * - a finished write's whole body (write_file's content), kept before: its start and size
 *   (`keptArguments`), as a card keeps them now.
 * Anything else is left as it was.
 */
export function upgradedTranscript(transcript: Transcript): Transcript {
  let summary: string | undefined;
  let changed = false;
  const items = transcript.items.map((item): TranscriptItem => {
    if (item.kind === "user") summary = undefined;
    else if (item.kind === "tool") {
      if (item.name === "finish") summary = typeof item.arguments.summary === "string" ? item.arguments.summary : undefined;
      const now = upgradedCard(item);
      changed ||= now !== item;
      return now;
    } else if (item.kind === "notice" && summary !== undefined && item.level === "info" && item.from === undefined && item.text === summary) {
      summary = undefined;
      changed = true;
      return { ...item, from: "model" };
    }
    return item;
  });
  return changed ? { ...transcript, items } : transcript;
}

type ToolCard = Extract<TranscriptItem, { kind: "tool" }>;

function upgradedCard(card: ToolCard): ToolCard {
  const cancelled = card.status === "failed" && card.preview !== undefined && failedStatus(card.preview) === "cancelled";
  const hidden = card.hidden || !card.preview ? undefined : findHiddenText(card.preview);
  const kept = keptArguments(card);
  // A long diff an earlier Hearth kept whole: its start, as a card keeps it now.
  const diff = card.diff !== undefined && card.diffLeftOut === undefined && card.diff.length > KEPT_DIFF_CHARS ? keptDiff(card.diff) : undefined;
  if (!cancelled && !hidden && !diff && kept === card.arguments) return card;
  return { ...card, arguments: kept, ...(cancelled ? { status: "cancelled" as const } : {}), ...(hidden ? { hidden } : {}), ...diff };
}
