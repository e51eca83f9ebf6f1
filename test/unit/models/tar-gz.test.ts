import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { TarError, unpackTarGz } from "../../../src/models/tar-gz.ts";
import { fakeBinaryPackage, makeTarGz } from "../../fixtures/models/npm-tarball.ts";
import { tempDir } from "../../fixtures/temp.ts";

describe("tar.gz unpacking", () => {
  it("unpacks an npm package: package/ stripped, bytes identical, pax long names, executable bits kept", async () => {
    const dir = tempDir("hearth-tar-");
    const binary = Buffer.alloc(70_000, 7).fill(3, 1000, 2000); // several blocks, not a multiple of 512
    writeFileSync(join(dir, "p.tgz"), fakeBinaryPackage("@node-llama-cpp/linux-x64-cuda", "3.22.1", "linux-x64-cuda", binary));
    const out = join(dir, "out");
    const result = await unpackTarGz(join(dir, "p.tgz"), out);
    assert.deepEqual(readFileSync(join(out, "bins/linux-x64-cuda/llama-addon.node")), binary);
    assert.equal(JSON.parse(readFileSync(join(out, "package.json"), "utf8")).version, "3.22.1");
    const long = readdirSync(join(out, "bins/linux-x64-cuda")).find((name) => name.length > 100);
    assert.ok(long?.endsWith(".so"), "the pax path record names the file");
    assert.ok(statSync(join(out, "bins/linux-x64-cuda/llama-addon.node")).mode & 0o100);
    assert.equal(result.files, 5);
  });

  it("refuses an entry that climbs out of the folder and writes nothing there", async () => {
    const dir = tempDir("hearth-tar-");
    writeFileSync(join(dir, "evil.tgz"), makeTarGz([{ path: "package/../../escaped.txt", content: "x" }]));
    await assert.rejects(unpackTarGz(join(dir, "evil.tgz"), join(dir, "a", "out")), (error: unknown) => error instanceof TarError && /outside its folder/.test(error.message));
    assert.ok(!existsSync(join(dir, "escaped.txt")));
  });

  // Each was a package installed in part: a size that is no octal number (the base-256 form
  // node-tar writes past 8 GiB, or garbage) unpacked an empty file and skipped the rest; a
  // path named twice failed with a bare EEXIST.
  it("an entry whose size is not an octal number is refused as corrupt, not unpacked empty", async () => {
    const dir = tempDir("hearth-tar-");
    const { gunzipSync, gzipSync } = await import("node:zlib");
    const tar = gunzipSync(makeTarGz([{ path: "package/a.txt", content: "one" }, { path: "package/b.txt", content: "two" }]));
    tar[124] = 0x80; // the base-256 marker
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : tar[i]!;
    tar.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    writeFileSync(join(dir, "odd.tgz"), gzipSync(tar));
    await assert.rejects(unpackTarGz(join(dir, "odd.tgz"), join(dir, "out")), (error: unknown) => {
      assert.ok(error instanceof TarError, String(error));
      assert.equal(error.message, 'the package archive is corrupt (the size of "package/a.txt" is not a number)');
      return true;
    });
  });

  it("a path named twice is refused as corrupt, naming it", async () => {
    const dir = tempDir("hearth-tar-");
    writeFileSync(join(dir, "twice.tgz"), makeTarGz([{ path: "package/a.txt", content: "one" }, { path: "package/a.txt", content: "two" }]));
    await assert.rejects(unpackTarGz(join(dir, "twice.tgz"), join(dir, "out")), (error: unknown) => {
      assert.ok(error instanceof TarError, String(error));
      assert.equal(error.message, 'the package archive holds "package/a.txt" twice; it was not unpacked');
      return true;
    });
  });

  it("a truncated archive is an error, not a silently partial package", async () => {
    const dir = tempDir("hearth-tar-");
    const { gunzipSync, gzipSync } = await import("node:zlib");
    const tar = gunzipSync(makeTarGz([{ path: "package/big.bin", content: Buffer.alloc(5000, 1) }]));
    writeFileSync(join(dir, "cut.tgz"), gzipSync(tar.subarray(0, 512 + 1024)));
    await assert.rejects(unpackTarGz(join(dir, "cut.tgz"), join(dir, "out")), /ends in the middle of a file/);
  });
});
