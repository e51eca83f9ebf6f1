// The index cache in a storage folder two processes share (two VS Code windows on one folder,
// each with its own runtime): a runtime killed while it wrote the cache (its window closed
// during the first index) leaves a temporary file as big as the cache itself.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { loadCache, saveCache } from "../../../src/indexer/cache.ts";
import { tempDir } from "../../fixtures/temp.ts";

/** A real process: running until killed, or already gone. */
async function processOf(kind: "running" | "gone"): Promise<{ pid: number; kill(): void }> {
  const child = spawn(process.execPath, ["-e", kind === "running" ? "setInterval(() => {}, 1 << 30)" : ""], { stdio: "ignore" });
  await once(child, "spawn");
  if (kind === "gone") await once(child, "exit");
  return { pid: child.pid!, kill: () => child.kill("SIGKILL") };
}

describe("index cache leftovers", () => {
  it("a save removes the temporary files of processes that died writing the cache, not those of one still writing", async (t) => {
    const dir = tempDir("hearth-index-cache-");
    const file = join(dir, "index-0123456789abcdef.bin");
    const killed = await processOf("gone");
    const writing = await processOf("running");
    t.after(() => writing.kill());
    const leftover = `${basename(file)}.${killed.pid}.1700000000000.tmp`;
    const inProgress = `${basename(file)}.${writing.pid}.1700000000001.tmp`;
    writeFileSync(join(dir, leftover), Buffer.alloc(1024, 1));
    writeFileSync(join(dir, inProgress), Buffer.alloc(1024, 2));
    writeFileSync(join(dir, "notes.tmp"), "not ours");

    await saveCache(file, "key", { root: "/repo", files: [], skipped: [] });
    assert.deepEqual(readdirSync(dir).sort(), [basename(file), inProgress, "notes.tmp"].sort());
    assert.equal((await loadCache(file, "key", "/repo")).ok, true);
  });
});
