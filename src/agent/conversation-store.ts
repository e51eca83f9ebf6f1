/**
 * The model's side of each chat conversation — system prompt and messages — kept in memory
 * and persisted as one JSON file per conversation in the runtime's storage, so a
 * conversation continues after the runtime (or VS Code) restarts. The UI keeps its own
 * record (src/protocol/transcript.ts); this is what the model sees.
 *
 * Besides get/create/save/forget it holds the three changes a conversation goes through:
 * a finished turn (`record`), a rewind to a checkpoint (`rewind`) and an import (`import`).
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ChatMessage } from "../protocol/chat.ts";

export interface Conversation {
  readonly id: string;
  /** Messages, system prompt first (fixed for the conversation: a stable prefix for the KV cache). */
  messages: ChatMessage[];
}

/** Told when a stored conversation cannot be read (it then starts afresh) or a turn cannot be saved. */
export type ConversationWarning = (message: string, error: unknown) => void;

const ID = /^[A-Za-z0-9_-]{1,80}$/;

export class ConversationStore {
  private readonly open = new Map<string, Conversation>();

  /** `dir` undefined: memory only (a client that gave no storage folder). */
  constructor(
    private readonly dir: string | undefined,
    private readonly warn: ConversationWarning = () => undefined,
  ) {}

  /** The conversation, loaded from disk if needed; undefined when it does not exist yet. */
  async get(id: string): Promise<Conversation | undefined> {
    checkId(id);
    const cached = this.open.get(id);
    if (cached) return cached;
    if (!this.dir) return undefined;
    let text: string;
    try {
      text = await readFile(this.file(id), "utf8");
    } catch {
      return undefined;
    }
    try {
      const conversation: Conversation = { id, messages: parseMessages(text) };
      this.open.set(id, conversation);
      return conversation;
    } catch (error) {
      this.warn(`conversation ${id} is unreadable and starts afresh`, error);
      return undefined;
    }
  }

  create(id: string, systemPrompt: string): Conversation {
    checkId(id);
    const conversation: Conversation = { id, messages: [{ role: "system", content: systemPrompt }] };
    this.open.set(id, conversation);
    return conversation;
  }

  /** Writes the conversation (atomically: a crash leaves the old file or the new one). */
  async save(conversation: Conversation): Promise<void> {
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file(conversation.id)}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: 1, messages: conversation.messages }));
    await rename(tmp, this.file(conversation.id));
  }

  /**
   * Keeps what a finished turn left (`messages`, system prompt first): a turn that never
   * started (no messages) keeps nothing. A failed save is reported, not thrown: the turn's
   * answer still reaches the user and the conversation stays in memory.
   */
  async record(id: string, messages: readonly ChatMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const first = messages[0];
    const conversation = (await this.get(id)) ?? this.create(id, first?.role === "system" ? first.content : "");
    conversation.messages = [...messages];
    await this.save(conversation).catch((error: unknown) => this.warn(`saving conversation ${id} failed`, error));
  }

  /**
   * Back to the first `messageIndex` messages (a checkpoint restore that rewinds the
   * conversation too). An index outside 1…length, or an unknown conversation, changes nothing.
   */
  async rewind(id: string, messageIndex: number): Promise<void> {
    const conversation = await this.get(id);
    if (!conversation || !(messageIndex >= 1 && messageIndex <= conversation.messages.length)) return;
    conversation.messages.length = messageIndex;
    await this.save(conversation);
  }

  /**
   * Starts `id` from imported messages, with an empty system prompt: the first message sent
   * here builds this workspace's own.
   */
  async import(id: string, messages: readonly ChatMessage[]): Promise<void> {
    const conversation = this.create(id, "");
    conversation.messages.push(...messages);
    await this.save(conversation);
  }

  async forget(id: string): Promise<void> {
    checkId(id);
    this.open.delete(id);
    if (this.dir) await rm(this.file(id), { force: true });
  }

  private file(id: string): string {
    return join(this.dir!, `${id}.json`);
  }
}

function parseMessages(text: string): ChatMessage[] {
  const data = JSON.parse(text) as { messages?: unknown };
  if (!Array.isArray(data.messages) || (data.messages[0] as ChatMessage | undefined)?.role !== "system") throw new Error("no system message");
  return data.messages as ChatMessage[];
}

function checkId(id: string): void {
  if (!ID.test(id)) throw new RangeError(`not a conversation id: ${JSON.stringify(id)}`);
}
