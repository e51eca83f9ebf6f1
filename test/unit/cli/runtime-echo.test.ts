// hearth chat/status/models --verbose copy the runtime's stderr to the terminal as it arrives,
// escaped (a server or a file can name things holding controls). Native code (llama.cpp) writes
// CRLF line ends on Windows, and a pipe hands them over in pieces wherever they fall: a CR at the
// end of one piece and its LF at the start of the next is a line end, not a stray CR to show as
// `\x0d`. What waits for the next piece is printed when the stream ends.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";

// Answers initialize, then writes to stderr what each hearth/test/stderr notification holds.
const RUNTIME = resolve(import.meta.dirname, "../../fixtures/runtime/stderr-runtime.mjs");

/** Collects what is written to this process's stderr until `restore`; `until` resolves once it holds `text`. */
function capturedStderr(): { text(): string; until(text: string): Promise<void>; restore(): void } {
  const original = process.stderr.write;
  let written = "";
  const waiting: { text: string; resolve(): void }[] = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    for (const wait of waiting.filter((w) => written.includes(w.text))) {
      waiting.splice(waiting.indexOf(wait), 1);
      wait.resolve();
    }
    return true;
  }) as typeof process.stderr.write;
  return {
    text: () => written,
    until: (text) => (written.includes(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve }))),
    restore: () => {
      process.stderr.write = original;
    },
  };
}

describe("the --verbose echo of the runtime's stderr", () => {
  it("keeps a CRLF that arrives split across two pieces, escapes a lone CR, and prints a CR left at the end", async () => {
    const captured = capturedStderr();
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} }, echoLog: true });
    try {
      // The runtime's output is handed on a line at a time (runtimeOutput, dadc2d1): a piece is
      // echoed once the LF that ends its line has come, so each wait is for a line already ended
      // (waiting for "n_ctx = 4096" before its LF was sent never ended); "last" comes at the close.
      await runtime.connection.sendNotification("hearth/test/stderr", { text: "llama_context: n_ctx = 4096\r" });
      await runtime.connection.sendNotification("hearth/test/stderr", { text: "\nggml_cuda_init: found 1 device\r" });
      await captured.until("n_ctx = 4096");
      await runtime.connection.sendNotification("hearth/test/stderr", { text: "progress\x1b]0;title\x07\n" });
      await captured.until("progress");
      await runtime.connection.sendNotification("hearth/test/stderr", { text: "last\r" });
    } finally {
      await runtime.close();
      await runtime.ended;
      captured.restore();
    }
    assert.equal(captured.text(), "llama_context: n_ctx = 4096\r\nggml_cuda_init: found 1 device\\x0dprogress\\x1b]0;title\\x07\nlast\\x0d");
  });
});
