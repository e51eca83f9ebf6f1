// hearth's own git calls (the checkout's top, before `hearth fix`) and the runtime it starts
// run in a repository somebody else wrote. An empty or relative PATH entry (`PATH=.:$PATH`,
// `PATH=$EXTRA:$PATH` with EXTRA unset) stands for that folder: its own ./git ran in place of
// git, and the runtime (checkpoints, the agent's commands) got the same PATH. The VS Code
// runtime already had absolute entries only (runtime-env.ts); the CLI now shares that rule.
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, it } from "node:test";
import { checkoutRoot } from "../../../src/cli/checkout-root.ts";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("the hearth CLI's program search", { skip: process.platform === "win32" && "a #! script stands for git here" }, () => {
  it("runs git from PATH, never the checked-out folder's own ./git through a relative PATH entry", () => {
    const folder = tempDir("hearth-cli-path-");
    const marker = join(folder, "ran");
    writeFileSync(join(folder, "git"), `#!/bin/sh\necho planted > '${marker}'\nexit 1\n`);
    chmodSync(join(folder, "git"), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `.${delimiter}${delimiter}${saved}`;
    try {
      checkoutRoot(folder);
    } finally {
      process.env.PATH = saved;
    }
    assert.equal(existsSync(marker), false, "the folder's own ./git ran");
  });

  it("starts the runtime with absolute search-path entries only", async () => {
    const folder = tempDir("hearth-cli-runtime-env-");
    const seen = join(folder, "env.json");
    const runtime = join(folder, "runtime.mjs");
    writeFileSync(runtime, `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(seen)}, JSON.stringify(process.env));\n`);
    const env = { ...process.env, PATH: `.${delimiter}bin${delimiter}${process.env.PATH}`, LD_LIBRARY_PATH: `${delimiter}/usr/local/cuda/lib64` };
    await spawnRuntime({ runtimePath: runtime, initializationOptions: { settings: {} }, env }).then(
      (started) => started.close(),
      () => undefined, // it ends before initialize: only its environment counts here
    );
    const got = JSON.parse(readFileSync(seen, "utf8")) as NodeJS.ProcessEnv;
    assert.equal(got.PATH, process.env.PATH);
    assert.equal(got.LD_LIBRARY_PATH, "/usr/local/cuda/lib64");
  });
});
