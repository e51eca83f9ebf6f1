/**
 * A minimal streaming reader for npm package tarballs (gzip + ustar, with the pax and GNU
 * long-name records node-tar writes). It unpacks regular files and folders only, streams
 * each file to disk (a CUDA package is hundreds of megabytes: nothing is held whole in
 * memory), strips the first path component (`package/`), and refuses entries that would
 * land outside the target folder. Links and devices are skipped: npm packages have none.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import { createGunzip } from "node:zlib";

const BLOCK = 512;

/** What one unpack wrote. */
export interface UnpackResult {
  readonly files: number;
  readonly bytes: number;
}

/** A tarball that cannot be unpacked safely (corrupt, or a path escaping the folder). */
export class TarError extends Error {
  override name = "TarError";
}

/** Unpacks the `.tgz` at `archive` into `folder` (which should be new and empty). */
export async function unpackTarGz(archive: string, folder: string, signal?: AbortSignal): Promise<UnpackResult> {
  const reader = new TarReader(folder);
  const gunzip = createReadStream(archive).pipe(createGunzip());
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException("This operation was aborted", "AbortError");
      await reader.push(chunk);
    }
    await reader.end();
    return { files: reader.files, bytes: reader.bytes };
  } finally {
    await reader.close();
    gunzip.destroy();
  }
}

interface Entry {
  readonly path: string;
  readonly type: string;
  readonly size: number;
  readonly mode: number;
}

/** The ustar state machine: header blocks, then each entry's body padded to 512 bytes. */
class TarReader {
  files = 0;
  bytes = 0;
  private pending: Buffer = Buffer.alloc(0);
  private body: { entry: Entry; left: number; padding: number; handle?: FileHandle; data?: Buffer[] } | undefined;
  private longName: string | undefined;
  private finished = false;

  constructor(private readonly folder: string) {}

  async push(chunk: Buffer): Promise<void> {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (!this.finished) {
      if (this.body) {
        const step = await this.feedBody(this.pending.subarray(at));
        if (step < 0) break;
        at += step;
        continue;
      }
      if (this.pending.length - at < BLOCK) break;
      const header = this.pending.subarray(at, at + BLOCK);
      at += BLOCK;
      if (header.every((b) => b === 0)) {
        this.finished = true; // the end-of-archive marker; anything after it is padding
        break;
      }
      await this.startEntry(parseHeader(header, this.longName));
    }
    this.pending = this.pending.subarray(at);
  }

  async end(): Promise<void> {
    if (this.body || (!this.finished && this.pending.length > 0)) throw new TarError("the package archive ends in the middle of a file: it is incomplete");
  }

  async close(): Promise<void> {
    await this.body?.handle?.close();
  }

  /** Consumes body bytes (and padding) of the current entry; returns how many it used, -1 when it needs more. */
  private async feedBody(data: Buffer): Promise<number> {
    const body = this.body!;
    if (body.left > 0) {
      const take = data.subarray(0, Math.min(body.left, data.length));
      if (take.length === 0) return -1;
      if (body.handle) await body.handle.write(take);
      else body.data?.push(Buffer.from(take));
      body.left -= take.length;
      return take.length;
    }
    if (data.length < body.padding) return -1;
    this.body = undefined;
    await this.finishEntry(body.entry, body.handle, body.data);
    return body.padding;
  }

  private async startEntry(entry: Entry): Promise<void> {
    const padding = (BLOCK - (entry.size % BLOCK)) % BLOCK;
    this.longName = undefined;
    if (entry.type === "x" || entry.type === "L" || entry.type === "g") {
      // Metadata records: their body is read into memory (a few hundred bytes at most).
      this.body = { entry, left: entry.size, padding, data: [] };
      return;
    }
    const target = this.target(entry.path);
    if (entry.type === "5") {
      if (target) await mkdir(target, { recursive: true });
      this.body = { entry, left: entry.size, padding };
      return;
    }
    if ((entry.type === "0" || entry.type === "\0" || entry.type === "7") && target) {
      await mkdir(dirname(target), { recursive: true });
      // Executable bits matter for nothing node loads, but keep what the package had.
      const handle = await open(target, "wx", entry.mode & 0o111 ? 0o755 : 0o644).catch((error: unknown) => {
        if ((error as { code?: unknown }).code === "EEXIST") throw new TarError(`the package archive holds ${JSON.stringify(entry.path)} twice; it was not unpacked`);
        throw error;
      });
      this.body = { entry, left: entry.size, padding, handle };
      this.files++;
      this.bytes += entry.size;
      return;
    }
    this.body = { entry, left: entry.size, padding }; // skipped: a link, a device, or the package root itself
  }

  private async finishEntry(entry: Entry, handle: FileHandle | undefined, data: Buffer[] | undefined): Promise<void> {
    await handle?.close();
    if (!data) return;
    const text = Buffer.concat(data).toString("utf8");
    if (entry.type === "L") this.longName = text.replace(/\0+$/, "");
    if (entry.type === "x") this.longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1];
  }

  /** Where an archive path goes under the folder (first component stripped); throws for one that escapes it. */
  private target(path: string): string | undefined {
    const rest = path.split("/").slice(1).join("/");
    if (!rest) return undefined;
    const relative = normalize(rest);
    if (isAbsolute(relative) || relative === ".." || relative.startsWith(`..${sep}`)) {
      throw new TarError(`the package archive has an entry outside its folder (${JSON.stringify(path)}); it was not unpacked`);
    }
    return join(this.folder, relative);
  }
}

function parseHeader(block: Buffer, longName: string | undefined): Entry {
  const stored = octal(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  if (stored !== sum) throw new TarError("the package archive is corrupt (a header checksum does not match)");
  const name = text(block, 0, 100);
  const prefix = block.subarray(257, 263).toString("latin1").startsWith("ustar") ? text(block, 345, 155) : "";
  const path = longName ?? (prefix ? `${prefix}/${name}` : name);
  // Strictly octal: node-tar's base-256 form (sizes past 8 GiB) or garbage read as NaN unpacked an empty file and skipped the rest.
  if (!/^[0-7]*$/.test(text(block, 124, 12).trim())) throw new TarError(`the package archive is corrupt (the size of ${JSON.stringify(path)} is not a number)`);
  return { path, type: String.fromCharCode(block[156]!), size: octal(block, 124, 12), mode: octal(block, 100, 8) };
}

function text(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString("utf8");
}

function octal(block: Buffer, offset: number, length: number): number {
  const value = text(block, offset, length).trim();
  return value ? parseInt(value, 8) : 0;
}
