// The completion engine with the scripted backend (a real backend that replays FIM answers
// in order): cache reuse while typing ahead, the multi-line decision applied to the model's
// text, cancellation before the model, and the records the runtime reports.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CompletionCache } from "../../../src/completions/cache.ts";
import { CompletionEngine, type CompletionDocument, type EngineOptions, offsetAt } from "../../../src/completions/engine.ts";
import type { FimRequest } from "../../../src/models/index.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { tempDir } from "../../fixtures/temp.ts";

function engineWith(completions: string[], extra: Partial<EngineOptions> = {}) {
  const path = join(tempDir("hearth-engine-"), "model.json");
  writeFileSync(path, JSON.stringify({ turns: [], completions }));
  const backend = new ScriptedBackend(path);
  let prompts = 0;
  const engine = new CompletionEngine({
    model: async () => {
      prompts++;
      return { backend, which: "main" };
    },
    debounce: { initialMs: 0, minMs: 0 },
    ...extra,
  });
  return { engine, calls: () => prompts };
}

const doc = (text: string, version = 1): CompletionDocument => ({ uri: "file:///w/a.ts", path: "a.ts", text, version, inFolder: true });
const live = () => new AbortController().signal;

describe("completion engine", () => {
  it("keeps serving a completion while the predicted characters are typed, with no new model call", async () => {
    const { engine, calls } = engineWith(["total + item.price;\n  }", "SHOULD NOT BE USED"]);
    const text = "for (const item of items) {\n  total = \n}\n";
    const first = await engine.complete(doc(text), { line: 1, character: 10 }, live());
    assert.equal(first.text, "total + item.price;", "one line: cut at the newline");
    assert.equal(first.record.outcome, "model");
    let typed = "";
    for (const ch of "total + it") {
      typed += ch;
      const edited = text.replace("total = \n", `total = ${typed}\n`);
      const next = await engine.complete(doc(edited, typed.length + 1), { line: 1, character: 10 + typed.length }, live());
      assert.equal(next.text, "total + item.price;".slice(typed.length));
      assert.equal(next.record.outcome, "cache");
    }
    assert.equal(calls(), 1);
    const stats = engine.stats();
    assert.deepEqual([stats.requests, stats.cacheHits, stats.modelCalls], [11, 10, 1]);
  });

  it("in Rust, a lifetime on the cursor's line is no quote: a closer the right side has is not written twice", async () => {
    const { engine } = engineWith(["x: &'a str) -> bool {", "x.len()))"]);
    const rust = (text: string) => ({ ...doc(text), uri: "file:///w/src/lib.rs", path: "src/lib.rs" });
    const signature = "fn check<'a>()\n";
    assert.equal((await engine.complete(rust(signature), { line: 0, character: 13 }, live())).text, "x: &'a str", "not fn check<'a>(x: &'a str) -> bool {)");
    const call = "    let n: &'a str = pick(first(), 2);\n";
    assert.equal((await engine.complete(rust(call), { line: 0, character: 31 }, live())).text, "x.len()", "not pick(first(x.len())), 2)");
  });

  it("asks for a block where the cursor opens one, and cuts it where the block closes", async () => {
    const { engine } = engineWith(["\n  return a + b;\n}\n\nexport const c = 1;"]);
    const text = "function add(a, b) {\n}\n";
    const answer = await engine.complete(doc(text), { line: 0, character: 20 }, live());
    assert.equal(answer.record.multiline, true);
    assert.equal(answer.text, "\n  return a + b;", "the `}` below the cursor is not repeated");
  });

  it("a request cancelled during the debounce never reaches the model", async () => {
    const { engine, calls } = engineWith(["x"]);
    const controller = new AbortController();
    const slow = new CompletionEngine({ model: async () => { throw new Error("must not be called"); }, debounce: { initialMs: 10_000 } });
    const pending = slow.complete(doc("const a = \n"), { line: 0, character: 10 }, controller.signal);
    controller.abort();
    const answer = await pending;
    assert.equal(answer.record.outcome, "cancelled");
    assert.equal(answer.record.modelMs, 0);
    assert.equal(calls(), 0);
    assert.equal(engine.stats().requests, 0);
  });

  it("remembers a completion by the prompt's window, not the whole document (each keystroke's text is a new copy)", async () => {
    const { engine, calls } = engineWith(["compute(1);", "SHOULD NOT BE USED"]);
    const big = Array.from({ length: 100_000 }, (_, i) => `const v${i} = ${i};`).join("\n");
    const text = `${big}\nconst total = \n${big}\n`;
    const first = await engine.complete(doc(text), { line: 100_000, character: 14 }, live());
    assert.equal(first.text, "compute(1);");
    const held = (engine as unknown as { cache: CompletionCache }).cache.heldChars();
    assert.ok(held < 20_000, `${held} characters held for one completion in a ${text.length}-character document`);
    const typed = await engine.complete(doc(text.replace("total = \n", "total = com\n"), 2), { line: 100_000, character: 17 }, live());
    assert.deepEqual([typed.text, typed.record.outcome, calls()], ["pute(1);", "cache", 1]);
  });

  it("a request cancelled while the model is still loading is answered at once, not when the load ends", async () => {
    // Every keystroke during a minutes-long load sent a request that held its document's text until then.
    const loading = new Promise<never>(() => undefined);
    const engine = new CompletionEngine({ model: () => loading, debounce: { initialMs: 0, minMs: 0 } });
    const controller = new AbortController();
    let outcome: string | undefined;
    const pending = engine.complete(doc("const a = \n"), { line: 0, character: 10 }, controller.signal).then((a) => (outcome = a.record.outcome));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(outcome, undefined, "waits for the model while not cancelled");
    controller.abort();
    for (let i = 0; i < 5 && outcome === undefined; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(outcome, "cancelled");
    await pending;
  });
});

/** The scripted backend, keeping each FIM request it was asked. */
class RecordingBackend extends ScriptedBackend {
  readonly asked: FimRequest[] = [];
  override complete(request: FimRequest) {
    this.asked.push(request);
    return super.complete(request);
  }
}

describe("completion engine: a document of another folder", () => {
  const PRICING = { imports: [], snippets: [{ path: "src/pricing.ts", startLine: 0, endLine: 2, text: "export function price(cents: number): number {\n  return cents / 100;\n}", symbol: "price" }] };
  function engineSeeing() {
    const path = join(tempDir("hearth-engine-"), "model.json");
    writeFileSync(path, JSON.stringify({ turns: [], completions: ["1;", "2;"] }));
    const backend = new RecordingBackend(path);
    const lookups: string[] = [];
    const engine = new CompletionEngine({
      model: async () => ({ backend, which: "main" }),
      context: async (at) => (lookups.push(at), PRICING),
      recentEdits: () => [{ path: "src/cart.ts", line: 0, text: "const secretTotal = price(cents);" }],
      repoName: "api",
      debounce: { initialMs: 0, minMs: 0 },
    });
    return { engine, asked: backend.asked, lookups };
  }

  it("is completed from its own text: no repository name, no definitions from the index, no other files' edits", async () => {
    const { engine, asked, lookups } = engineSeeing();
    const other = { uri: "file:///work/web/app.ts", path: "file:///work/web/app.ts", text: "const total = price(\n", version: 1, inFolder: false };
    assert.equal((await engine.complete(other, { line: 0, character: 20 }, live())).text, "1;");
    assert.deepEqual(lookups, [], "the folder's index is not asked");
    assert.equal(asked[0]!.repoName, undefined);
    assert.equal(asked[0]!.context, undefined);
    assert.equal(asked[0]!.prefix, "const total = price(");
  });

  it("a file of the folder Hearth works in still gets the repository name, definitions and recent edits", async () => {
    const { engine, asked, lookups } = engineSeeing();
    const inside = { uri: "file:///work/api/src/app.ts", path: "src/app.ts", text: "const total = price(\n", version: 1, inFolder: true };
    await engine.complete(inside, { line: 0, character: 20 }, live());
    assert.deepEqual(lookups, ["src/app.ts"]);
    assert.equal(asked[0]!.repoName, "api");
    assert.deepEqual(asked[0]!.context?.map((f) => f.path), ["src/cart.ts", "src/pricing.ts"]);
  });
});

describe("offsetAt (positions come from the client)", () => {
  it("puts a position past the end of a CRLF line before its CR, not between CR and LF", () => {
    assert.equal(offsetAt("abc\r\ndef\r\n", { line: 0, character: 99 }), 3);
    assert.equal(offsetAt("abc\r\ndef\r\n", { line: 1, character: 3 }), 8);
    assert.equal(offsetAt("abc\ndef", { line: 9, character: 9 }), 7, "past the document's end: its end");
  });

  it("never lands before the line it names, nor inside a surrogate pair", () => {
    assert.equal(offsetAt("abc\ndef", { line: 1, character: -5 }), 4);
    assert.equal(offsetAt("abc\ndef", { line: -3, character: 1 }), 1);
    assert.equal(offsetAt("a\u{1F600}b", { line: 0, character: 2 }), 1, "between the two halves of 😀: before it");
  });
});

describe("completion engine: a position inside a character", () => {
  it("offers nothing between the halves of a surrogate pair or before a combining mark: the completion is inserted at the position, and would split the character", async () => {
    const { engine, calls } = engineWith(["SHOULD NOT BE ASKED"]);
    // 😀's two halves; e + U+0301 (é): the completion would end up between e and its accent, which would go on its last letter.
    for (const [text, character] of [["const s = '\u{1F600}';\n", 12], ["const cafe\u0301 = 1;\n", 10], ["const s = '\u{1F44D}\u{1F3FD}';\n", 13]] as const) {
      const answer = await engine.complete(doc(text), { line: 0, character }, live());
      assert.equal(answer.text, "", JSON.stringify(text));
    }
    assert.equal(calls(), 0);
  });
});

describe("completion engine: files that hold secrets", () => {
  const secretDoc = (uri: string, path = uri): CompletionDocument => ({ uri, path, text: "API_KEY=sk-live-0123456789\nDB_PASSWORD=\n", version: 1, inFolder: true });

  it("offers nothing in a file that looks like it holds secrets, and never shows it to the model", async () => {
    const engine = new CompletionEngine({ model: async () => { throw new Error("the model must not see a secrets file"); }, debounce: { initialMs: 0, minMs: 0 } });
    for (const [uri, path] of [
      ["file:///w/.env", ".env"],
      ["file:///w/config/.env.production", "config/.env.production"],
      ["file:///w/deploy/prod.env", "deploy/prod.env"],
      ["file:///home/u/.ssh/id_ed25519", "file:///home/u/.ssh/id_ed25519"],
      ["file:///home/u/.ssh/deploy_key", "file:///home/u/.ssh/deploy_key"],
      ["file:///w/certs/server.KEY", "certs/server.KEY"],
      ["file:///w/certs/tls.pem", "certs/tls.pem"],
      ["file:///home/u/.aws/credentials", "file:///home/u/.aws/credentials"],
      ["file:///w/.npmrc", ".npmrc"],
      ["file:///C%3A/Users/u/.env.local", "file:///C%3A/Users/u/.env.local"],
    ]) {
      const answer = await engine.complete(secretDoc(uri!, path), { line: 1, character: 12 }, live());
      assert.equal(answer.text, "", uri);
      assert.equal(answer.record.outcome, "empty", uri);
      assert.equal(answer.record.modelMs, 0, uri);
    }
  });

  it("still completes templates and code that only mention secrets", async () => {
    const { engine, calls } = engineWith(["a", "b", "c", "d"]);
    for (const path of [".env.example", "src/env.ts", "docs/keys.md", "id_rsa.pub"]) {
      assert.equal((await engine.complete(secretDoc(`file:///w/${path}`, path), { line: 1, character: 12 }, live())).text !== "", true, path);
    }
    assert.equal(calls(), 4);
  });

  it("another file's prompt never carries lines of a secrets file the user just edited", async () => {
    const path = join(tempDir("hearth-engine-"), "model.json");
    writeFileSync(path, JSON.stringify({ turns: [], completions: ["1;"] }));
    const backend = new RecordingBackend(path);
    const engine = new CompletionEngine({
      model: async () => ({ backend, which: "main" }),
      context: async () => ({ imports: [], snippets: [{ path: "certs/dev.key", startLine: 0, endLine: 1, text: "-----BEGIN PRIVATE KEY-----", symbol: "key" }] }),
      recentEdits: () => [{ path: ".env", line: 0, text: "API_KEY=sk-live-0123456789" }, { path: "src/cart.ts", line: 0, text: "const total = 1;" }],
      repoName: "api",
      debounce: { initialMs: 0, minMs: 0 },
    });
    await engine.complete(doc("const key = process.env.\n"), { line: 0, character: 24 }, live());
    assert.deepEqual(backend.asked[0]!.context?.map((f) => f.path), ["src/cart.ts"]);
    assert.ok(!JSON.stringify(backend.asked[0]).includes("sk-live"));
  });
});

describe("completion engine: the user's own list of files never to complete (hearth.inlineCompletionsExclude)", () => {
  const file = (path: string): CompletionDocument => ({ uri: `file:///w/${path}`, path, text: "password: hunter2\ntoken: \n", version: 1, inFolder: true });

  it("adds files to the built-in list, and a `!` pattern completes a file of it again", async () => {
    let exclude: readonly string[] = ["config/credentials.yml", "*.secret.json", "!.env.development"];
    const { engine: withExclude, calls } = engineWith(["a", "b", "c", "d", "e"], { exclude: () => exclude });
    for (const path of ["config/credentials.yml", "deploy/prod.secret.json", ".env"]) {
      assert.equal((await withExclude.complete(file(path), { line: 1, character: 7 }, live())).text, "", path);
    }
    assert.equal(calls(), 0, "the model never saw them");
    for (const path of [".env.development", "config/app.yml", "secret.json"]) {
      assert.notEqual((await withExclude.complete(file(path), { line: 1, character: 7 }, live())).text, "", path);
    }
    exclude = [];
    assert.equal((await withExclude.complete(file(".env.development"), { line: 1, character: 7 }, live())).text, "", "the setting is read at each request");
  });

  it("another file's prompt never carries an excluded file's lines", async () => {
    const path = join(tempDir("hearth-engine-"), "model.json");
    writeFileSync(path, JSON.stringify({ turns: [], completions: ["1;"] }));
    const backend = new RecordingBackend(path);
    const engine = new CompletionEngine({
      model: async () => ({ backend, which: "main" }),
      context: async () => ({ imports: [], snippets: [{ path: "config/credentials.yml", startLine: 0, endLine: 1, text: "password: hunter2", symbol: "password" }] }),
      recentEdits: () => [{ path: "keys/app.secret.json", line: 0, text: "{\"token\": \"hunter2\"}" }, { path: "src/cart.ts", line: 0, text: "const total = 1;" }],
      exclude: () => ["config/credentials.yml", "*.secret.json"],
      debounce: { initialMs: 0, minMs: 0 },
    });
    await engine.complete(doc("const key = process.env.\n"), { line: 0, character: 24 }, live());
    assert.deepEqual(backend.asked[0]!.context?.map((f) => f.path), ["src/cart.ts"]);
    assert.ok(!JSON.stringify(backend.asked[0]).includes("hunter2"));
  });
});
