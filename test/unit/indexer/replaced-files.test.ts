// A ranked file replaced after indexing — by a FIFO, a file far over the index's size limit,
// a link to /dev/zero — is read again by the quotes and the entities of a query. Each query
// runs on a thread of its own (helpers/in-thread.ts): a read that blocks ends with the
// test's timeout; the assertions are about what the answer says.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inThread } from "./helpers/in-thread.ts";

const READS = new URL("./helpers/replaced-reads.ts", import.meta.url);
const HANG = { timeout: 60_000 };

describe("a ranked file replaced after indexing", () => {
  it("as it was: its message is quoted and its function named (the reference for the cases below)", HANG, async (t) => {
    const out = await inThread<string[]>(READS, "rankReplaced", ["none"], t.signal);
    assert.match(out.find((l) => l.startsWith("resize_widget:")) ?? "", /^resize_widget: quotes "the widget cannot be resized below its minimum width"; .*named in the issue/, out.join("\n"));
  });

  for (const [replacement, what] of [
    ["fifo", "a pipe, socket or device"],
    ["dev-zero", "a pipe, socket or device"],
    ["over-limit", "1,073,741,824 bytes, over the index's limit of 4,096"],
  ] as const) {
    it(`by ${replacement === "fifo" ? "a FIFO" : replacement === "dev-zero" ? "a link to /dev/zero" : "a 1 GB (sparse) file"}: not read, and its entities say so`, HANG, async (t) => {
      const out = await inThread<string[]>(READS, "rankReplaced", [replacement], t.signal);
      const entity = out.find((l) => l.startsWith("resize_widget:")) ?? "";
      assert.match(entity, /named in the issue/, out.join("\n"));
      assert.ok(entity.includes(`its file was not read now (${what})`), out.join("\n"));
      assert.ok(!out.some((l) => l.includes("quotes")), out.join("\n"));
    });
  }
});

describe("a file a completion's snippet comes from, replaced after indexing", () => {
  it("as it was: the definition the line calls is given", HANG, async (t) => {
    assert.deepEqual(await inThread(READS, "completeReplaced", ["none"], t.signal), [`src/widget.py: def resize_widget(width):\n    raise ValueError("the widget cannot be resized below its minimum width")`]);
  });

  for (const replacement of ["fifo", "dev-zero", "over-limit"] as const) {
    it(`by ${replacement}: the completion gets its context without it`, HANG, async (t) => {
      assert.deepEqual(await inThread(READS, "completeReplaced", [replacement], t.signal), []);
    });
  }
});

describe("a file the watcher reports changed, replaced by what must not be read whole", () => {
  for (const [replacement, expected] of [
    ["none", "unchanged"],
    ["fifo", "skipped not-regular a pipe, socket or device"],
    // A link out of the checkout is left out by the scan's rules before anything is read.
    ["dev-zero", "skipped"],
    ["over-limit", "skipped too-large 1073741824 bytes"],
  ] as const) {
    it(`${replacement}: ${expected}`, HANG, async (t) => {
      assert.equal(await inThread(READS, "updateReplaced", [replacement], t.signal), expected);
    });
  }
});
