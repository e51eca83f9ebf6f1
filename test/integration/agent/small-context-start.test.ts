// A new conversation in a small context (hearth.contextSize 8192, or a server started with a
// small one): what Hearth puts in front of the user's message — the repository map, the
// project's rules, a fix's related code — must leave room for the message and the work,
// and the user hears that less was shown and why. Scripted backend that refuses a prompt
// past its context as the embedded one does, real checkout, real index, real checkpoints.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, type TestContext } from "node:test";
import { runConversationTurn } from "../../../src/agent/conversation-run.ts";
import { runFix } from "../../../src/agent/fix.ts";
import { RepoIndex, indexQueries } from "../../../src/indexer/index.ts";
import { type ChatRequest, type ChatStreamEvent, DoesNotFitError } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import type { AgentWireEvent } from "../../../src/protocol/agent.ts";
import { CheckpointStore, DiskWorkspace } from "../../../src/tools/index.ts";

const QUERIES_DIR = fileURLToPath(new URL("../../../src/indexer/queries", import.meta.url));

/** The scripted model with a real context's limit: a prompt of the context's size or more is refused before any reply. */
class BoundedBackend extends ScriptedBackend {
  constructor(private readonly size: number) {
    super({ turns: [{ toolCalls: [{ name: "finish", arguments: { summary: "done" } }] }], contextSize: size });
  }
  override async *chat(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const used = await this.countTokens(request.messages, request.tools);
    if (used >= this.size) throw new DoesNotFitError("the conversation", this.size, used);
    yield* super.chat(request);
  }
}

/** A repository whose map, rules and related code each fill their whole budget at a large context. */
function bigRepo(root: string): string {
  const repo = join(root, "repo");
  for (let m = 0; m < 40; m++) {
    mkdirSync(join(repo, `module_${m}`), { recursive: true });
    const functions = Array.from({ length: 6 }, (_, f) => `def billing_step_${m}_${f}(invoice, lines):\n${Array.from({ length: 12 }, (_, l) => `    invoice.total_${l} = sum(line.amount_${l} for line in lines)  # step ${l}`).join("\n")}\n    return invoice\n`);
    writeFileSync(join(repo, `module_${m}`, "billing.py"), functions.join("\n\n"));
  }
  writeFileSync(join(repo, "AGENTS.md"), Array.from({ length: 400 }, (_, i) => `- Rule ${i}: keep the billing steps pure and test each one with its own fixture.`).join("\n"));
  return repo;
}

const ISSUE = "billing_step_3_2 and billing_step_7_1 add up invoice totals wrong for credit lines";

/** A temp folder with bigRepo in it, indexed, and the bounded model loaded; all removed after the test. */
async function setUp(t: TestContext, contextSize: number) {
  const root = mkdtempSync(join(tmpdir(), "hearth-small-context-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const repo = bigRepo(root);
  const index = new RepoIndex({ root: repo, queriesDir: QUERIES_DIR });
  await index.build();
  t.after(() => index.close());
  const backend = new BoundedBackend(contextSize);
  await backend.load();
  return { root, repo, index, backend };
}

async function fixAt(t: TestContext, contextSize: number): Promise<{ stopReason: string; message: string; events: AgentWireEvent[] }> {
  const { root, repo, index, backend } = await setUp(t, contextSize);
  const events: AgentWireEvent[] = [];
  const outcome = await runConversationTurn({
    mode: "fix", text: ISSUE, messages: [], policy: "ask",
    workspace: new DiskWorkspace(repo),
    checkpoints: await CheckpointStore.open({ workspaceRoot: repo, storageDir: join(root, "state") }),
    index: indexQueries(index),
    backend: async () => backend,
    approve: async () => false,
    onEvent: (e) => events.push(e),
    signal: new AbortController().signal,
  });
  return { stopReason: outcome.result.stopReason, message: outcome.result.message, events };
}

describe("a new conversation in a small context", () => {
  it("Fix This Issue at 8,192 tokens: the starting context shrinks to fit, and the user is told why", { timeout: 120_000 }, async (t) => {
    const { stopReason, message, events } = await fixAt(t, 8192);
    assert.equal(stopReason, "finished", message);
    const notices = events.flatMap((e) => (e.type === "notice" ? [e.text] : []));
    assert.ok(notices.some((n) => /context \(8,192 tokens\) is small.*less of the project.*hearth\.contextSize/.test(n)), notices.join("\n"));
  });

  it("at a large context nothing is cut for size and nothing is said", { timeout: 120_000 }, async (t) => {
    const { stopReason, events } = await fixAt(t, 65_536);
    assert.equal(stopReason, "finished");
    assert.ok(!events.some((e) => e.type === "notice" && /is small/.test(e.text)));
  });
});

describe("hearth fix in a small context", () => {
  it("at 8,192 tokens its first turn fits: the map, rules and related code shrink as in the chat", { timeout: 120_000 }, async (t) => {
    const { root, repo, index, backend } = await setUp(t, 8192);
    const result = await runFix({ repo, issue: ISSUE, backend, index: indexQueries(index), storageDir: join(root, "fix-state"), policy: "ask" });
    assert.equal(result.agent.stopReason, "finished", result.agent.message);
  });
});
