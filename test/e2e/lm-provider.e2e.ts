// Hearth's model in VS Code's own language model API, in a real workbench (code-server):
// a second extension (test/fixtures/lm-probe) asks vscode.lm.selectChatModels({vendor:
// "hearth"}), gets nothing while no model is loaded, gets Hearth's model once the runtime
// has loaded a generated Qwen3.5 GGUF (VS Code re-asks on Hearth's change event), streams
// its reply (text, then a call to the tool the probe offers) and counts tokens with the
// model's tokenizer.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureTinyModel } from "../fixtures/models/index.ts";
import { tempDir } from "../fixtures/temp.ts";
import { cpuLlama } from "../integration/models/llama.ts";
import { type Workbench, runCommand, startWorkbench } from "./workbench.ts";

const PROBE = resolve(import.meta.dirname, "../fixtures/lm-probe");
const TEXT = "Let me read it.";
const CALL = "<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.ts\n</parameter>\n</function>\n</tool_call>";

interface ProbeModel {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly family: string;
  readonly maxInputTokens: number;
}

interface ProbePart {
  readonly type: "text" | "toolCall" | "other";
  readonly value?: string;
  readonly callId?: string;
  readonly name?: string;
  readonly input?: unknown;
}

/** Resolves with the probe's `<step>.json` once it is written, or rejects with the probe's error. */
async function probeStep<T>(folder: string, step: string): Promise<T> {
  const file = join(folder, ".lm-probe", `${step}.json`);
  const error = join(folder, ".lm-probe", "error.json");
  for (;;) {
    if (existsSync(error)) throw new Error(`the probe failed: ${readFileSync(error, "utf8")}`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as T;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("vscode.lm with Hearth's model", () => {
  let wb: Workbench;
  let folder: string;
  let model: string;
  before(async () => {
    // What the generated model writes: text, then a call to the tool the probe offers.
    model = await ensureTinyModel({ arch: "qwen35", script: `${TEXT}\n\n${CALL}` });
    folder = tempDir("hearth-lm-ws-");
    writeFileSync(join(folder, "README.md"), "# demo\n");
    wb = await startWorkbench({ folder, extraExtensions: [PROBE], settings: { "hearth.threads": 1, "hearth.contextSize": 4096 } });
  }, { timeout: 300_000 });
  after(async () => wb?.close(), { timeout: 300_000 });

  it("selectChatModels({vendor: 'hearth'}) is empty without a model, then returns Hearth's model, which streams a reply with a tool call and counts tokens", { timeout: 300_000 }, async () => {
    const probe = await probeStep<{ version: string }>(folder, "active");
    assert.ok(Number(probe.version.split(".")[1]) >= 104, `VS Code ${probe.version} has the Language Model Chat Provider API (1.104+)`);
    await runCommand(wb.page, "LM Probe: Ask Hearth Through vscode.lm");
    const before = await probeStep<{ models: ProbeModel[] }>(folder, "before");
    assert.deepEqual(before.models, []);
    // hearth.modelPath is machine-scoped in code-server (a remote extension host).
    mkdirSync(join(wb.userDataDir, "Machine"), { recursive: true });
    writeFileSync(join(wb.userDataDir, "Machine", "settings.json"), JSON.stringify({ "hearth.modelPath": model }));
    const result = await probeStep<{ models: ProbeModel[]; parts: ProbePart[]; tokens: number }>(folder, "after");
    await wb.screenshot("lm-provider");
    assert.equal(result.models.length, 1);
    const [listed] = result.models;
    assert.equal(listed!.vendor, "hearth");
    assert.match(listed!.name, /qwen35/);
    assert.equal(listed!.maxInputTokens, 4096 - 1024);
    const text = result.parts.filter((p) => p.type === "text");
    const calls = result.parts.filter((p) => p.type === "toolCall");
    assert.equal(text.length + calls.length, result.parts.length, JSON.stringify(result.parts));
    assert.equal(text.map((p) => p.value).join("").trim(), TEXT);
    assert.deepEqual(calls.map((p) => [p.name, p.input]), [["read_file", { path: "src/main.ts" }]]);
    assert.match(calls[0]!.callId!, /\S/);
    const llama = await cpuLlama();
    const loaded = await llama.loadModel({ modelPath: model, gpuLayers: 0 });
    try {
      assert.equal(result.tokens, loaded.tokenize("hello world, hello Hearth", false).length);
    } finally {
      await loaded.dispose();
    }
  });
});
