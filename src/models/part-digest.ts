/**
 * The SHA-256 of a download's `.part` file, kept up to date as bytes are appended, so a
 * finished download is verified without reading it again. A part left by an earlier run
 * (or one whose end is uncertain) is hashed from disk once, then appending continues.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Writable } from "node:stream";
import { throwIfAborted } from "./backend.ts";

export class PartDigest {
  private hash: Hash = createHash("sha256");
  /** How many bytes from the start of the part file the hash covers. */
  bytes = 0;

  reset(): void {
    this.hash = createHash("sha256");
    this.bytes = 0;
  }

  /** Hashes the first `size` bytes of `path` afresh; `onProgress` gets the bytes hashed so far. */
  async hashFile(path: string, size: number, signal: AbortSignal | undefined, onProgress: (bytes: number) => void): Promise<void> {
    this.reset();
    if (size === 0) return;
    for await (const chunk of createReadStream(path, { start: 0, end: size - 1, highWaterMark: 1 << 20 })) {
      throwIfAborted(signal);
      this.update(chunk as Buffer);
      onProgress(this.bytes);
    }
  }

  /** A sink that appends to `path` and hashes each chunk once it is on disk. */
  appendTo(path: string): Writable {
    return new HashingAppender(path, this);
  }

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  /** The hex digest of the bytes hashed so far (the hash goes on: a copy is finished). */
  hex(): string {
    return this.hash.copy().digest("hex");
  }
}

/**
 * Appends to a file and hashes only what was written: after a dropped connection the hash
 * still covers exactly the bytes on disk, so the resume needs no second read.
 */
class HashingAppender extends Writable {
  private file: FileHandle | undefined;

  constructor(private readonly path: string, private readonly digest: PartDigest) {
    // A cancel drops what waits in this buffer (and everything while the file is still being
    // opened): kept small, the part on disk holds all but at most 64 KiB of what was received,
    // as with fs's own write stream. At 1 MiB a cancelled 1 MB download kept nothing.
    super({ highWaterMark: 1 << 16 });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, "a").then((file) => ((this.file = file), callback()), callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll([chunk]).then(() => callback(), callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.writeAll(chunks.map((c) => c.chunk)).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const file = this.file;
    this.file = undefined;
    if (!file) return callback(error);
    file.close().then(() => callback(error), (closeError: Error) => callback(error ?? closeError));
  }

  override _final(callback: (error?: Error | null) => void): void {
    const file = this.file;
    this.file = undefined;
    file ? file.close().then(() => callback(), callback) : callback();
  }

  private async writeAll(chunks: Buffer[]): Promise<void> {
    let pending = chunks;
    while (pending.length > 0) {
      let written = (await this.file!.writev(pending)).bytesWritten;
      const rest: Buffer[] = [];
      for (const chunk of pending) {
        if (written >= chunk.length) {
          this.digest.update(chunk);
          written -= chunk.length;
        } else {
          // A short write: hash what reached the file, write the rest again.
          if (written > 0) this.digest.update(chunk.subarray(0, written));
          rest.push(chunk.subarray(written));
          written = 0;
        }
      }
      pending = rest;
    }
  }
}

/**
 * The SHA-256 a response announces for the whole file: Hugging Face's `X-Linked-Etag` (on
 * the redirect to its CDN), else a strong `ETag` that is 64 hex digits (the CDN's, often the
 * same). Anything else (an MD5 ETag, a weak one, none) announces nothing.
 */
export function announcedSha256(headers: Headers, etagToo: boolean): { sha256: string; header: string } | undefined {
  for (const header of etagToo ? ["X-Linked-Etag", "ETag"] : ["X-Linked-Etag"]) {
    const match = /^"?([0-9a-f]{64})"?$/i.exec(headers.get(header)?.trim() ?? "");
    if (match) return { sha256: match[1]!.toLowerCase(), header };
  }
  return undefined;
}
