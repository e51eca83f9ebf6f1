// `--model FILE` that names no model file (a typo, a folder, a file gone since) is a bad
// argument: the commands say so at once, with exit 2 as for every usage error, before a
// runtime, an MCP server, the checkout's lock or the model is started. It was "the model
// failed" (hearth fix's exit 3, meant for a model that broke) after the run had started.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { calcCheckout, ownStateHome } from "../../fixtures/calc-checkout.ts";
import { OLLAMA_MODEL, startFakeOllama } from "../../fixtures/models/ollama-server.ts";

/** A checkout, a folder named like a model, and a state folder, in one temp folder. */
function setUp(): { work: string; repo: string; state: string } {
  const work = tempDir("hearth-model-option-");
  const repo = join(work, "repo");
  mkdirSync(repo);
  mkdirSync(join(work, "folder.gguf"));
  // A link into a disk that is not mounted now, or to a model moved since.
  symlinkSync(join(work, "unmounted", "qwen.gguf"), join(work, "link.gguf"));
  // What a download saves in a model's place: a server's error page, a Git LFS pointer (a clone without git lfs), nothing.
  writeFileSync(join(work, "page.gguf"), "\n<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n");
  writeFileSync(join(work, "pointer.gguf"), "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 19700000000\n");
  writeFileSync(join(work, "empty.gguf"), "");
  // Hugging Face's plain-text 404, saved by curl -o without -f.
  writeFileSync(join(work, "entry.gguf"), "Entry not found");
  // Ollama's store: every layer of a model is a blob named sha256-<hex>; the user took the license for the weights.
  mkdirSync(join(work, "ollama", "blobs"), { recursive: true });
  writeFileSync(join(work, "ollama", "blobs", `sha256-${"a".repeat(64)}`), "Apache License\nVersion 2.0, January 2004\n");
  mkdirSync(join(work, "ollama", "manifests", "registry.ollama.ai", "library", "qwen3.5"), { recursive: true });
  const layers = [
    { mediaType: "application/vnd.ollama.image.model", digest: `sha256:${"b".repeat(64)}`, size: 6_600_000_000 },
    { mediaType: "application/vnd.ollama.image.license", digest: `sha256:${"a".repeat(64)}`, size: 41 },
  ];
  writeFileSync(join(work, "ollama", "manifests", "registry.ollama.ai", "library", "qwen3.5", "9b"), JSON.stringify({ schemaVersion: 2, layers }));
  return { work, repo, state: join(work, "state") };
}

const bad = [
  { model: "nope.gguf", says: /^hearth (fix|chat|status): --model .+nope\.gguf: there is no such file$/m },
  { model: "folder.gguf", says: /^hearth (fix|chat|status): --model .+folder\.gguf is a folder: give a \.gguf file$/m },
  // `ls` shows it: "there is no such file" was no help.
  { model: "link.gguf", says: /^hearth (fix|chat|status): --model .+link\.gguf is a link to .+unmounted\/qwen\.gguf, which is not there \(a disk not mounted, a file moved or deleted\)$/m },
  { model: "page.gguf", says: /^hearth (fix|chat|status): --model .+page\.gguf is a web page, not a GGUF model \(it starts with <!DOCTYPE html>\): an error page saved in the model's place; download the model again \(hearth models --download\) or give the \.gguf file$/m },
  { model: "pointer.gguf", says: /^hearth (fix|chat|status): --model .+pointer\.gguf is a Git LFS pointer, not the model: run git lfs pull in the repository it came from, or download the model \(hearth models --download\)$/m },
  { model: `ollama/blobs/sha256-${"a".repeat(64)}`, says: /^hearth (fix|chat|status): --model .+\/sha256-a{64} is the license of qwen3\.5:9b in Ollama's model store, not the model: its weights are sha256-b{64} \(6\.1 GiB\) in the same folder; choose that file$/m },
  { model: "entry.gguf", says: /^hearth (fix|chat|status): --model .+entry\.gguf is text, not a GGUF model \(it reads "Entry not found"\): a server's answer saved in the model's place \(a wrong link, or a gated or private model fetched without a token\); download the model again \(hearth models --download\) or give the \.gguf file$/m },
  { model: "empty.gguf", says: /^hearth (fix|chat|status): --model .+empty\.gguf is empty: give the model's \.gguf file$/m },
];

describe("--model naming no model file", () => {
  ownStateHome("hearth-model-option-xdg-");

  for (const { model, says } of bad) {
    it(`hearth fix --model ${model}: exit 2 (bad usage, not 3, the model failed) before the run starts: no lock, no trajectory`, async () => {
      const { work, repo, state } = setUp();
      const io = captureIo(work);
      const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", model, "--yes", "--no-index", "--state-dir", state], io);
      assert.equal(code, 2, io.stderr);
      assert.match(io.stderr, says);
      assert.doesNotMatch(io.stderr, /the model failed/);
      assert.deepEqual(existsSync(state) ? readdirSync(state) : [], [], "no trajectory and no lock were written");
    });

    for (const command of [["chat", "hello"], ["status", "--no-gpu-probe"]] as const) {
      it(`hearth ${command[0]} --model ${model}: exit 2, said before a runtime starts`, async () => {
        const { work } = setUp();
        const io = captureIo(work);
        const code = await main([command[0], "--model", model, command[1]], io);
        assert.equal(code, 2, io.stderr);
        assert.match(io.stderr, says);
      });
    }
  }
});

describe("--model given empty (a script's --model \"$MODEL\" with MODEL unset)", () => {
  ownStateHome("hearth-model-option-xdg-");

  it("is no --model, as an empty --server is no server: hearth fix --model '' --server URL runs on the server, not refused as 'a folder' (the folder it ran in)", async (t) => {
    const ollama = await startFakeOllama();
    t.after(() => ollama.close());
    const { work, repo } = calcCheckout("hearth-model-option-");
    const trajectory = join(work, "run.trajectory.jsonl");
    const io = captureIo(work);
    const code = await main(["fix", "--repo", repo, "--issue", "add is wrong", "--model", "", "--server", `${ollama.base}/v1`, "--yes", "--no-index", "--state-dir", join(work, "state"), "--trajectory", trajectory], io);
    assert.notEqual(code, 2, io.stderr);
    assert.doesNotMatch(io.stderr, /--model/);
    const start = readFileSync(trajectory, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as { type: string; model?: string }).find((r) => r.type === "start");
    assert.equal(start?.model, OLLAMA_MODEL, "the run used the server's model");
  });
});
