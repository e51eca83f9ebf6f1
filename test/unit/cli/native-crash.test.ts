// A runtime that dies in native code (llama.cpp's GGML_ASSERT, a CUDA error) ends with a
// signal and nothing on the protocol: its last line on stderr is the only reason there is,
// and the CLI (and the extension, with the same picker) shows it beside the signal.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { RuntimeStoppedError, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { ALLOCATION_ADVICE, nativeFailureLine } from "../../../src/protocol/native-crash.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ABORTING = resolve(import.meta.dirname, "../../fixtures/runtime/aborting-runtime.mjs");

describe("a runtime's native last words", () => {
  it("picks the last line that says why native code failed, clipped, and nothing from an ordinary log", () => {
    const assertion = "/src/ggml/src/ggml.c:1796: GGML_ASSERT(a->ne[2] == b->ne[0]) failed";
    assert.equal(nativeFailureLine(`load_tensors: offloaded 0/25 layers\n${assertion}\n/lib/libggml-base.so(+0x1a2b3) [0x7f]\n`), assertion);
    assert.equal(nativeFailureLine("CUDA error: out of memory\n  current device: 0\n"), "CUDA error: out of memory");
    assert.equal(nativeFailureLine("terminate called after throwing an instance of 'std::runtime_error'\n  what():  bad\n"), "terminate called after throwing an instance of 'std::runtime_error'");
    assert.equal(nativeFailureLine("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\r\n"), "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory");
    assert.equal(nativeFailureLine(`GGML_ASSERT(${"x".repeat(1000)}) failed`)!.length, 241);
    assert.equal(nativeFailureLine("[info] index: 12 files\nllama_context: n_ctx = 4096\n"), undefined);
    assert.equal(nativeFailureLine(""), undefined);
  });

  it("says the runtime ran out of memory, and what to do, when native code could not allocate (a limit of virtual memory: ulimit -v)", () => {
    // What the runtime left on stderr loading a tiny model, 512 tokens of context, under ulimit -v 2000000 (node-llama-cpp 3.x, CPU).
    const assertion = "/home/runner/work/node-llama-cpp/node-llama-cpp/llama/llama.cpp/ggml/src/ggml.c:1644: GGML_ASSERT(ctx->mem_buffer != NULL) failed";
    const malloc = "[node-llama-cpp] ggml_aligned_malloc: insufficient memory (attempted to allocate 394.82 MB)";
    assert.equal(nativeFailureLine(`${assertion}\n${malloc}\n`), `${assertion}: ${ALLOCATION_ADVICE}`);
    assert.equal(nativeFailureLine(`${malloc}\n${assertion}\n`), `${assertion}: ${ALLOCATION_ADVICE}`);
    // A buffer ggml could not allocate is refused and the process goes on (node-llama-cpp tries a
    // smaller context): a later death with no words of its own (a SIGSEGV, a kill) is not memory's.
    const refused = "[node-llama-cpp] ggml_backend_cpu_buffer_type_alloc_buffer: failed to allocate buffer of size 414000000";
    assert.equal(nativeFailureLine(`${malloc}\n${refused}\n[node-llama-cpp] llama_init_from_model: failed to allocate compute buffers\n`), undefined);
    assert.equal(nativeFailureLine("terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\n"), `what():  std::bad_alloc: ${ALLOCATION_ADVICE}`);
    assert.match(ALLOCATION_ADVICE, /ulimit -v unlimited/);
    assert.equal(nativeFailureLine("CUDA error: out of memory\n"), "CUDA error: out of memory", "the GPU's memory: no advice about the process's");
  });

  it("hearth's CLI says the signal and the assertion when its runtime aborts natively", async () => {
    const runtime = await spawnRuntime({ runtimePath: ABORTING, initializationOptions: { settings: {} }, crashLogDir: tempDir("hearth-native-crash-") });
    try {
      await assert.rejects(
        runtime.whileRunning(runtime.connection.sendRequest("hearth/test/abort"), "while answering"),
        (error: unknown) => error instanceof RuntimeStoppedError && /^The Hearth runtime stopped unexpectedly \(signal SIGABRT: \/src\/llama\.cpp\/ggml\/src\/ggml\.c:1796: GGML_ASSERT\(a->ne\[2\] == b->ne\[0\]\) failed\) while answering; see the log at /.test(error.message),
      );
    } finally {
      await runtime.close();
    }
  });
});
