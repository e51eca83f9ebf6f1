// `hearth chat "$PROMPT"` with the variable unset or empty: the empty argument sent chat to read
// its prompt from stdin, which in a CI step or a script whose stdin stays open (an ssh session, a
// pipe from a process that never ends) waited for ever, and with stdin closed said 'give a prompt
// (as an argument or on stdin)' to one who had given an argument.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { main } from "../../../src/cli/main.ts";
import { captureIo } from "../../fixtures/cli-io.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("hearth chat with an empty prompt argument", () => {
  it("is refused (exit 2) as an empty argument, before any runtime starts, without reading stdin", async (t) => {
    // No model a developer downloaded is found, should the refusal be missed.
    const saved = process.env.HEARTH_HOME;
    process.env.HEARTH_HOME = tempDir("hearth-chat-empty-home-");
    t.after(() => (saved === undefined ? delete process.env.HEARTH_HOME : (process.env.HEARTH_HOME = saved)));
    for (const given of [[""], [" ", ""]]) {
      const io = captureIo(tempDir("hearth-chat-empty-prompt-"), { stdin: "hello from stdin" });
      let stdinRead = false;
      const readStdin = io.readStdin;
      io.readStdin = () => ((stdinRead = true), readStdin());
      const code = await main(["chat", "--no-rules", ...given], io);
      assert.equal(code, 2, io.stderr);
      assert.equal(stdinRead, false, "stdin was read");
      assert.match(io.stderr, /^hearth chat: the prompt given is empty \(an unset or empty variable, as in hearth chat "\$PROMPT"\?\); give the prompt's text$/m);
      assert.equal(io.stdout, "");
    }
  });
});
