// Issue 15: what Hearth recommends can be downloaded under the id it prints, fits the
// machine it is recommended for, and every size is written in one unit (GiB).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { describeCatalog } from "../../../src/cli/commands/models.ts";
import { PRESETS, findPreset, recommendCompletionModel, recommendModel } from "../../../src/models/presets.ts";
import type { ModelCatalog } from "../../../src/protocol/models.ts";
import { formatSize } from "../../../src/protocol/units.ts";
import { downloadPreset } from "../../../src/runtime/model-files.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { gguf, writeGguf } from "../../fixtures/models/gguf-writer.ts";

const GiB = 1024 ** 3;

/** Machines from a laptop without a GPU to a data-centre card. */
const MACHINES = [
  { vramBytes: 0, ramBytes: 8 * GiB },
  { vramBytes: 0, ramBytes: 24 * GiB },
  { vramBytes: 0, ramBytes: 64 * GiB },
  { vramBytes: 8 * GiB, ramBytes: 32 * GiB },
  { vramBytes: 24 * GiB, ramBytes: 64 * GiB },
  { vramBytes: 48 * GiB, ramBytes: 64 * GiB },
  { vramBytes: 141 * GiB, ramBytes: 128 * GiB },
];

describe("one catalog: every recommended id is downloadable", () => {
  // A Hugging Face stand-in on 127.0.0.1 (HF_ENDPOINT) that serves one small whole GGUF for any
  // file (a download checks its magic, and that its header's tensors all arrived).
  const model = writeGguf(new Map([["general.architecture", gguf.str("qwen35")]]), [{ name: "w", dims: [4], type: "f32", data: new Float32Array(4) }]);
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(model.length) });
    res.end(req.method === "HEAD" ? undefined : model);
  });
  let saved: string | undefined;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    if (saved === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved;
    await new Promise((resolve) => server.close(resolve));
  });

  it("the main and the completion recommendation of every machine download under the id `hearth models` prints", async () => {
    const ids = new Set<string>();
    for (const memory of MACHINES) {
      const main = recommendModel(memory);
      ids.add(`${main.preset} ${main.quantization}`);
      const completion = recommendCompletionModel(memory, main);
      ids.add(`${completion.model.id} ${completion.model.quantization.id}`);
    }
    assert.ok([...ids].some((id) => id.startsWith("qwen3.5-0.8b")), "the 0.8B completion model is among them");
    for (const id of ids) {
      const [preset, quantization] = id.split(" ") as [string, string];
      const folder = tempDir("hearth-dl-");
      const result = await downloadPreset(folder, { preset, quantization }, new AbortController().signal, () => undefined);
      assert.equal(result.sizeBytes, model.length, id);
    }
  });

  it("the CLI names the completion model by the id --download takes", () => {
    const memory = { vramBytes: 0, ramBytes: 24 * GiB };
    const main = recommendModel(memory);
    const c = recommendCompletionModel(memory, main);
    const catalog: ModelCatalog = {
      presets: PRESETS, downloaded: [], recommendation: main, modelsFolder: "/m",
      completionRecommendation: { id: c.model.id, name: c.model.name, quantization: c.model.quantization, reason: c.reason },
    };
    const text = describeCatalog(catalog);
    assert.match(text, /hearth models --download qwen3\.5-0\.8b/);
    assert.ok(findPreset("qwen3.5-0.8b"), "the printed id is known to the catalog");
  });
});

describe("recommendation follows the machine", () => {
  it("24 GiB of RAM and no GPU: nothing that does not fit is recommended, and the reason says what would", () => {
    const r = recommendModel({ vramBytes: 0, ramBytes: 24 * GiB });
    assert.equal(r.fits, false);
    // Which smaller file: "a smaller GGUF file" sent a new user to any GGUF (a Llama, a Mistral), which Hearth refuses to load.
    assert.match(r.reason, /^No model Hearth offers fits this machine \(24\.0 GiB RAM, no GPU\): Qwen3\.6-35B-A3B Q4_K_M needs about 22\.7 GiB\. Use a server URL, or choose a smaller Qwen3\.5-family GGUF file \(Hearth loads no other model family\)$/);
  });

  it("without a GPU the dense models are never recommended (they need the whole model in VRAM to be fast)", () => {
    for (const ram of [32, 48, 64, 128]) {
      const r = recommendModel({ vramBytes: 0, ramBytes: ram * GiB });
      assert.equal(findPreset(r.preset)?.architecture, "qwen35moe", `${ram} GiB`);
      assert.equal(r.fits, true);
      assert.match(r.reason, /CPU only: slow/);
    }
  });
});

describe("sizes in one unit", () => {
  it("formatSize writes GiB (MiB below 0.1 GiB)", () => {
    assert.equal(formatSize(21.2e9), "19.7 GiB");
    assert.equal(formatSize(0.8e9), "0.7 GiB");
    assert.equal(formatSize(35 * 1024 ** 2), "35.0 MiB");
  });

  it("`hearth models` lists every size in GiB, never GB", () => {
    const memory = { vramBytes: 24 * GiB, ramBytes: 64 * GiB };
    const main = recommendModel(memory);
    const c = recommendCompletionModel(memory, main);
    const text = describeCatalog({
      presets: PRESETS, recommendation: main, modelsFolder: "/m",
      downloaded: [{ path: "/m/x.gguf", sizeBytes: 21.2e9, complete: true }],
      completionRecommendation: { id: c.model.id, name: c.model.name, quantization: c.model.quantization, reason: c.reason },
    });
    assert.doesNotMatch(text, /\bGB\b/);
    assert.match(text, /Q4_K_M\s+19\.7 GiB/);
    assert.match(text, /\/m\/x\.gguf {2}19\.7 GiB/);
  });
});
