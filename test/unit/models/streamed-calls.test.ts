// StreamedCalls against a server that gives every piece of a call a new id and repeats the
// name (37c095d): whether such a piece continues its call is decided from the call's
// arguments so far, and that decision must cost the piece's own length, not the whole
// arguments' again: a 400 KB write_file in 4-character pieces cost 23 s of the runtime's
// event loop when each piece looked at (and V8 copied) everything written before it.
// The work is counted (StreamedCalls.steps), never timed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StreamedCalls } from "../../../src/models/openai-wire.ts";

function piece(index: number | undefined, id: string, name: string, args: string) {
  return { ...(index === undefined ? {} : { index }), id, type: "function" as const, function: { name, arguments: args } };
}

describe("StreamedCalls", () => {
  it("tells a piece with a new id from a new call at a cost of that piece's length, not the arguments' so far", () => {
    const args = JSON.stringify({ path: "a.ts", content: "function f() {\n  return {};\n}\n".repeat(2_000) });
    for (const index of [0, undefined]) {
      const calls = new StreamedCalls();
      let n = 0;
      for (let at = 0; at < args.length; at += 4) calls.add(piece(index, `p${n++}`, "write_file", args.slice(at, at + 4)));
      calls.add(piece(index, `p${n++}`, "write_file", '{"path":"b.ts","content":""}'));
      assert.deepEqual(calls.list().map((c) => [c.id, c.name, JSON.parse(c.args).path]), [["p0", "write_file", "a.ts"], [`p${n - 1}`, "write_file", "b.ts"]], String(index));
      assert.ok(calls.steps <= 2 * (args.length + 64), `${calls.steps} steps for ${args.length} characters of arguments (index ${index})`);
    }
  });

  it("reads arguments as whole only when their object closes: braces in strings, escaped quotes and trailing spaces", () => {
    const cases: Array<[string[], number]> = [
      [['{"a":"}', '"}'], 1],
      [['{"a":"\\"}', '"}'], 1],
      [['{"a":{"b":1}', "}"], 1],
      [['{"a":1}  ', '{"a":2}'], 2],
      [['{"a":1} x', "}"], 1],
      [["", '{"a":1}'], 1],
      [['{"a":"\\\\"}', '{"a":2}'], 2],
    ];
    for (const [pieces, count] of cases) {
      const calls = new StreamedCalls();
      pieces.forEach((args, n) => calls.add(piece(0, `q${n}`, "read_file", args)));
      assert.equal(calls.list().length, count, JSON.stringify(pieces));
    }
  });

  it("a space or line end after the object, in a piece with a new id and the name again, ends the call, not a call of its own", () => {
    for (const index of [0, undefined]) {
      const calls = new StreamedCalls();
      ['{"path":', '"a.ts"}', "\n", '{"path":"b.ts"}', " "].forEach((args, n) => calls.add(piece(index, `r${n}`, "read_file", args)));
      assert.deepEqual(calls.list().map((c) => c.args), ['{"path":"a.ts"}\n', '{"path":"b.ts"} '], String(index));
    }
    // A server that names each call's id once (no index): a new call's first piece, its name and no arguments yet, is still a new call.
    const once = new StreamedCalls();
    once.add(piece(undefined, "s0", "read_file", '{"path":"a.ts"}'));
    once.add(piece(undefined, "s1", "read_file", ""));
    once.add({ function: { arguments: '{"path":"b.ts"}' } });
    assert.deepEqual(once.list().map((c) => [c.id, c.args]), [["s0", '{"path":"a.ts"}'], ["s1", '{"path":"b.ts"}']]);
  });

  it("a second call of the same tool whose first piece (its id and name) holds the model's line end before the object is still a call of its own, its later pieces without an id", () => {
    for (const index of [0, undefined]) {
      const calls = new StreamedCalls();
      calls.add(piece(index, "c0", "read_file", '{"path":"a.ts"}'));
      calls.add(piece(index, "c1", "read_file", "\n"));
      calls.add({ ...(index === undefined ? {} : { index }), function: { arguments: '{"path":' } });
      calls.add({ ...(index === undefined ? {} : { index }), function: { arguments: '"b.ts"}' } });
      assert.deepEqual(calls.list().map((c) => [c.id, c.name, c.args]), [["c0", "read_file", '{"path":"a.ts"}'], ["c1", "read_file", '\n{"path":"b.ts"}']], String(index));
    }
  });

  it("a second call of a tool with no parameters, its arguments only a line end, at the end of the stream is a call of its own where the first call's pieces kept one id", () => {
    for (const index of [0, undefined]) {
      const at = index === undefined ? {} : { index };
      // The id once per call, then in every piece: c1 is a new call either way.
      for (const later of [{ ...at, function: { arguments: "}" } }, { ...piece(index, "c0", "list_tools", "}") }]) {
        const calls = new StreamedCalls();
        calls.add(piece(index, "c0", "list_tools", "{"));
        calls.add(later);
        calls.add(piece(index, "c1", "list_tools", "\n"));
        assert.deepEqual(calls.list().map((c) => [c.id, c.name, c.args]), [["c0", "list_tools", "{}"], ["c1", "list_tools", "\n"]], String(index));
      }
      // A server that gives every piece a new id: the line end is still the call's own.
      const calls = new StreamedCalls();
      calls.add(piece(index, "p0", "list_tools", "{"));
      calls.add(piece(index, "p1", "list_tools", "}"));
      calls.add(piece(index, "p2", "list_tools", "\n"));
      assert.deepEqual(calls.list().map((c) => [c.id, c.args]), [["p0", "{}\n"]], String(index));
    }
  });
});

