// A Linux file whose name is not UTF-8 (caf\xe9.txt, written by a Latin-1 tool or unpacked
// from an old archive): Node reads its name with U+FFFD for the byte, a name no file has.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runTool, toolByName } from "../../../src/tools/index.ts";
import { workspaceWith } from "./helpers/setup.ts";

const call = (ctx: Parameters<typeof runTool>[2], tool: string, input: Record<string, string>) => runTool(toolByName(tool)!, input, ctx);
const latin1 = (root: string, name: string) => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(name, "latin1")]);

describe("files whose names are not UTF-8", { skip: process.platform === "darwin" || process.platform === "win32" ? "only Linux keeps a name's bytes as written" : false }, () => {
  it("list_files and search say such a file is there and how to reach it, rather than leaving it out; a real caf\uFFFD.txt beside it is listed once", async () => {
    const { root, ctx } = workspaceWith({ "a.txt": "needle\n", "sub/b.txt": "needle\n" });
    writeFileSync(latin1(root, "caf\xe9.txt"), "needle\n");
    writeFileSync(latin1(root, "sub/na\xefve.txt"), "needle\n");
    writeFileSync(join(root, "sub", "caf\uFFFD.txt"), "needle\n");
    writeFileSync(latin1(root, "sub/caf\xe9.txt"), "needle\n");
    const note = (done: string) =>
      `[Not ${done}: 3 files whose names are not UTF-8, shown here with U+FFFD (\uFFFD) for each byte that is not: "caf\uFFFD.txt", "sub/caf\uFFFD.txt", "sub/na\uFFFDve.txt". The tools cannot name them; reach them with run_command, a shell glob standing for the byte (ls caf?.txt), or rename them to UTF-8 (convmv, or mv with the glob).]`;
    assert.equal((await call(ctx, "list_files", {})).text, `a.txt\nsub/b.txt\nsub/caf\uFFFD.txt\n${note("listed")}`);
    const search = await call(ctx, "search", { pattern: "needle" });
    assert.ok(search.text.startsWith("a.txt:1: needle\nsub/b.txt:1: needle\nsub/caf\uFFFD.txt:1: needle\n"), search.text);
    assert.ok(search.text.includes(note("searched")), search.text);
  });
});
