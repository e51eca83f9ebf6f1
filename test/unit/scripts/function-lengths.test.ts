// src/runtime is wiring only (issue 17): no function there is over 50 lines. The first
// test proves the measure counts what it should; the second holds the rule on the code.
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";
// @ts-expect-error: a plain .mjs script without types
import { checkFolder, longFunctions } from "../../../scripts/function-lengths.mjs";

const ROOT = resolve(import.meta.dirname, "../../..");

/** A function of exactly `lines` lines, written the way `kind` says. */
function functionOf(kind: "declaration" | "arrow" | "method", lines: number): string {
  const body = Array.from({ length: lines - 2 }, (_, i) => `  const v${i} = ${i};`).join("\n");
  if (kind === "declaration") return `export function wire() {\n${body}\n}\n`;
  if (kind === "arrow") return `connection.onRequest(X, guard("x", async () => {\n${body}\n}));\n`;
  return `class S {\n  handle() {\n${body}\n  }\n}\n`;
}

describe("function lengths in src/runtime", () => {
  it("counts functions, arrows passed to a call and methods, from the first line to the last", () => {
    for (const kind of ["declaration", "arrow", "method"] as const) {
      assert.deepEqual(longFunctions("src/runtime/x.ts", functionOf(kind, 50)), [], kind);
      const problems: string[] = longFunctions("src/runtime/x.ts", functionOf(kind, 51));
      assert.equal(problems.length, 1, `${kind}: ${problems.join("; ")}`);
      assert.match(problems[0]!, /is 51 lines \(at most 50\)/);
    }
  });

  it("finds no function over 50 lines in src/runtime", () => {
    assert.deepEqual(checkFolder(ROOT, "src/runtime"), []);
  });
});
