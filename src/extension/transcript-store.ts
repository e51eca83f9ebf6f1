/**
 * Chat history per workspace: the transcripts the chat view shows, kept in VS Code's
 * workspace state (a Memento), one key per conversation plus an index for the history
 * list. Writes during a streamed run are batched; `flush` writes at once.
 *
 * Each window has its own copy of that state: with two windows on one folder the last to
 * write its index kept only its own conversations. The list therefore also shows every
 * conversation the runtimes stored in the folder's storage (`conversations/<id>.json`, the
 * model's side, shared by the windows), and one this window has no transcript of opens as
 * those messages (as an imported conversation does).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type * as vscode from "vscode";
import type { ChatMessage } from "../protocol/chat.ts";
import { type ConversationSummary, type Transcript, titleFrom, transcriptFromMessages } from "../protocol/transcript.ts";

const INDEX_KEY = "hearth.chat.index";
const KEY_PREFIX = "hearth.chat.conversation.";
/** Conversations kept; the oldest beyond this are dropped. */
const MAX_CONVERSATIONS = 100;
const WRITE_DELAY_MS = 400;

export class TranscriptStore {
  private readonly dirty = new Map<string, Transcript>();
  private timer: NodeJS.Timeout | undefined;
  /** Conversations deleted in this window: their files may outlive the delete a moment (the runtime removes them). */
  private readonly deleted = new Set<string>();
  /** Conversations of the shared storage read so far, by id, with the file's size and mtime they were read at. */
  private readonly stored = new Map<string, { readonly stamp: string; readonly summary: ConversationSummary; readonly messages: readonly ChatMessage[] }>();

  /**
   * `onDropped`: told the ids of conversations dropped from the history (the runtime then forgets their messages too).
   * `conversationsDir`: the runtime's conversations in the folder's storage, shared with other windows (none: this window's history only).
   */
  constructor(
    private readonly memento: Pick<vscode.Memento, "get" | "update">,
    private readonly onDropped: (ids: readonly string[]) => void = () => undefined,
    private readonly conversationsDir?: string,
  ) {}

  /** Newest first: this window's history and the conversations other windows stored in the folder. */
  list(): ConversationSummary[] {
    const index = this.index();
    const others = this.storedElsewhere(new Set(index.map((s) => s.id)));
    return others.length ? [...index, ...others].sort((a, b) => b.updatedAt - a.updatedAt) : index;
  }

  get(id: string): Transcript | undefined {
    const own = this.dirty.get(id) ?? this.memento.get<Transcript>(KEY_PREFIX + id);
    if (own || this.deleted.has(id)) return own;
    const stored = this.readStored(id);
    return stored && transcriptFromMessages(id, stored.summary.title, stored.messages, stored.summary.updatedAt);
  }

  /** This window's own history list. */
  private index(): ConversationSummary[] {
    return this.memento.get<ConversationSummary[]>(INDEX_KEY, []);
  }

  /** The conversations stored in the folder's storage, but for those this window lists (`known`) or deleted. */
  private storedElsewhere(known: ReadonlySet<string>): ConversationSummary[] {
    let names: string[];
    try {
      names = this.conversationsDir ? readdirSync(this.conversationsDir) : [];
    } catch {
      return []; // no conversation stored yet
    }
    // `<id>.json` only: a version set aside (`<id>.other-window-<time>.json`, `<id>.unreadable-<time>.json`) is no conversation.
    const ids = names.filter((name) => /^[\w-]+\.json$/.test(name)).map((name) => name.slice(0, -".json".length));
    return ids.filter((id) => !known.has(id) && !this.deleted.has(id)).flatMap((id) => this.readStored(id)?.summary ?? []);
  }

  /** A stored conversation's messages (without the system prompt) and summary; read again only when its file changed. */
  private readStored(id: string) {
    if (!this.conversationsDir || !/^[\w-]+$/.test(id)) return undefined;
    const file = join(this.conversationsDir, `${id}.json`);
    try {
      const info = statSync(file);
      if (!info.isFile()) return undefined;
      const stamp = `${info.size}:${info.mtimeMs}`;
      const cached = this.stored.get(id);
      if (cached?.stamp === stamp) return cached;
      const data = JSON.parse(readFileSync(file, "utf8")) as { messages?: ChatMessage[] };
      const messages = (Array.isArray(data.messages) ? data.messages : []).filter((m) => m?.role !== "system");
      const first = messages.find((m) => m.role === "user");
      if (!first || typeof first.content !== "string") return undefined;
      const read = { stamp, summary: { id, title: titleFrom(first.content), updatedAt: info.mtimeMs }, messages };
      this.stored.set(id, read);
      return read;
    } catch {
      return undefined; // gone meanwhile, or being written: the runtime reports a damaged file when it reads it
    }
  }

  /** Schedules a write of `transcript` (and its place at the top of the history). */
  save(transcript: Transcript): void {
    if (transcript.items.length === 0) return; // an empty "New chat" is not history
    this.dirty.set(transcript.id, transcript);
    this.timer ??= setTimeout(() => void this.flush(), WRITE_DELAY_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty.size === 0) return;
    const pending = [...this.dirty.values()];
    this.dirty.clear();
    for (const t of pending) await this.memento.update(KEY_PREFIX + t.id, t);
    // The history as it is now, read after those writes: a conversation deleted meanwhile
    // (from the history list while this one streams) stays out of it. No await from here
    // to the index's update: Memento.update changes what get returns at once.
    let index = this.index();
    for (const t of pending) {
      if (this.memento.get(KEY_PREFIX + t.id) === undefined) continue; // deleted meanwhile
      index = [{ id: t.id, title: t.title, updatedAt: t.updatedAt }, ...index.filter((s) => s.id !== t.id)];
    }
    index.sort((a, b) => b.updatedAt - a.updatedAt);
    const dropped = index.slice(MAX_CONVERSATIONS);
    const kept = this.memento.update(INDEX_KEY, index.slice(0, MAX_CONVERSATIONS));
    for (const old of dropped) await this.memento.update(KEY_PREFIX + old.id, undefined);
    await kept;
    if (dropped.length) this.onDropped(dropped.map((old) => old.id));
  }

  async delete(id: string): Promise<void> {
    this.dirty.delete(id);
    this.deleted.add(id);
    this.stored.delete(id);
    await this.memento.update(KEY_PREFIX + id, undefined);
    await this.memento.update(INDEX_KEY, this.index().filter((s) => s.id !== id));
  }
}
