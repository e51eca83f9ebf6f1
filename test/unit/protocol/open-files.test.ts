// A low limit of open files (a container's --ulimit nofile=64, ulimit -n 64 in the shell):
// loading node-llama-cpp failed as "Cannot find package '…/ipull/index.js'" or
// "NoBinaryFoundError", and indexing as a bare "EMFILE: too many open files, open '…'", with no
// word of the limit or how to raise it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { lowOpenFilesWarning, MIN_OPEN_FILES, modelLoadAdvice, openFilesAdvice, openFilesLimit } from "../../../src/protocol/open-files.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             96367                96367                processes
Max open files            64                   64                   files
Max locked memory         8388608              8388608              bytes
`;

/** An error as node's fs gives it for a full table of open files. */
function fsError(code: string, words: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${words}, open '/repo/a.py'`), { code, syscall: "open", path: "/repo/a.py" });
}

describe("open files limit", () => {
  it("reads the process's limit from /proc/self/limits, and nothing where there is none (macOS, Windows)", () => {
    assert.equal(openFilesLimit(() => LIMITS), 64);
    assert.equal(openFilesLimit(() => { throw fsError("ENOENT", "no such file or directory"); }), undefined);
    assert.equal(openFilesLimit(() => "something else"), undefined);
    assert.equal(typeof openFilesLimit((path) => readFileSync(path, "utf8")), process.platform === "linux" ? "number" : "undefined");
  });

  it("warns under the limit hearth needs, with how to raise it; says nothing at it or where it is not known", () => {
    assert.equal(lowOpenFilesWarning(64), `hearth: warning: this process may have only 64 files open at once (ulimit -n), under the ${MIN_OPEN_FILES} hearth needs: loading the model then fails (as a missing package or binary) and indexing may fail with "too many open files"; raise it (ulimit -n 4096; in a container, --ulimit nofile=4096:4096) and run again`);
    assert.equal(lowOpenFilesWarning(MIN_OPEN_FILES), undefined);
    assert.equal(lowOpenFilesWarning(undefined), undefined);
  });

  it("says what to do for EMFILE (node's, or the runtime's words) and ENFILE, and nothing for other errors", () => {
    assert.equal(openFilesAdvice(fsError("EMFILE", "too many open files"), 64), "too many files open at once for this process's limit (ulimit -n: 64): raise it (ulimit -n 4096; in a container, --ulimit nofile=4096:4096) and run again");
    assert.match(openFilesAdvice(new Error("system/info: EMFILE: too many open files, open '/x/MuseChatWrapper.js'"), undefined) ?? "", /^too many files open at once for this process's limit \(ulimit -n\): raise it/);
    assert.match(openFilesAdvice(fsError("ENFILE", "file table overflow"), 64) ?? "", /^the system's table of open files is full .*fs\.file-max/);
    assert.equal(openFilesAdvice(fsError("ENOENT", "no such file or directory"), 64), undefined);
    assert.equal(openFilesAdvice("EMFILES are not a thing", 64), undefined);
  });

  it("names the limit in a failure to load node-llama-cpp under it (the runtime's words, as the editor shows them), and only there", () => {
    const noBinary = Object.assign(new Error("NoBinaryFoundError"), { name: "NoBinaryFoundError" });
    const raise = "raise the limit of the program that starts Hearth — ulimit -n 4096 in the shell that starts VS Code or hearth, LimitNOFILE=4096 in a systemd unit, --ulimit nofile=4096:4096 for a container — and start it again";
    assert.equal(modelLoadAdvice(noBinary, 96), `this process may have only 96 files open at once (ulimit -n), under the ${MIN_OPEN_FILES} Hearth needs, so node-llama-cpp could not open its own files (it then reads as a missing package or binary): ${raise}`);
    assert.match(modelLoadAdvice(new Error("Cannot find package '/x/node_modules/ipull/index.js' imported from /x/a.js"), 128) ?? "", /only 128 files .*LimitNOFILE=4096/);
    assert.match(modelLoadAdvice(fsError("EMFILE", "too many open files"), undefined) ?? "", /^this process's limit of open files \(ulimit -n\) was reached, .*LimitNOFILE=4096/);
    assert.match(modelLoadAdvice(fsError("EMFILE", "too many open files"), 65536) ?? "", /LimitNOFILE=4096/, "EMFILE at any limit");
    assert.match(modelLoadAdvice(fsError("ENFILE", "file table overflow"), 65536) ?? "", /fs\.file-max/);
    assert.equal(modelLoadAdvice(noBinary, 65536), undefined, "no binary at a limit that is enough: the install's");
    assert.equal(modelLoadAdvice(noBinary, undefined), undefined, "nor where the limit is not known");
    assert.equal(modelLoadAdvice(new Error("llama_model_load: error loading model: tensor 'x' has wrong shape"), 96), undefined, "the model's own failure is not the limit's");
  });
});
