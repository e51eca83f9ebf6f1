// `hearth models --download` with a misspelt preset or quantization: a script read exit 1
// ("failed": a network error, worth a retry) for what is bad usage (2), and a runtime was
// started, "0% starting" printed, before the name was looked at.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";

describe("hearth models --download with a name it does not know", () => {
  it("an unknown preset is bad usage (exit 2), said with the known ones, and as JSON with --json", async () => {
    const io = captureIo("/");
    assert.equal(await main(["models", "--download", "qwen3.5-9b", "--json"], io), 2, io.stderr);
    assert.match(io.stderr, /^hearth models: unknown model preset "qwen3\.5-9b" \(known: .*qwen3\.5-0\.8b\)$/m);
    assert.doesNotMatch(io.stderr, /starting/);
    assert.match((JSON.parse(io.stdout) as { error: { message: string } }).error.message, /^unknown model preset "qwen3\.5-9b"/);
  });

  it("an unknown quantization is bad usage (exit 2), said with those the preset has", async () => {
    const io = captureIo("/");
    assert.equal(await main(["models", "--download", "qwen3.5-0.8b", "--quant", "Q9"], io), 2, io.stderr);
    assert.match(io.stderr, /^hearth models: Qwen3\.5-0\.8B has no quantization "Q9" \(choose Q8_0\)$/m);
  });
});

describe("hearth models with options that do not go together", () => {
  // --cuda ran alone, exit 0, and the model named by --download was never fetched, with no word.
  for (const [args, says] of [
    [["--download", "qwen3.5-0.8b", "--cuda"], /^hearth models: give --download or --cuda, not both: run hearth models --cuda, then hearth models --download \.\.\.$/m],
    [["--quant", "Q8_0"], /^hearth models: --quant goes with --download PRESET$/m],
    [["--cuda-ext"], /^hearth models: --cuda-ext goes with --cuda$/m],
  ] as const) {
    it(`${args.join(" ")}: bad usage (exit 2), nothing started`, async () => {
      const io = captureIo("/");
      assert.equal(await main(["models", ...args], io), 2, io.stderr);
      assert.match(io.stderr, says);
    });
  }
});
