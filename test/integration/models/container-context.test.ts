/**
 * The automatic context size (hearth.contextSize 0) in a process under a cgroup memory limit far
 * below the machine's memory (docker run --memory, a devcontainer's or a pod's limit): the
 * embedded backend, loading a tiny model in a child process in a real cgroup limited to 1 GiB,
 * sizes the context to what the limit leaves, not to the host's memory. The model is shaped so
 * that its trained context (262,144 tokens, two sequences) needs about 2 GiB: sized for the host,
 * making it takes more than the limit and the kernel's out-of-memory killer ends the child. A set
 * size past the limit is refused before it is made, in words that name the limit.
 * Needs root and a cgroup memory controller a group can be made in (v1 memory or v2); skipped
 * otherwise.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { memoryGroup } from "../../fixtures/cgroups.ts";
import { tempDir } from "../../fixtures/temp.ts";

const LIMIT = 1024 ** 3;

const CHILD = `
const { EmbeddedBackend } = await import(${JSON.stringify(new URL("../../../src/models/llama-cpp/embedded-backend.ts", import.meta.url).href)});
const contextSize = Number(process.env.CONTEXT);
const backend = new EmbeddedBackend({ modelPath: process.env.MODEL, gpu: false, ...(contextSize ? { contextSize } : {}) });
const info = await backend.load().catch((error) => {
  process.stdout.write(JSON.stringify({ error: error.message, fix: error.fix }));
  process.exit(0);
});
const model = backend.loaded.model;
const needs = await model.fileInsights.estimateContextResourceRequirements({ contextSize: info.contextSize, sequences: 2, modelGpuLayers: 0, flashAttention: true });
const trained = await model.fileInsights.estimateContextResourceRequirements({ contextSize: info.trainContextSize, sequences: 2, modelGpuLayers: 0, flashAttention: true });
let refusal;
if (process.env.AGENT) {
  // A tool whose description (about 120,000 tokens) is more than the context the limit leaves.
  const { Agent } = await import(${JSON.stringify(new URL("../../../src/agent/loop.ts", import.meta.url).href)});
  const { AGENT_TOOLS, DiskWorkspace } = await import(${JSON.stringify(new URL("../../../src/tools/index.ts", import.meta.url).href)});
  const big = { definition: { name: "big", description: "Reads one of many records. ".repeat(20000), parameters: { type: "object", properties: {} } }, effect: "read", execute: async () => ({ output: "" }) };
  const agent = new Agent({ backend, tools: [...AGENT_TOOLS, big], toolContext: { workspace: new DiskWorkspace(process.env.AGENT) }, systemPrompt: "You are Hearth.", policy: "ask" });
  refusal = (await agent.run("hi")).message;
}
process.stdout.write(JSON.stringify({ contextSize: info.contextSize, trainContextSize: info.trainContextSize, memoryLimited: info.contextMemoryLimited, needs: needs.cpuRam, trained: trained.cpuRam, refusal }));
await backend.dispose();
`;

describe("the context size under a container's memory limit", () => {
  const group = memoryGroup("hearth-context-test", LIMIT, { noSwap: true });
  after(() => group?.remove());
  const skip = group ? false : "no cgroup memory controller this process may make a group in (root, cgroup v1 memory or v2)";
  it("is sized to what a 1 GiB cgroup limit leaves, not to the host's memory", { skip }, async () => {
    const seen = (await loadInGroup(group!.procs, 0)) as { contextSize: number; trainContextSize: number; needs: number; trained: number };
    assert.ok(seen.trained > LIMIT, `the model's trained context needs more than the limit (${seen.trained})`);
    assert.ok(seen.contextSize < seen.trainContextSize, `context ${seen.contextSize} of ${seen.trainContextSize}`);
    assert.ok(seen.needs < LIMIT, `the context chosen needs ${seen.needs} bytes, under the 1 GiB limit`);
  });

  it("where that context is too small for the agent, the refusal says to raise the container's limit, not to close programs", { skip }, async () => {
    const seen = (await loadInGroup(group!.procs, 0, tempDir("hearth-context-agent-"))) as { contextSize: number; memoryLimited?: boolean; refusal?: string };
    assert.equal(seen.memoryLimited, true);
    assert.match(seen.refusal ?? "", new RegExp(`the model's context \\(${seen.contextSize} tokens\\) is too small for Hearth's instructions and tools: hearth\\.contextSize is 0 \\(auto\\), which loaded only what the container's memory limit leaves \\(this model was trained for 262144 tokens\\) — raise the container's memory limit \\(docker run --memory, runArgs in devcontainer\\.json, a Kubernetes pod's resources\\.limits\\.memory\\), choose a smaller quantization, or set hearth\\.kvCacheType to q8_0 \\(half the memory per token\\)$`));
  });

  it("a set context size past the limit is refused, in words that name the container's limit and the ways out", { skip }, async () => {
    const seen = (await loadInGroup(group!.procs, 262_144)) as { error?: string; fix?: string };
    assert.match(seen.error ?? "", /^not enough memory for a context of 262,144 tokens with this model \(A context size of 262144 with 2 sequences is too large for the available RAM\): this process's memory limit leaves the model and its context about [\d.]+ MiB \(a container's limit: docker run --memory, runArgs in devcontainer\.json, a Kubernetes pod's resources\.limits\.memory\); lower hearth\.contextSize \(0 sizes it to the limit\), raise that limit, or choose a smaller model$/);
    assert.equal(seen.fix, "openSettings");
  });
});

/** Loads the shaped tiny model in a child in the group (`contextSize` 0: automatic), and with `agentFolder` runs the agent there once; what it saw. */
async function loadInGroup(procs: string, contextSize: number, agentFolder = ""): Promise<unknown> {
  const model = await ensureTinyModel({ arch: "qwen35", shape: { heads: 8, kvHeads: 8, layers: 8 } });
  // A file, not -e: node-llama-cpp tests its binary in a process forked with this one's arguments.
  const child = join(tempDir("hearth-context-"), "child.mjs");
  writeFileSync(child, CHILD);
  const run = spawnSync("sh", ["-c", `echo $$ > ${procs} && exec "$@"`, "sh", process.execPath, "--import", "tsx", child], { env: { ...process.env, MODEL: model, CONTEXT: String(contextSize), AGENT: agentFolder }, encoding: "utf8" });
  assert.equal(run.signal, null, `the child was killed (${run.signal}): the context was made past the limit`);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}
