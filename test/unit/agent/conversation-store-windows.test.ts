// Two VS Code windows on one folder each run their own runtime, and both keep the model's
// side of the chat in the same storage folder (the workspace's). Here two real processes,
// each with its own ConversationStore on one folder, continue the same conversation.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { describe, it } from "node:test";
import type { ChatMessage } from "../../../src/protocol/chat.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CHILD = join(import.meta.dirname, "helpers", "store-process.ts");

interface Answer {
  readonly messages?: ChatMessage[];
  readonly warnings: string[];
}

/** One window's runtime: a store in a child process. */
class Window {
  private readonly child: ChildProcess;
  private readonly lines: Interface;
  private readonly answers: AsyncIterator<string>;

  constructor(dir: string) {
    this.child = spawn(process.execPath, ["--import", "tsx", CHILD, dir], { stdio: ["pipe", "pipe", "inherit"] });
    this.lines = createInterface({ input: this.child.stdout! });
    this.answers = this.lines[Symbol.asyncIterator]();
  }

  async ask(request: { op: "get" | "record"; id: string; messages?: ChatMessage[] }): Promise<Answer> {
    this.child.stdin!.write(`${JSON.stringify(request)}\n`);
    const next = await this.answers.next();
    assert.ok(!next.done, "the store process ended");
    return JSON.parse(next.value) as Answer;
  }

  /** A turn as the runtime runs one: the messages when it starts, then the turn's outcome recorded. */
  async turn(id: string, user: string, reply: string): Promise<Answer> {
    const start = (await this.ask({ op: "get", id })).messages ?? [{ role: "system", content: "You are Hearth." }];
    return this.ask({ op: "record", id, messages: [...start, { role: "user", content: user }, { role: "assistant", content: reply }] });
  }

  async close(): Promise<void> {
    const exited = once(this.child, "exit");
    this.child.stdin!.end();
    await exited;
  }
}

const contents = (messages: readonly ChatMessage[] | undefined) => messages?.map((m) => m.content);

describe("one conversation continued from two windows (two runtimes, one storage folder)", () => {
  it("a turn sent in one window is seen by the other's next turn, not written over", async (t) => {
    const dir = tempDir("hearth-conversations-");
    const a = new Window(dir);
    const b = new Window(dir);
    t.after(() => Promise.all([a.close(), b.close()]));

    await a.turn("c1", "first", "one");
    await b.turn("c1", "second, from the other window", "two"); // B reads what A saved
    await a.turn("c1", "third", "three"); // A still holds its own copy in memory
    const stored = (await b.ask({ op: "get", id: "c1" })).messages;
    assert.deepEqual(contents(stored), ["You are Hearth.", "first", "one", "second, from the other window", "two", "third", "three"]);
  });

  it("two turns at once on one conversation: the one saved last stays, the other is kept beside it and the user told", async (t) => {
    const dir = tempDir("hearth-conversations-");
    const a = new Window(dir);
    const b = new Window(dir);
    t.after(() => Promise.all([a.close(), b.close()]));

    await a.turn("c1", "first", "one");
    const startA = (await a.ask({ op: "get", id: "c1" })).messages!;
    const startB = (await b.ask({ op: "get", id: "c1" })).messages!;
    await a.ask({ op: "record", id: "c1", messages: [...startA, { role: "user", content: "from A" }, { role: "assistant", content: "a" }] });
    const saved = await b.ask({ op: "record", id: "c1", messages: [...startB, { role: "user", content: "from B" }, { role: "assistant", content: "b" }] });

    assert.deepEqual(contents((await a.ask({ op: "get", id: "c1" })).messages), ["You are Hearth.", "first", "one", "from B", "b"]);
    const aside = readdirSync(dir).filter((name) => name !== "c1.json");
    assert.equal(aside.length, 1, `A's turn is kept: ${aside.join()}`);
    const kept = JSON.parse(readFileSync(join(dir, aside[0]!), "utf8")) as { messages: ChatMessage[] };
    assert.deepEqual(contents(kept.messages), ["You are Hearth.", "first", "one", "from A", "a"]);
    assert.match(saved.warnings.join("\n"), new RegExp(`^c1: Another Hearth window ran a turn of this conversation at the same time: .*kept in ${join(dir, aside[0]!).replace(/\./g, "\\.")} \\("Hearth: Import Conversation…" of that file continues it in a new chat\\)\\.$`));
  });
});
