// The options that set one of Hearth's settings (--threads, --context) and chat's --max-tokens:
// a value the setting cannot take is bad usage before anything starts, not the default taken
// without a word on the terminal (the runtime's warning went to its log only). Through main,
// as a user types them; the runtime is never started for these.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../../src/cli/main.ts";
import { tempDir } from "../../fixtures/temp.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), readStdin: async () => "", cwd: process.cwd(), signal: new AbortController().signal } };
}

async function usageError(args: string[]): Promise<string> {
  const c = capture();
  assert.equal(await main(args, c.io), 2, `${args.join(" ")}: ${c.err.join("")}`);
  return c.err.join("").split("\n")[0]!;
}

describe("setting options out of the setting's range", () => {
  it("hearth chat --threads, --context and --max-tokens", async () => {
    const chat = (...flags: string[]) => usageError(["chat", "--model", "/nowhere/m.gguf", ...flags, "hi"]);
    assert.equal(await chat("--threads", "1000"), 'hearth chat: --threads needs a whole number of CPU threads from 0 to 256 (0 = automatic), not "1000"');
    assert.equal(await chat("--context", "300000"), 'hearth chat: --context needs a whole number of tokens from 0 to 262,144 (0 = auto), not "300000"');
    // Number() reads these as 0, 1000 and 16.
    assert.equal(await chat("--context", ""), 'hearth chat: --context needs a whole number of tokens from 0 to 262,144 (0 = auto), not ""');
    assert.equal(await chat("--context", "1e3"), 'hearth chat: --context needs a whole number of tokens from 0 to 262,144 (0 = auto), not "1e3"');
    assert.equal(await chat("--threads", "0x10"), 'hearth chat: --threads needs a whole number of CPU threads from 0 to 256 (0 = automatic), not "0x10"');
    assert.equal(await chat("--max-tokens", "0"), 'hearth chat: --max-tokens needs a positive whole number, not "0"');
  });

  it("hearth status --threads and hearth fix --threads", async () => {
    assert.equal(await usageError(["status", "--threads", "257", "--no-gpu-probe"]), 'hearth status: --threads needs a whole number of CPU threads from 0 to 256 (0 = automatic), not "257"');
    const repo = tempDir("hearth-setting-options-");
    assert.equal(await usageError(["fix", "--repo", repo, "--issue", "add is wrong", "--yes", "--threads", "1000"]), 'hearth fix: --threads needs a whole number of CPU threads from 0 to 256 (0 = automatic), not "1000"');
  });

  // A number typed as the user's language writes it (German 1.000 is a thousand, 1,5 one and a
  // half): Number() read "1.000" as 1 and "1.024" as 1.024 KiB, and the command ran on that.
  it("every whole-number option refuses a thousands separator or a decimal point", async () => {
    const repo = tempDir("hearth-number-options-");
    writeFileSync(join(repo, "a.py"), "def a():\n    return 1\n");
    const grouped = ": write it with digits alone, no thousands separator or decimal point";
    const index = (...flags: string[]) => usageError(["index", "--repo", repo, "--no-cache", "--no-history", "--quiet", ...flags]);
    assert.equal(await index("--max-file-kb", "1.024"), `hearth index: --max-file-kb needs a positive whole number of KiB, not "1.024"${grouped}`);
    assert.equal(await index("--max-file-kb", "1,5"), `hearth index: --max-file-kb needs a positive whole number of KiB, not "1,5"${grouped}`);
    assert.equal(await index("--max-files", "1.000"), `hearth index: --max-files needs a positive whole number, not "1.000"${grouped}`);
    assert.equal(await index("--max-files", "1e3"), 'hearth index: --max-files needs a positive whole number, not "1e3"');
    assert.equal(await usageError(["map", "--repo", repo, "--no-cache", "--no-history", "--quiet", "--tokens", "2.000"]), `hearth map: --tokens needs a positive whole number, not "2.000"${grouped}`);
    assert.equal(await usageError(["locate", "--repo", repo, "--no-cache", "--no-history", "--quiet", "--top", "1.000", "a"]), `hearth locate: --top needs a positive whole number, not "1.000"${grouped}`);
    assert.equal(await usageError(["fix", "--repo", repo, "--issue", "a is wrong", "--yes", "--max-steps", "1.000"]), `hearth fix: --max-steps needs a positive whole number, not "1.000"${grouped}`);
    assert.equal(await usageError(["chat", "--model", "/nowhere/m.gguf", "--max-tokens", "1 024", "hi"]), `hearth chat: --max-tokens needs a positive whole number, not "1 024"${grouped}`);
    assert.equal(await usageError(["chat", "--model", "/nowhere/m.gguf", "--context", "32.768", "hi"]), `hearth chat: --context needs a whole number of tokens from 0 to 262,144 (0 = auto), not "32.768"${grouped}`);
    // As typed without them, each is taken.
    const ok = capture();
    assert.equal(await main(["index", "--repo", repo, "--no-cache", "--no-history", "--quiet", "--max-file-kb", "1024", "--max-files", "1000"], ok.io), 0, ok.err.join(""));
  });
});
