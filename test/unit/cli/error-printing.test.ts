// What a command fails with reaches the terminal through main's last catch: an MCP server's
// stderr (in why it did not start), a server's error body, a runtime's last words. Written
// by a program Hearth does not control, it may hold OSC 52 (writes the clipboard), a screen
// clear, a CR over the line before: main shows them escaped, as every other printer does.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** Anything a terminal would act on instead of show: C0 but \n and \t, DEL, C1, bidi controls. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/** What a hostile server writes: the clipboard, the window title, a clear screen, a CR over the line. */
const HOSTILE = "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07\x1b]0;title\x07\x1b[2J\u009b1A\rok \u202etxt";

describe("hearth's own error line", () => {
  it("shows an MCP server's stderr in why it did not start escaped (a usage error)", async () => {
    const dir = tempDir("hearth-error-print-");
    const entry = { command: process.execPath, args: ["-e", `process.stderr.write(${JSON.stringify(HOSTILE)}); process.exit(2)`] };
    writeFileSync(join(dir, "mcp.json"), JSON.stringify({ servers: { hostile: entry } }));
    const io = captureIo(dir);
    assert.equal(await main(["chat", "--mcp", "mcp.json", "--repo", dir, "hi"], io), 2);
    assert.equal(RAW_CONTROL.exec(io.stderr), null, JSON.stringify(io.stderr));
    assert.match(io.stderr, /it wrote: \\x1b\]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07\\x1b\]0;title\\x07\\x1b\[2J\\x9b1A\\x0dok \\u202etxt/);
  });

  it("shows an unknown command's name escaped (pasted from an issue, a script's variable)", async () => {
    const dir = tempDir("hearth-error-print-");
    const io = captureIo(dir);
    assert.equal(await main([`chat\x1b]52;c;eA==\x07`], io), 2);
    assert.equal(RAW_CONTROL.exec(io.stderr), null, JSON.stringify(io.stderr));
    assert.match(io.stderr, /unknown command "chat\\x1b\]52;c;eA==\\x07"/);
  });
});
