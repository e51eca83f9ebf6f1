// The built CLI under a real low limit of open files (ulimit -n in the shell that starts it,
// as a container's --ulimit nofile sets it): before, nothing named the limit, and hearth status
// failed as "system/info: NoBinaryFoundError" (at 96) or "system/info: EMFILE: too many open
// files, open '…/MuseChatWrapper.js'" (at 64) with no way out. Now a command that indexes or
// loads the model warns first, and still runs; apply-patch, which needs few files, says nothing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { MIN_OPEN_FILES, openFilesLimit } from "../../../src/protocol/open-files.ts";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** hearth with `args`, started by a shell whose limit of open files (soft and hard) is `limit` (undefined: this process's own). */
function hearthUnder(limit: number | undefined, args: readonly string[], input = "") {
  const script = `${limit === undefined ? "" : `ulimit -n ${limit} && `}exec "$0" "$@"`;
  return spawnSync("sh", ["-c", script, process.execPath, CLI, ...args], { encoding: "utf8", input, timeout: 60_000 });
}

describe("a low limit of open files", { skip: process.platform !== "linux" && "the limit is read from /proc/self/limits" }, () => {
  it("is named before hearth index, with how to raise it, and the index still runs", () => {
    const repo = tempDir("hearth-nofile-");
    writeFileSync(join(repo, "a.py"), "def f():\n    return 1\n");
    const { status, stderr, stdout } = hearthUnder(100, ["index", "--repo", repo, "--no-cache", "--quiet"]);
    assert.equal(status, 0, stderr);
    assert.match(stderr, /^hearth: warning: this process may have only 100 files open at once \(ulimit -n\), under the 256 hearth needs: .*; raise it \(ulimit -n 4096; in a container, --ulimit nofile=4096:4096\) and run again$/m);
    assert.match(stdout, /^Files: +1 \(python 1\)$/m);
  });

  it("says nothing at a limit that is enough (this process's own), nor before apply-patch", { skip: (openFilesLimit((path) => readFileSync(path, "utf8")) ?? 0) < MIN_OPEN_FILES && "this process's own limit is low" }, () => {
    const repo = tempDir("hearth-nofile-");
    writeFileSync(join(repo, "a.py"), "def f():\n    return 1\n");
    const enough = hearthUnder(undefined, ["index", "--repo", repo, "--no-cache", "--quiet"]);
    assert.equal(enough.status, 0, enough.stderr);
    assert.doesNotMatch(enough.stderr, /files open at once/);
    const patch = "--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 2\n";
    const applied = hearthUnder(100, ["apply-patch", "--repo", repo], patch);
    assert.equal(applied.status, 0, applied.stderr);
    assert.doesNotMatch(applied.stderr, /files open at once/);
  });

  // The runtime says it in its own words, as the editor shows them (VS Code starts the runtime
  // with its own limit, and no CLI warning comes before): the model's load failure was
  // "the model failed to load: NoBinaryFoundError" with Select Model, system/info's
  // "NoBinaryFoundError" or "EMFILE … open '…/node-llama-cpp/dist/…'".
  it("the runtime's model load failure and system/info name the limit and how to raise it, once", async () => {
    const model = await ensureTinyModel({ arch: "qwen35" });
    const raise = /this process may have only 80 files open at once \(ulimit -n\), under the 256 Hearth needs, so node-llama-cpp could not open its own files .*: raise the limit of the program that starts Hearth — ulimit -n 4096 in the shell that starts VS Code or hearth, LimitNOFILE=4096 in a systemd unit, --ulimit nofile=4096:4096 for a container — and start it again/;
    const chat = hearthUnder(80, ["chat", "--model", model, "--threads", "1", "--max-tokens", "1", "hi"]);
    assert.notEqual(chat.status, 0);
    assert.match(chat.stdout + chat.stderr, /the model failed to load: .*/);
    assert.match(chat.stdout + chat.stderr, raise);
    const status = hearthUnder(80, ["status", "--load", "--model", model, "--threads", "1"]);
    assert.notEqual(status.status, 0);
    assert.match(status.stderr, /^hearth status: system\/info: /m);
    assert.match(status.stderr, raise);
    assert.equal(status.stderr.split("ulimit -n 4096").length, 3, "the warning and the runtime's words, no third");
  });
});
