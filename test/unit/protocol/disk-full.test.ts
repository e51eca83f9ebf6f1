// A full disk in words. A used-up disk quota (EDQUOT) is the user's own limit: the disk's free
// space is not what they may still write, so it is not said (it read "the disk quota holding
// /home/ann is used up: 12 GB free, 20 KB needed", sending the user to a disk with room).
// The errors are node's, as a write returns them (a real quota needs one set on a file system).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diskFullProblem } from "../../../src/protocol/disk-full.ts";

const errno = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}, write`), { code });

describe("diskFullProblem", () => {
  it("a full disk: its free space and what was needed", () => {
    assert.equal(diskFullProblem(errno("ENOSPC", "no space left on device"), "/mnt/out", 10_240, 0), "the disk holding /mnt/out is full: 0 KB free, 10 KB needed");
    assert.equal(diskFullProblem(errno("ENOSPC", "no space left on device"), "/mnt/out", 3 * 1024 ** 2, undefined), "the disk holding /mnt/out is full: 3.0 MiB needed");
  });

  it("a used-up quota: what was needed, never the disk's free space", () => {
    assert.equal(
      diskFullProblem(errno("EDQUOT", "disk quota exceeded"), "/home/ann/.config/Code/User/globalStorage/conversations", 20_000, 12 * 1024 ** 3),
      "this user's disk quota on the disk holding /home/ann/.config/Code/User/globalStorage/conversations is used up: 20 KB needed",
    );
  });

  it("any other failure: undefined", () => {
    assert.equal(diskFullProblem(errno("EROFS", "read-only file system"), "/mnt/out", 1, 1), undefined);
    assert.equal(diskFullProblem(new Error("No space left on device"), "/mnt/out", 1, 1), undefined);
  });
});
