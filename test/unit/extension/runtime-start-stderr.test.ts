// How a runtime that died is told: native code's last words on its stderr (a GGML_ASSERT with
// the path of the model or source it was in). The pipe cuts stderr where it likes: a character
// cut in two (an accented folder name, as most users' home folders outside English have) came
// out as replacement characters in the message the user sees.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { it } from "node:test";
import { RuntimeStart } from "../../../src/extension/runtime-start.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

it("names native code's last words whole, however the pipe cut a character in them", async () => {
  const stderr = new PassThrough();
  const child = Object.assign(new EventEmitter(), { stderr, pid: 4242, exitCode: null as number | null, signalCode: "SIGABRT", kill: () => true });
  const ended = new Promise<string>((done) => new RuntimeStart(child as unknown as ChildProcess, { hung: () => assert.fail("not a hang"), ended: done }, { timers: new FakeClock() }));
  const words = Buffer.from("/home/zoë/llama.cpp/ggml.c:1234: GGML_ASSERT(n_tokens <= n_batch) failed\n");
  const cut = words.indexOf(Buffer.from("ë")) + 1;
  stderr.write(words.subarray(0, cut));
  await new Promise<void>((done) => setImmediate(done));
  stderr.end(words.subarray(cut));
  child.emit("exit", null, "SIGABRT");
  assert.equal(await ended, "killed by SIGABRT: /home/zoë/llama.cpp/ggml.c:1234: GGML_ASSERT(n_tokens <= n_batch) failed");
});
