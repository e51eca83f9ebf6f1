// A ConversationStore in a process of its own, as each VS Code window's runtime holds one on
// the workspace's shared storage folder. Driven over stdin, one JSON request a line
// ({ op: "get" | "record", id, messages? }); answers one JSON line each on stdout
// ({ messages?, warnings }), warnings being what the store said since the last answer.
import { createInterface } from "node:readline";
import { ConversationStore } from "../../../../src/agent/conversation-store.ts";
import type { ChatMessage } from "../../../../src/protocol/chat.ts";

const warnings: string[] = [];
const store = new ConversationStore(process.argv[2], (message, _error, id) => warnings.push(`${id}: ${message}`));

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as { op: "get" | "record"; id: string; messages?: ChatMessage[] };
  let messages: ChatMessage[] | undefined;
  if (request.op === "get") messages = (await store.get(request.id))?.messages;
  else await store.record(request.id, request.messages ?? []);
  process.stdout.write(`${JSON.stringify({ ...(messages ? { messages } : {}), warnings: warnings.splice(0) })}\n`);
}
