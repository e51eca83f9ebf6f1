import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError, parseFlags } from "../../../src/cli/command.ts";
import { main } from "../../../src/cli/main.ts";
import { COMMANDS } from "../../../src/cli/commands.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out, err,
    io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), readStdin: async () => "", cwd: process.cwd(), signal: new AbortController().signal },
  };
}

describe("hearth CLI", () => {
  it("--help lists every command with its summary", async () => {
    const c = capture();
    assert.equal(await main(["--help"], c.io), 0);
    const text = c.out.join("");
    for (const command of COMMANDS) assert.match(text, new RegExp(`\\n  ${command.name}\\s+${command.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("an unknown command exits 2 with the help on stderr", async () => {
    const c = capture();
    assert.equal(await main(["frobnicate"], c.io), 2);
    assert.match(c.err.join(""), /unknown command "frobnicate"[\s\S]*Commands:/);
  });

  it("a command's --help prints its usage without running it", async () => {
    const c = capture();
    assert.equal(await main(["status", "--help"], c.io), 0);
    assert.match(c.out.join(""), /^hearth status/);
  });

  it("a bad flag exits 2 with the command's usage", async () => {
    const c = capture();
    assert.equal(await main(["status", "--bogus"], c.io), 2);
    assert.match(c.err.join(""), /unknown option --bogus[\s\S]*hearth status/);
  });
});

describe("parseFlags", () => {
  const spec = { repo: "string", json: "boolean", top: "string" } as const;
  it("reads --name value, --name=value, booleans and positionals", () => {
    assert.deepEqual(parseFlags(["--repo", "/r", "--top=5", "--json", "x"], spec), { flags: { repo: "/r", top: "5", json: true }, positional: ["x"] });
  });
  it("rejects unknown flags, missing values and values on booleans", () => {
    assert.throws(() => parseFlags(["--nope"], spec), UsageError);
    assert.throws(() => parseFlags(["--repo"], spec), /needs a value/);
    assert.throws(() => parseFlags(["--repo", "--json"], spec), /needs a value/);
    assert.throws(() => parseFlags(["--json=1"], spec), /takes no value/);
  });
});
