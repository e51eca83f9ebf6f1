/**
 * The model's side of each chat conversation — system prompt and messages — kept in memory
 * and persisted as one JSON file per conversation in the runtime's storage, so a
 * conversation continues after the runtime (or VS Code) restarts. The UI keeps its own
 * record (src/protocol/transcript.ts); this is what the model sees.
 *
 * Besides get/create/save/forget it holds the three changes a conversation goes through:
 * a finished turn (`record`), a rewind to a checkpoint (`rewind`) and an import (`import`).
 *
 * Two VS Code windows on one folder run two runtimes on one storage folder, so a file may
 * change under a store. Each store remembers which version of each file its copy comes from
 * (inode, size and mtime: a save is a rename, so every save is a new inode): a copy whose
 * file another process saved since is read again before it is used, and a save over a
 * version this store never read (the other window finished a turn of the same conversation
 * meanwhile) keeps that version beside it (`<id>.other-window-<time>.json`) and says so — but
 * a version a newer Hearth saved (a window not reloaded since the update runs this one beside
 * it) stays in place, and this store's turn is kept beside it (`<id>.older-hearth-<time>.json`).
 * What a store says is for the user of that conversation: the runtime shows it in the run's chat.
 */
import { randomBytes } from "node:crypto";
import { type BigIntStats, constants } from "node:fs";
import { lstat, mkdir, open, readdir, readlink, rename, rm, stat, statfs } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ChatMessage } from "../protocol/chat.ts";
import { diskFullProblem } from "../protocol/disk-full.ts";
import { titleFrom } from "../protocol/transcript.ts";
import { PRIVATE_FILE, PRIVATE_FOLDER, makeFolders } from "../protocol/make-folders.ts";
import { formatSize } from "../protocol/units.ts";
import { writeNew } from "../tools/disk-workspace.ts";
import { ConversationImportError, type ImportedConversation, checkMessages, importConversation } from "./handoff.ts";

export interface Conversation {
  readonly id: string;
  /** Messages, system prompt first (fixed for the conversation: a stable prefix for the KV cache). */
  messages: ChatMessage[];
}

/**
 * Told when a stored conversation cannot be read (it then starts afresh), another window
 * changed it, or a turn cannot be saved. `message` is written for the user of conversation
 * `id` (the runtime shows it in that conversation's chat, and logs it).
 */
export type ConversationWarning = (message: string, error: unknown, id: string) => void;

const ID = /^[A-Za-z0-9_-]{1,80}$/;
/** Far above any conversation a context holds (262,144 tokens is about 1 MiB of text): a bigger file is damage. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * Conversations kept in memory when there is a storage folder: the least recently used of
 * the saved ones beyond this are read from disk again when needed. Each can hold a whole
 * context (a megabyte of text and more), and a long-lived runtime opens many.
 */
const MAX_OPEN = 16;

export class ConversationStore {
  /** In memory, least recently used first. */
  private readonly open = new Map<string, Conversation>();
  /** The save in progress per conversation: saves of one conversation land in the order they were asked. */
  private readonly saving = new Map<string, Promise<void>>();
  /** Conversations whose latest state is not on disk (not saved yet, or the save failed): never evicted. */
  private readonly unsaved = new Set<string>();
  /** The version of each conversation's file this store's copy comes from (ABSENT: there was none). */
  private readonly versions = new Map<string, string>();
  /**
   * What each conversation's file holds that this version does not know (a newer Hearth's fields), as last read: its saves keep it.
   * Let go with the conversation (it holds each such message as read: a whole conversation where a newer Hearth marks every one).
   */
  private readonly unknown = new Map<string, UnknownParts>();
  /** Conversations let go from memory whose file held such fields: a save reads them from the file again. */
  private readonly unknownLetGo = new Set<string>();
  /** Whether this store removed the temporary files saves cut short left in its folder (once, at its first save). */
  private swept = false;
  /** The conversations told that the storage folder cannot be written (a read-only disk, no permission): told once, not at every turn. */
  private readonly toldUnwritable = new Set<string>();

  /** `dir` undefined: memory only (a client that gave no storage folder). */
  constructor(
    private readonly dir: string | undefined,
    private readonly warn: ConversationWarning = () => undefined,
    /** The clock a save's `savedAt` is read from. */
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The conversation, loaded from disk if needed; undefined when it does not exist yet. A
   * file that cannot be read or holds what the model could not read is renamed aside
   * (`<id>.unreadable-<time>.json`, reported) and the conversation starts afresh: the next
   * save never writes over it. A file a newer Hearth saved stays where it is, for that version
   * to go on with (set aside, no version would list or read it again), and
   * NewerConversationError says so: this version neither continues, exports nor rewinds it.
   */
  async get(id: string): Promise<Conversation | undefined> {
    checkId(id);
    const cached = this.open.get(id);
    if (cached && !(await this.savedElsewhere(id))) return this.keep(cached);
    if (!this.dir) return undefined;
    try {
      const read = await readConversationFile(this.file(id));
      if (read === undefined) {
        if (cached) return this.keep(cached); // deleted in another window: this one still shows it
        this.versions.set(id, ABSENT);
        return undefined;
      }
      const { messages, unknown } = parseFile(read.text);
      // Another caller may have loaded or created it while this one read the file.
      const current = this.open.get(id);
      if (current && current !== cached) return this.keep(current);
      this.versions.set(id, read.version);
      this.unknownLetGo.delete(id);
      if (unknown) this.unknown.set(id, unknown);
      else this.unknown.delete(id);
      const replaced = cached !== undefined && !startsWith(messages, cached.messages);
      const conversation = this.keep({ id, messages });
      if (replaced) this.warn(await this.continuedElsewhere(id), undefined, id);
      return conversation;
    } catch (error) {
      if (error instanceof NewerFormatError) throw new NewerConversationError(error.version, error.what);
      const aside = join(this.dir, `${id}.unreadable-${Date.now()}.json`);
      const kept = await rename(this.file(id), aside).then(() => `is kept as ${aside}`, () => `${this.file(id)} could not be moved aside`);
      this.warn(`The model's side of this conversation could not be read: the model starts afresh and does not see the messages above (the file ${kept}).`, error, id);
      return undefined;
    }
  }

  create(id: string, systemPrompt: string): Conversation {
    checkId(id);
    const conversation: Conversation = { id, messages: [{ role: "system", content: systemPrompt }] };
    this.unsaved.add(id);
    return this.keep(conversation);
  }

  /**
   * Writes the conversation (atomically, flushed before the rename: a crash or a power cut leaves the old file or the new one). Each
   * save has a temporary file of its own, created new (never through a link left there),
   * and saves of one conversation run one after the other.
   */
  async save(conversation: Conversation): Promise<void> {
    if (!this.dir) return;
    const dir = this.dir;
    const { id } = conversation;
    // Taken now, not when the saves before it are done: the conversation may change meanwhile.
    const text = fileText(conversation.messages, this.unknown.get(id), this.now());
    const write = async () => {
      if (text instanceof Error) throw text;
      await makeFolder(dir);
      if (!this.swept) {
        this.swept = true;
        await removeLeftTemporaryFiles(dir);
      }
      const tmp = `${this.file(id)}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        // 0600 from its open, not by a chmod after (readable by others for that moment); a file system that keeps no modes (FAT, some SMB shares) ignores it.
        await writeNew(tmp, text, PRIVATE_FILE);
        const version = versionOf(await stat(tmp, { bigint: true })); // a rename keeps inode, size and mtime
        if (await this.keptBesideNewer(id, tmp)) return;
        await this.keepOtherWindows(id);
        await rename(tmp, this.file(id));
        await syncFolder(dir);
        this.versions.set(id, version);
      } catch (error) {
        await rm(tmp, { force: true });
        throw (await fullDiskError(error, dir, Buffer.byteLength(text))) ?? error;
      }
    };
    const done = (this.saving.get(id) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.saving.set(id, done);
    try {
      await done;
      if (this.open.get(id) === conversation) this.unsaved.delete(id);
    } catch (error) {
      this.unsaved.add(id);
      throw error;
    } finally {
      if (this.saving.get(id) === done) this.saving.delete(id);
      this.evict();
    }
  }

  /**
   * Keeps what a finished turn left (`messages`, system prompt first): a turn that never
   * started (no messages) keeps nothing. A failed save is reported, not thrown: the turn's
   * answer still reaches the user and the conversation stays in memory.
   */
  async record(id: string, messages: readonly ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const first = messages[0];
    // Not read again: the turn ran on the version it started from, and the save compares with that.
    const known = this.open.get(id) ?? (this.versions.has(id) ? undefined : await this.get(id));
    if (!known && this.unknownLetGo.has(id)) await this.unknownAgain(id);
    const conversation = known ?? this.create(id, first?.role === "system" ? first.content : "");
    conversation.messages = [...messages];
    await this.save(conversation).then(
      () => this.toldUnwritable.clear(), // the folder can be written again: a later failure is told anew
      (error: unknown) => this.saveFailed(id, error),
    );
  }

  /**
   * A turn that could not be saved, told. Where the storage folder cannot be written at all (a
   * read-only disk, no permission) every later turn fails alike: the first conversation is told
   * so in full, any other once, and no turn after that (said at every turn, it buried the chat).
   */
  private saveFailed(id: string, error: unknown): void {
    const words = error instanceof Error ? error.message : String(error);
    if (!unwritable(error)) return this.warn(`This turn could not be saved (${words}): a restart of Hearth loses it.`, error, id);
    if (this.toldUnwritable.has(id)) return;
    const first = this.toldUnwritable.size === 0;
    this.toldUnwritable.add(id);
    this.warn(
      first
        ? `Conversations are not being saved: ${this.dir} cannot be written (${words}). This window keeps them in memory only and a restart of Hearth loses them; this is not said again at each turn. Make that folder writable and the next turn saves the whole conversation.`
        : `This conversation is not being saved either: ${this.dir} cannot be written (${words}); a restart of Hearth loses it.`,
      error,
      id,
    );
  }

  /**
   * Back to the first `messageIndex` messages (a checkpoint restore that rewinds the
   * conversation too). An index outside 1…length, or an unknown conversation, changes
   * nothing; an index inside a turn (see `canRewind`) throws a RangeError. Messages a full
   * context had dropped from the model's prompt are in it again (the chat shows them, and
   * the drop's notice went with the rewind): the next run drops what it must anew.
   */
  async rewind(id: string, messageIndex: number): Promise<void> {
    const conversation = await this.get(id);
    if (!conversation || !Number.isInteger(messageIndex) || !(messageIndex >= 1 && messageIndex <= conversation.messages.length)) return;
    if (!(await this.canRewind(id, messageIndex))) throw new RangeError(`message ${messageIndex} of conversation ${id} is inside a turn (not a message the user sent): the conversation changed since`);
    const cut = messageIndex < conversation.messages.length;
    conversation.messages.length = messageIndex;
    // A message sent after the rewind takes the place of one cut: none of that one's fields go with it, even with the same words.
    const unknown = this.unknown.get(id);
    if (unknown) this.unknown.set(id, { ...unknown, messages: unknown.messages.slice(0, messageIndex) });
    if (cut) conversation.messages = conversation.messages.map(undropped);
    await this.save(conversation);
  }

  /**
   * False when rewinding to `messageIndex` would cut a turn apart: the message there is not
   * one the user sent (a stale index would leave a tool call without its result, or keep
   * half of what the model did). Rewinds are to before a user message or to the end.
   */
  async canRewind(id: string, messageIndex: number): Promise<boolean> {
    const messages = (await this.get(id))?.messages;
    if (!messages || !Number.isInteger(messageIndex) || messageIndex < 1 || messageIndex >= messages.length) return true;
    return messages[messageIndex]!.role === "user";
  }

  /**
   * Starts `id` from imported messages, with an empty system prompt: the first message sent
   * here builds this workspace's own.
   */
  async import(id: string, messages: readonly ChatMessage[]): Promise<void> {
    const conversation = this.create(id, "");
    this.unknown.delete(id);
    this.unknownLetGo.delete(id);
    conversation.messages = [...conversation.messages, ...messages]; // not push(...messages): a long list overflows the stack
    await this.save(conversation);
  }

  /** Drops the conversation, after any save of it under way (which would put the file back). */
  async forget(id: string): Promise<void> {
    checkId(id);
    this.open.delete(id);
    this.unsaved.delete(id);
    await this.saving.get(id)?.catch(() => undefined);
    this.versions.delete(id);
    this.unknown.delete(id);
    this.unknownLetGo.delete(id);
    if (this.dir) await rm(this.file(id), { force: true });
  }

  /**
   * A newer Hearth's fields of a conversation let go from memory, from its file as it is now: the
   * version this store read, or the one another window saved since (which the save then moves
   * aside) — a version that went on from it and kept them on the messages this turn shares with
   * it (`withUnknown` gives each back only to the message it came with). Taken only while that
   * version was read, they were lost from the file the newer Hearth reads.
   */
  private async unknownAgain(id: string): Promise<void> {
    this.unknownLetGo.delete(id);
    const read = await readConversationFile(this.file(id)).catch(() => undefined);
    if (read === undefined) return;
    let unknown: UnknownParts | undefined;
    try {
      unknown = parseFile(read.text).unknown;
    } catch {
      return; // damaged, or a newer format (kept beside by the save)
    }
    if (unknown) this.unknown.set(id, unknown);
  }

  /** Whether another process saved the conversation since this store's copy was read or saved. */
  private async savedElsewhere(id: string): Promise<boolean> {
    if (!this.dir || this.unsaved.has(id) || this.saving.has(id)) return false;
    const now = await stat(this.file(id), { bigint: true }).then(versionOf, () => ABSENT);
    return now !== ABSENT && now !== this.versions.get(id);
  }

  /**
   * Before a save: where a newer Hearth (another window, not reloaded since the update) saved
   * the conversation in its later format since this store's copy, this window's turn (`tmp`)
   * is renamed beside it (`<id>.older-hearth-<time>.json`) and reported, and the newer file
   * stays where that version goes on with it: the next `get` here refuses it. True when so.
   */
  private async keptBesideNewer(id: string, tmp: string): Promise<boolean> {
    const now = await stat(this.file(id), { bigint: true }).then(versionOf, () => ABSENT);
    if (now === ABSENT || now === (this.versions.get(id) ?? ABSENT)) return false;
    let format: string;
    try {
      const read = await readConversationFile(this.file(id));
      if (read) parseMessages(read.text);
      return false; // another window of this version, or damage: keepOtherWindows
    } catch (error) {
      if (!(error instanceof NewerFormatError)) return false;
      format = error.what;
    }
    const aside = join(this.dir!, `${id}.${OLDER_HEARTH}${Date.now()}.json`);
    await rename(tmp, aside);
    this.warn(`A newer version of Hearth, in another window, saved this conversation (${format}) while this turn ran: its file is left as it is, and this window's turn is kept in ${aside}${IMPORT_HINT}. Update Hearth (reload this window) to continue the conversation, or start a New Chat.`, undefined, id);
    return true;
  }

  /**
   * Before a save: a version of the file this store's copy does not come from (another
   * window saved a turn of it meanwhile) is moved aside and reported, not written over.
   */
  private async keepOtherWindows(id: string): Promise<void> {
    const now = await stat(this.file(id), { bigint: true }).then(versionOf, () => ABSENT);
    if (now === ABSENT || now === (this.versions.get(id) ?? ABSENT)) return;
    const aside = join(this.dir!, `${id}.${OTHER_WINDOW}${Date.now()}.json`);
    const kept = await rename(this.file(id), aside).then(() => `is kept in ${aside}${IMPORT_HINT}`, () => "was written over");
    this.warn(`Another Hearth window ran a turn of this conversation at the same time: this window's turn is saved and the model continues from it; the other window's version ${kept}.`, undefined, id);
  }

  /**
   * What to say when another window's version replaced this store's copy: the model goes on
   * from it, without this window's last turn — kept aside by the other window's save (the
   * newest `<id>.other-window-*.json`) when it set it aside.
   */
  private async continuedElsewhere(id: string): Promise<string> {
    const prefix = `${id}.${OTHER_WINDOW}`;
    const kept = (await readdir(this.dir!).catch(() => []))
      .filter((name) => name.startsWith(prefix) && name.endsWith(".json"))
      .sort((x, y) => Number(y.slice(prefix.length, -5)) - Number(x.slice(prefix.length, -5)))[0];
    const where = kept ? ` (this window's version is kept in ${join(this.dir!, kept)}: "Hearth: Import Conversation…" of that file continues it in a new chat)` : "";
    return `Another Hearth window changed this conversation since this window's last turn: the model continues from that window's version and does not see what this window's last turn added${where}.`;
  }

  /** Marks the conversation most recently used, then lets the oldest saved ones go. */
  private keep(conversation: Conversation): Conversation {
    this.open.delete(conversation.id);
    this.open.set(conversation.id, conversation);
    this.evict();
    return conversation;
  }

  /** Past MAX_OPEN, drops the least recently used conversations that are on disk as they are. */
  private evict(): void {
    if (!this.dir) return; // memory only: nowhere to read them back from
    for (const id of this.open.keys()) {
      if (this.open.size <= MAX_OPEN) return;
      if (this.unsaved.has(id) || this.saving.has(id)) continue;
      this.open.delete(id);
      if (this.unknown.delete(id)) this.unknownLetGo.add(id);
    }
  }

  private file(id: string): string {
    return join(this.dir!, `${id}.json`);
  }
}

/**
 * The file's text; undefined when there is none. Anything but a regular file (a FIFO would
 * block the read for good, a device never end) or one over MAX_FILE_BYTES is damage.
 */
async function readConversationFile(path: string): Promise<{ text: string; version: string } | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    // ENOTDIR: the storage folder is a file (which the save names), so nothing is stored there.
    if (["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw error;
  }
  try {
    const info = await handle.stat({ bigint: true });
    if (!info.isFile()) throw new Error("not a regular file");
    if (info.size > MAX_FILE_BYTES) throw new Error(`${info.size} bytes, more than any conversation holds`);
    return { text: await handle.readFile("utf8"), version: versionOf(info) };
  } finally {
    await handle.close();
  }
}

/** A save's temporary file (`save`): `<id>.json.<12 hex digits>.tmp`. */
const TEMPORARY = /^[A-Za-z0-9_-]{1,80}\.json\.[0-9a-f]{12}\.tmp$/;
/** Older than this, a temporary file is no save under way (one takes seconds at most, 64 MiB on a slow disk) but one a crash cut short. */
const LEFT_AFTER_MS = 60 * 60_000;

/**
 * Removes the temporary files saves cut short left (the process killed or the machine off
 * between write and rename): each can be as large as a conversation, and nothing else ever
 * removes them. Another window's save under way is left alone (a recent file). Best effort:
 * a file that cannot be listed or removed stays, and the save goes on.
 */
async function removeLeftTemporaryFiles(dir: string): Promise<void> {
  const names = (await readdir(dir).catch(() => [])).filter((name) => TEMPORARY.test(name));
  for (const name of names) {
    const path = join(dir, name);
    const info = await lstat(path).catch(() => undefined);
    if (info?.isFile() && Date.now() - info.mtimeMs > LEFT_AFTER_MS) await rm(path, { force: true }).catch(() => undefined);
  }
}

/**
 * After a rename: the folder's entry flushed too, so the new name survives a power cut. Where
 * a folder cannot be opened or flushed (Windows, some network drives) the rename stands as
 * the system keeps it: the save itself succeeded.
 */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}


/** A save the disk had no room for, in words naming that disk, its free space and the save's size (node's read "ENOSPC: no space left on device, write"); undefined for any other failure. */
async function fullDiskError(error: unknown, dir: string, needed: number): Promise<Error | undefined> {
  const free = await statfs(dir).then((disk) => disk.bavail * disk.bsize, () => undefined);
  const words = diskFullProblem(error, dir, needed, free);
  return words === undefined ? undefined : new Error(`${words}; free some space there and the next turn saves the whole conversation`, { cause: error });
}

/**
 * A failure of a folder that cannot be written at all (a read-only disk, no permission): every
 * save there fails alike. Not Windows' EACCES or EPERM, which a file held open for a moment
 * (an antivirus scan) gives as well.
 */
function unwritable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EROFS" || (code === "EACCES" && process.platform !== "win32");
}

/**
 * The storage folder, made if needed (for this user alone); a file in its place (or above it) is
 * named with what to do, not as mkdir's EEXIST, and folders to make on a read-only disk fail
 * with EROFS, not ENOENT.
 */
async function makeFolder(dir: string): Promise<void> {
  try {
    await makeFolders(dir, { mkdir: (path, options) => mkdir(path, { ...options, mode: PRIVATE_FOLDER }), lstat, dirname });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const link = code === "EEXIST" || code === "ENOTDIR" || code === "ENOENT" ? await danglingLink(dir) : undefined;
    if (link) {
      const where = link.path === dir ? "is a link" : "is inside a link";
      throw new Error(`${dir}, where Hearth keeps conversations, ${where} to ${link.target}, which does not exist (a drive or share not mounted?): mount it, or remove the link, and later turns are saved`, { cause: error });
    }
    if (code !== "EEXIST" && code !== "ENOTDIR") throw error;
    const where = code === "EEXIST" ? "is a file, not a folder" : "is inside a file, not a folder";
    throw new Error(`${dir}, where Hearth keeps conversations, ${where}: move it away and later turns are saved`, { cause: error });
  }
}

/** The nearest existing path at or above `dir`, when it is a symbolic link to nothing (a share not mounted), and where it points. */
async function danglingLink(dir: string): Promise<{ path: string; target: string } | undefined> {
  for (let path = dir; dirname(path) !== path; path = dirname(path)) {
    const info = await lstat(path).catch(() => undefined);
    if (!info) continue;
    const target = info.isSymbolicLink() && !(await stat(path).catch(() => undefined)) ? await readlink(path).catch(() => undefined) : undefined;
    return target === undefined ? undefined : { path, target };
  }
  return undefined;
}

/**
 * What `save` writes, or why it writes nothing: a conversation over MAX_FILE_BYTES would be
 * saved only for the next read to take it for damage and start the model afresh (a save that
 * fails keeps the last version, which a restart continues from).
 */
function fileText(messages: readonly ChatMessage[], unknown: UnknownParts | undefined, savedAt: number): string | Error {
  // Every later turn only adds to it: the user must hear the way out, not the same warning each turn.
  const tooLarge = (size: string): Error => new Error(`the conversation is ${size}, more than the ${formatSize(MAX_FILE_BYTES)} Hearth reads back, so its later turns will not be saved either: go on in a New Chat`);
  let text: string;
  try {
    // What a newer Hearth added goes after the messages: the history list reads a file's start for its title.
    // When it was saved, before the messages, where the history list reads it (transcript-store.ts): a file's mtime is not that once the storage folder is copied.
    text = JSON.stringify(unknown ? { version: FORMAT, savedAt, messages: messages.map((m, i) => withUnknown(m, unknown.messages[i])), ...unknown.file } : { version: FORMAT, savedAt, messages });
  } catch (error) {
    // V8's longest string is about 512 MiB.
    if (error instanceof RangeError) return tooLarge("too large to write as one text");
    throw error;
  }
  const bytes = Buffer.byteLength(text);
  return bytes > MAX_FILE_BYTES ? tooLarge(formatSize(bytes)) : text;
}

/** A version of a conversation's file: every save renames a new file (a new inode) into place. */
function versionOf(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`;
}

const ABSENT = "absent";
/** After the name of a file set aside: how the user gets it back (importConversationFile). */
const IMPORT_HINT = ' ("Hearth: Import Conversation…" of that file continues it in a new chat)';
/** A version another window's save set aside: `<id>.other-window-<ms>.json`. */
const OTHER_WINDOW = "other-window-";
/** A turn this version ran, kept beside a file a newer Hearth saved meanwhile: `<id>.older-hearth-<ms>.json`. */
const OLDER_HEARTH = "older-hearth-";

/** The message as the model reads it again: not marked dropped. */
function undropped(message: ChatMessage): ChatMessage {
  if (!message.dropped) return message;
  const { dropped: _, ...rest } = message;
  return rest;
}

function startsWith(messages: readonly ChatMessage[], prefix: readonly ChatMessage[]): boolean {
  return prefix.length <= messages.length && prefix.every((m, i) => JSON.stringify(m) === JSON.stringify(messages[i]));
}

/** The format `save` writes. */
const FORMAT = 1;

/** A file of a later format (a newer Hearth, then a downgrade): what it holds beyond the messages would be lost by a save. */
class NewerFormatError extends Error {
  /** `what`: what says it is a newer Hearth's (its format; a kind of message this version does not know). */
  constructor(readonly version: number, readonly what = `format ${version}`) {
    super(`${what}, newer than this version of Hearth reads (format ${FORMAT})`);
  }
}

/** The roles of the messages this version reads; another word is a kind of message a newer Hearth added in the same format. */
const ROLES: ReadonlySet<unknown> = new Set(["system", "user", "assistant", "tool"]);

/** A role a newer Hearth could have written: a short word (anything else is damage). */
const ROLE_WORD = /^[A-Za-z][\w-]{0,31}$/;

/** A conversation a newer Hearth saved (`get`): its file stays as it is, for that version. */
export class NewerConversationError extends Error {
  override name = "NewerConversationError";
  constructor(readonly version: number, what = `format ${version}`) {
    super(`This conversation was saved by a newer version of Hearth (${what}), which this version cannot read; its file is left as it is`);
  }
}

/**
 * Import Conversation's reading of a file: an export (handoff.ts), or a conversation file this
 * store saved — the way back to a version set aside (`<id>.older-hearth-…`, `other-window-…`,
 * `unreadable-…`), which no version lists or reads again. Such a file has no title: its first
 * message gives one. Throws ConversationImportError saying what is wrong.
 */
export function importConversationFile(text: string): ImportedConversation {
  if (!text.trimStart().startsWith("{")) return importConversation(text);
  let messages: ChatMessage[];
  try {
    messages = parseMessages(text);
  } catch (error) {
    if (error instanceof NewerFormatError) throw new ConversationImportError(`this conversation was saved by a newer version of Hearth (${error.what}), which this version cannot read: import it there`);
    throw new ConversationImportError(`this is neither a Hearth conversation export nor a saved conversation Hearth can read (${error instanceof Error ? error.message : String(error)})`);
  }
  const first = messages.find((m) => m.role === "user");
  return { title: first ? titleFrom(first.content) : "", exportedAt: "", messages: messages.slice(1), patch: "", edited: [] };
}

/** The stored messages, checked as an import checks them: the model reads them as they are. */
function parseMessages(text: string): ChatMessage[] {
  return parseFile(text).messages;
}

/**
 * What a file of this format holds that this version does not know — fields a newer Hearth
 * added without a new format (as `dropped` was added to format 1): the file's own, each
 * message's and each tool call's. The model never sees them (they are not in the messages);
 * a save writes them back where they were, on the messages they came with, so a turn this
 * version runs does not take them from the newer version for good.
 */
interface UnknownParts {
  readonly file: Readonly<Record<string, unknown>>;
  /** By the index of the message they came with (undefined: it had none). */
  readonly messages: readonly (UnknownFields | undefined)[];
}

interface UnknownFields {
  /** The message they came with, as this version read it: only that message gets them back (a rewind puts another in its place). */
  readonly read: ChatMessage;
  readonly fields: Readonly<Record<string, unknown>>;
  /** By tool call id. */
  readonly calls: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

/** The stored messages and what the file holds beside them that this version does not know (undefined: nothing). */
function parseFile(text: string): { messages: ChatMessage[]; unknown?: UnknownParts } {
  const data = JSON.parse(text) as { version?: unknown; messages?: unknown };
  if (typeof data.version === "number" && data.version > FORMAT) throw new NewerFormatError(data.version);
  // A kind of message a newer Hearth added without a new format (as it may add fields): its file, not damage, so left where it is.
  const newKind = Array.isArray(data.messages) ? (data.messages as unknown[]).find((m): m is { role: string } => {
    const role = (m as { role?: unknown } | null)?.role;
    return typeof role === "string" && !ROLES.has(role) && ROLE_WORD.test(role);
  }) : undefined;
  if (newKind) throw new NewerFormatError(FORMAT, `format ${FORMAT} with a kind of message this version does not know: role ${JSON.stringify(newKind.role)}`);
  if (!Array.isArray(data.messages) || (data.messages[0] as ChatMessage | undefined)?.role !== "system") throw new Error("no system message");
  const messages = checkMessages(data.messages);
  const file = fieldsBeside(data, ["version", "savedAt", "messages"]);
  const raw = data.messages as Record<string, unknown>[];
  const perMessage = messages.map((m, i): UnknownFields | undefined => {
    const fields = fieldsBeside(raw[i]!, [...Object.keys(m), "dropped"]);
    const calls = new Map<string, Record<string, unknown>>();
    if (m.role === "assistant") {
      (raw[i]!.toolCalls as Record<string, unknown>[] | undefined)?.forEach((call, j) => {
        const extra = fieldsBeside(call, Object.keys(m.toolCalls![j]!));
        if (extra) calls.set(m.toolCalls![j]!.id, extra);
      });
    }
    return fields || calls.size ? { read: m, fields: fields ?? {}, calls } : undefined;
  });
  if (!file && perMessage.every((u) => u === undefined)) return { messages };
  return { messages, unknown: { file: file ?? {}, messages: perMessage } };
}

/** The fields of `value` other than `known` (undefined: none). */
function fieldsBeside(value: object, known: readonly string[]): Record<string, unknown> | undefined {
  const extra = Object.entries(value).filter(([key]) => !known.includes(key));
  return extra.length ? Object.fromEntries(extra) : undefined;
}

/** `message` as saved: with the fields this version did not know that it was read with, where it is still that message (marked dropped or not). */
function withUnknown(message: ChatMessage, unknown: UnknownFields | undefined): ChatMessage {
  if (!unknown || !sameMessage(message, unknown.read)) return message;
  const calls = message.role === "assistant" && message.toolCalls && unknown.calls.size
    ? { toolCalls: message.toolCalls.map((call) => ({ ...call, ...unknown.calls.get(call.id) })) }
    : {};
  return { ...message, ...unknown.fields, ...calls };
}

/**
 * Whether `a`, at the index `b` was read at, is still that message: a tool result by its call
 * (condensing to save context rewrites its words — condense.ts — and it is still the same
 * result), the others by their words and calls (thinking and arguments condensed change neither).
 */
function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  if (a === b) return true;
  if (a.role === "tool" && b.role === "tool") return a.toolCallId === b.toolCallId && a.name === b.name;
  if (a.role !== b.role || a.content !== b.content) return false;
  if (a.role === "assistant" && b.role === "assistant") return (a.toolCalls ?? []).map((c) => c.id).join("\0") === (b.toolCalls ?? []).map((c) => c.id).join("\0");
  return true;
}

function checkId(id: string): void {
  if (!ID.test(id)) throw new RangeError(`not a conversation id: ${JSON.stringify(id)}`);
}
