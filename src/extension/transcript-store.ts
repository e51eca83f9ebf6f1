/**
 * Chat history per workspace: the transcripts the chat view shows, kept in VS Code's
 * workspace state (a Memento), one key per conversation plus an index for the history
 * list. Writes during a streamed run are batched; `flush` writes at once.
 */
import type * as vscode from "vscode";
import type { ConversationSummary, Transcript } from "../protocol/transcript.ts";

const INDEX_KEY = "hearth.chat.index";
const KEY_PREFIX = "hearth.chat.conversation.";
/** Conversations kept; the oldest beyond this are dropped. */
const MAX_CONVERSATIONS = 100;
const WRITE_DELAY_MS = 400;

export class TranscriptStore {
  private readonly dirty = new Map<string, Transcript>();
  private timer: NodeJS.Timeout | undefined;

  /** `onDropped`: told the ids of conversations dropped from the history (the runtime then forgets their messages too). */
  constructor(
    private readonly memento: Pick<vscode.Memento, "get" | "update">,
    private readonly onDropped: (ids: readonly string[]) => void = () => undefined,
  ) {}

  /** Newest first. */
  list(): ConversationSummary[] {
    return this.memento.get<ConversationSummary[]>(INDEX_KEY, []);
  }

  get(id: string): Transcript | undefined {
    return this.dirty.get(id) ?? this.memento.get<Transcript>(KEY_PREFIX + id);
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
    let index = this.list();
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
    await this.memento.update(KEY_PREFIX + id, undefined);
    await this.memento.update(INDEX_KEY, this.list().filter((s) => s.id !== id));
  }
}
