// Hearth's per-folder storage (VS Code's workspaceStorage/<id>/hearth.hearth: conversations,
// checkpoint stores, the index of private code) an older Hearth made 0755 under umask 022: every
// user of a shared machine could list it and read what in it was 0644 then (the index cache,
// until its next save). The runtime makes it this user's alone when it starts. Built runtime over
// LSP.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { BUILT_RUNTIME as RUNTIME, closedAfterAll } from "../../fixtures/built-runtime.ts";
import { tempDir } from "../../fixtures/temp.ts";

const running = closedAfterAll();
const mode = (path: string): number => statSync(path).mode & 0o777;

describe("the runtime's storage folder on a shared machine", () => {
  it("makes the storage folder an older Hearth left 0755 this user's alone when it starts", { timeout: 60_000 }, async () => {
    const root = tempDir("hearth-storage-private-ws-");
    const storage = join(tempDir("hearth-storage-private-"), "hearth.hearth");
    mkdirSync(join(storage, "index"), { recursive: true });
    writeFileSync(join(storage, "index", "index-0123456789abcdef.bin"), "an older Hearth's cache", { mode: 0o644 });
    for (const dir of [storage, join(storage, "index")]) chmodSync(dir, 0o755);
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, rootPath: root, initializationOptions: { settings: {}, storagePath: storage } });
    running.push(runtime);
    assert.equal(mode(storage), 0o700);
  });
});
