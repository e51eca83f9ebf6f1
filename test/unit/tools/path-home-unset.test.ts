// `~` in a tool's path with HOME empty or relative (a systemd unit's `Environment=HOME=`, a CI
// step's env): os.homedir() is then HOME as it is, so `~` was "" — the workspace root — and
// `~/x` with HOME=. was ./x, a file of the workspace. `~` is the user's home folder from the
// system's user list then, outside the workspace, as with a set HOME.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { runTool, toolByName } from "../../../src/tools/index.ts";
import { workspaceWith } from "./helpers/setup.ts";

const call = (ctx: Parameters<typeof runTool>[2], tool: string, input: Record<string, string>) => runTool(toolByName(tool)!, input, ctx);

describe("~ in a path with HOME empty or relative", () => {
  for (const home of ["", "."]) {
    it(`HOME=${JSON.stringify(home)}: ~ and ~/x are the user's home folder, outside the workspace, never its root`, async () => {
      const saved = process.env.HOME;
      process.env.HOME = home;
      try {
        const { root, ctx } = workspaceWith({ "a.ts": "a\n" });
        const write = await call(ctx, "write_file", { path: "~/notes.txt", content: "n\n" });
        assert.match(write.text, /^Error \(outside-workspace\)/);
        const list = await call(ctx, "list_files", { path: "~" });
        assert.match(list.text, /^Error \(outside-workspace\)/);
        assert.deepEqual(readdirSync(root), ["a.ts"]);
      } finally {
        process.env.HOME = saved;
      }
    });
  }
});
