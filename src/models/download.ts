/**
 * Resumable model downloads. Bytes go to `<file>.part`; an interrupted connection is
 * resumed with an HTTP Range request (here, a few times, and across runs: a later call
 * continues the `.part` file); the file is renamed to `<file>` only when its size matches
 * the total the server announced. Progress reports bytes, speed and ETA.
 */
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, stat, truncate, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { throwIfAborted } from "./backend.ts";

export interface DownloadProgress {
  readonly receivedBytes: number;
  /** Total size, once the server said it. */
  readonly totalBytes?: number;
  /** Average over this run (resumed bytes excluded). */
  readonly bytesPerSecond: number;
  readonly etaSeconds?: number;
}

export interface DownloadOptions {
  readonly url: string;
  readonly folder: string;
  readonly file: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Connection drops tolerated before giving up (default 5). */
  readonly retries?: number;
  /** Milliseconds between progress reports (default 250). */
  readonly progressIntervalMs?: number;
  /** What the user can do instead, appended to the offline message (default: the model alternatives). */
  readonly offlineAdvice?: string;
}

export interface DownloadResult {
  readonly path: string;
  readonly sizeBytes: number;
  readonly resumedFromBytes: number;
}

/** Why a download failed; `offline` means the host could not be reached at all. */
export class DownloadError extends Error {
  override name = "DownloadError";
  constructor(message: string, readonly offline: boolean, options?: ErrorOptions) {
    super(message, options);
  }
}

const OFFLINE_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"]);
/** Local disk failures: retrying cannot help, so they end the download at once. */
const DISK_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EFBIG"]);
const MODEL_ALTERNATIVES = "Try again when it is online (the download resumes), choose a GGUF file you already have, or use a server URL.";

export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  await mkdir(options.folder, { recursive: true });
  const path = join(options.folder, options.file);
  const part = `${path}.part`;
  if (existsSync(path)) {
    const size = (await stat(path)).size;
    return { path, sizeBytes: size, resumedFromBytes: size };
  }
  const resumedFromBytes = existsSync(part) ? (await stat(part)).size : 0;
  const meter = new Meter(resumedFromBytes, options);
  let failures = 0;
  for (;;) {
    throwIfAborted(options.signal);
    try {
      const total = await fetchInto(part, options, meter);
      const size = (await stat(part)).size;
      if (size !== total) throw new DownloadError(`the download has ${size} bytes, the server announced ${total}`, false);
      await rename(part, path);
      meter.report(true);
      return { path, sizeBytes: size, resumedFromBytes };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (DISK_CODES.has(errorCode(error) ?? "")) throw diskError(options.folder, error);
      const offline = isOffline(error);
      if (offline && meter.received === resumedFromBytes && failures === 0) throw offlineError(options.url, error, options.offlineAdvice);
      if (error instanceof DownloadError && !error.offline && !isDrop(error)) throw error;
      if (++failures > (options.retries ?? 5)) throw new DownloadError(`the download kept failing (${describe(error)}); run it again to resume`, offline, { cause: error });
      await sleep(Math.min(200 * 2 ** failures, 5000), options.signal);
    }
  }
}

/** One HTTP request appending to `part`; resolves with the file's total size. */
async function fetchInto(part: string, options: DownloadOptions, meter: Meter): Promise<number> {
  const have = existsSync(part) ? (await stat(part)).size : 0;
  const response = await fetch(options.url, {
    headers: have > 0 ? { Range: `bytes=${have}-` } : {},
    redirect: "follow",
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 416 && have > 0) {
    // Asked past the end: the part file is already whole (or longer than the file).
    const total = Number(/\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1] ?? NaN);
    if (total === have) return total;
    await unlink(part);
    throw new DownloadError("the partial file did not match the server's; starting over", false);
  }
  if (!response.ok || !response.body) throw new DownloadError(`the server answered ${response.status} ${response.statusText} for ${options.url}`, false);
  let total: number;
  if (response.status === 206) {
    total = Number(/\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1] ?? NaN);
  } else {
    // The server ignored the Range header: start again from byte 0.
    if (have > 0) await truncate(part, 0);
    meter.restart();
    total = Number(response.headers.get("content-length") ?? NaN);
  }
  if (!Number.isFinite(total)) throw new DownloadError("the server did not say how large the file is, so it cannot be verified", false);
  meter.total = total;
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  body.on("data", (chunk: Buffer) => meter.add(chunk.length));
  await pipeline(body, createWriteStream(part, { flags: "a" }));
  return total;
}

class Meter {
  received: number;
  total: number | undefined;
  private readonly startedAt = Date.now();
  private startBytes: number;
  private lastReport = 0;

  constructor(start: number, private readonly options: DownloadOptions) {
    this.received = start;
    this.startBytes = start;
  }

  restart(): void {
    this.received = 0;
    this.startBytes = 0;
  }

  add(bytes: number): void {
    this.received += bytes;
    this.report(false);
  }

  report(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastReport < (this.options.progressIntervalMs ?? 250)) return;
    this.lastReport = now;
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const bytesPerSecond = (this.received - this.startBytes) / seconds;
    const left = this.total === undefined ? undefined : this.total - this.received;
    this.options.onProgress?.({
      receivedBytes: this.received,
      ...(this.total === undefined ? {} : { totalBytes: this.total }),
      bytesPerSecond,
      ...(left !== undefined && bytesPerSecond > 0 ? { etaSeconds: left / bytesPerSecond } : {}),
    });
  }
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isOffline(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && OFFLINE_CODES.has(code);
}

/** A connection that broke mid-transfer (worth resuming). */
function isDrop(error: unknown): boolean {
  return !(error instanceof DownloadError) || /terminated|socket|ECONNRESET|premature/i.test(describe(error));
}

/**
 * `fetch`, with a failure to reach the host turned into an offline {@link DownloadError}
 * whose message ends with `advice` (what the user can do instead).
 */
export async function fetchOrExplain(url: string, init: RequestInit, advice: string): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    if (isOffline(error)) throw offlineError(url, error, advice);
    throw new DownloadError(`Cannot download from ${url}: ${describe(error)}. ${advice}`, false, { cause: error });
  }
}

function diskError(folder: string, error: unknown): DownloadError {
  const code = errorCode(error);
  const why = code === "ENOSPC" || code === "EDQUOT" || code === "EFBIG" ? "the disk is full" : "the folder cannot be written";
  return new DownloadError(
    `Cannot save the download in ${folder}: ${why} (${code}). Free some space or fix the folder's permissions, then try again; the part already downloaded is kept.`,
    false,
    { cause: error },
  );
}

function offlineError(url: string, error: unknown, advice = MODEL_ALTERNATIVES): DownloadError {
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  return new DownloadError(
    `cannot reach ${host} (${errorCode(error) ?? describe(error)}): this machine seems to be offline${proxyNote()}. ${advice}`,
    true,
    { cause: error },
  );
}

/** Node's fetch connects directly; a configured proxy is the likely reason for a failure. */
function proxyNote(): string {
  const proxy = process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy;
  return proxy ? `, or it needs the proxy ${proxy} (HTTPS_PROXY), which Hearth's downloader does not use` : "";
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.message}${errorCode(error) ? ` (${errorCode(error)})` : ""}` : String(error);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
