// Ctrl-C in a terminal signals the whole foreground process group: hearth chat and the
// runtime it spawned both get SIGINT, and the runtime ends by that signal. A stop the user
// asked for is no crash: no "crash" log is left behind for it. A runtime that dies on its
// own still leaves one.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { RuntimeStoppedError, spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { tempDir } from "../../fixtures/temp.ts";

// Answers initialize, then waits on stdin until it is signalled.
const RUNTIME = resolve(import.meta.dirname, "../../fixtures/runtime/aborting-runtime.mjs");

/** The crash logs written into `dir`. */
const logs = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

/** Waits until the runtime's end has been dealt with (a crash recorded or not): a request in flight then fails. */
async function ending(runtime: Awaited<ReturnType<typeof spawnRuntime>>): Promise<unknown> {
  try {
    await runtime.whileRunning(new Promise(() => undefined), "while answering");
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("a runtime stopped by the user", () => {
  it("SIGINT (Ctrl-C reaches the runtime too): no crash log", async () => {
    const dir = join(tempDir("hearth-interrupted-"), "logs");
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} }, crashLogDir: dir });
    try {
      runtime.child.kill("SIGINT");
      const error = await ending(runtime);
      assert.ok(error instanceof RuntimeStoppedError, String(error));
      assert.equal(error.crash.signal, "SIGINT");
      assert.equal(error.crash.logPath, undefined);
      assert.deepEqual(logs(dir), []);
    } finally {
      await runtime.close();
    }
  });

  it("SIGTERM after hearth itself was told to stop (a CI timeout signals the process group): no crash log", async () => {
    const dir = join(tempDir("hearth-interrupted-"), "logs");
    const controller = new AbortController();
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} }, crashLogDir: dir, signal: controller.signal });
    try {
      controller.abort();
      runtime.child.kill("SIGTERM");
      const crash = await runtime.ended;
      assert.equal(crash?.signal, "SIGTERM");
      assert.equal(crash?.logPath, undefined);
      assert.deepEqual(logs(dir), []);
    } finally {
      await runtime.close();
    }
  });

  it("but one killed from outside while hearth ran on (SIGKILL: out of memory) leaves its log", async () => {
    const dir = join(tempDir("hearth-interrupted-"), "logs");
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, initializationOptions: { settings: {} }, crashLogDir: dir });
    try {
      runtime.child.kill("SIGKILL");
      const error = await ending(runtime);
      assert.ok(error instanceof RuntimeStoppedError && error.crash.logPath, String(error));
      assert.equal(logs(dir).length, 1);
    } finally {
      await runtime.close();
    }
  });
});
