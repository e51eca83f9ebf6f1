/**
 * The model's side of each chat conversation — system prompt and messages — kept in memory
 * and persisted as one JSON file per conversation in the runtime's storage, so a
 * conversation continues after the runtime (or VS Code) restarts. The UI keeps its own
 * record (src/protocol/transcript.ts); this is what the model sees.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ChatMessage } from "../protocol/chat.ts";
import { log } from "./log.ts";

export interface Conversation {
  readonly id: string;
  /** Messages, system prompt first (fixed for the conversation: a stable prefix for the KV cache). */
  messages: ChatMessage[];
}

const ID = /^[A-Za-z0-9_-]{1,80}$/;

export class ConversationStore {
  private readonly open = new Map<string, Conversation>();

  /** `dir` undefined: memory only (a client that gave no storage folder). */
  constructor(private readonly dir: string | undefined) {}

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
      const data = JSON.parse(text) as { messages?: unknown };
      if (!Array.isArray(data.messages) || (data.messages[0] as ChatMessage | undefined)?.role !== "system") throw new Error("no system message");
      const conversation: Conversation = { id, messages: data.messages as ChatMessage[] };
      this.open.set(id, conversation);
      return conversation;
    } catch (error) {
      log("warn", `conversation ${id} is unreadable and starts afresh`, error);
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

  async forget(id: string): Promise<void> {
    checkId(id);
    this.open.delete(id);
    if (this.dir) await rm(this.file(id), { force: true });
  }

  private file(id: string): string {
    return join(this.dir!, `${id}.json`);
  }
}

function checkId(id: string): void {
  if (!ID.test(id)) throw new RangeError(`not a conversation id: ${JSON.stringify(id)}`);
}
