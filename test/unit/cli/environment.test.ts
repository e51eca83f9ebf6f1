// What hearth says about HEARTH_* variables before a command runs: a log level it does not
// know (it fell back to info without a word), names it cannot print as they are.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { environmentWarnings, ownProgramSearch } from "../../../src/cli/environment.ts";

describe("environmentWarnings", () => {
  it("names a HEARTH_LOG_LEVEL that is no level, with the accepted values", () => {
    assert.deepEqual(environmentWarnings({ HEARTH_LOG_LEVEL: "bogus" }), ["hearth: warning: HEARTH_LOG_LEVEL=bogus is not a log level: give debug, info, warn or error (info is used)"]);
    for (const level of ["debug", "info", "warn", "error", "WARN", ""]) assert.deepEqual(environmentWarnings({ HEARTH_LOG_LEVEL: level }), [], level);
  });

  it("shows a variable's name as printable ASCII: an escape or a letter outside ASCII in it never reaches the terminal as it is", () => {
    const warnings = environmentWarnings({ "HEARTH_HOM\u001bE": "x", "HEARTH_H\u00d6ME": "y" });
    assert.deepEqual(warnings, [
      "hearth: warning: HEARTH_HOM\\x1bE is not a variable hearth reads: did you mean HEARTH_HOME?",
      "hearth: warning: HEARTH_H\\u00d6ME is not a variable hearth reads: did you mean HEARTH_HOME?",
    ]);
  });

  it("says nothing of a variable named like an option when the command is given that option (a wrapper's own HEARTH_MODEL passed as --model)", () => {
    const env = { HEARTH_MODEL: "/m/q.gguf", HEARTH_THREADS: "8" };
    assert.deepEqual(environmentWarnings(env, ["fix", "--model", "/m/q.gguf", "--threads=8", "--issue", "x"]), []);
    assert.deepEqual(environmentWarnings(env, ["fix", "--issue", "--model"]).length, 1, "--threads not given: HEARTH_THREADS is named");
    assert.match(environmentWarnings(env, ["fix"]).join("\n"), /HEARTH_MODEL .*give --model FILE\.gguf/);
  });
});

// libuv's spawn on Windows asks NeedCurrentDirectoryForExePathW, which reads the variable in
// the environment of the process that spawns, not the child's: hearth's own git calls and
// `hearth fix`'s agent need it in hearth's own environment.
describe("ownProgramSearch", () => {
  it("makes hearth's own environment search programs in absolute folders only", () => {
    const win: NodeJS.ProcessEnv = { Path: '.;"C:\\Program Files\\Git\\cmd";bin', TEMP: "C:\\t" };
    ownProgramSearch(win, "win32");
    assert.deepEqual(win, { Path: '"C:\\Program Files\\Git\\cmd"', TEMP: "C:\\t", NoDefaultCurrentDirectoryInExePath: "1" });
    const posix: NodeJS.ProcessEnv = { PATH: ".::/usr/bin", LD_LIBRARY_PATH: ":", HOME: "/h" };
    ownProgramSearch(posix, "linux");
    assert.deepEqual(posix, { PATH: "/usr/bin", HOME: "/h" });
  });
});

// A variable set to nothing says something: CUDA_VISIBLE_DEVICES= hides every GPU from
// llama.cpp, GIT_CONFIG_NOSYSTEM= and NO_COLOR= are set. The search-path rule must not drop it
// from hearth's own environment, nor from the runtime's (both take programSearchEnv's answer).
describe("ownProgramSearch keeps what it does not cut", () => {
  it("keeps a variable set to the empty text, and drops only an emptied search path", () => {
    for (const platform of ["linux", "win32"] as const) {
      const env: NodeJS.ProcessEnv = { CUDA_VISIBLE_DEVICES: "", NO_COLOR: "", HOME: "/h", PATH: platform === "win32" ? "." : ":" };
      ownProgramSearch(env, platform);
      assert.deepEqual(env, { CUDA_VISIBLE_DEVICES: "", NO_COLOR: "", HOME: "/h", ...(platform === "win32" ? { NoDefaultCurrentDirectoryInExePath: "1" } : {}) }, platform);
    }
  });
});
