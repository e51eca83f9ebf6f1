/**
 * Resumable model downloads. Bytes go to `<file>.part`; an interrupted connection is
 * resumed with an HTTP Range request, and so is an answer that ends cleanly before the file
 * does (here, until a few tries in a row bring nothing new, and across runs: a later call
 * continues the `.part` file); the file is renamed to `<file>` only when its size matches
 * the total the server announced and, when the server announced one, its SHA-256 matches
 * (Hugging Face: `X-Linked-Etag` on the redirect to its CDN) and, for a GGUF, it has tensors
 * and they all fit in it (its header says where their data ends). The hash is computed as the
 * bytes arrive; a part left by an earlier run is hashed from disk first (the "checking"
 * phase). A file whose hash does not match is deleted, so nothing that looks complete or
 * resumable is left of it. Progress reports bytes, speed and ETA.
 */
import { existsSync, statSync } from "node:fs";
import { lstat, mkdir, open, rename, stat, statfs, truncate, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ReadableStream } from "node:stream/web";
import { makeFolders } from "../protocol/make-folders.ts";
import { captivePortalWords } from "../protocol/network-problem.ts";
import { formatSize } from "../protocol/units.ts";
import { wait } from "../protocol/wait.ts";
import { throwIfAborted } from "./backend.ts";
import { type Clock, formatDuration, RequestLimits, shownAddress, systemClock } from "./http-limits.ts";
import { GgufFormatError, readGgufLayout } from "./llama-cpp/gguf-reader.ts";
import { tensorDataEnd } from "./llama-cpp/tensor-extent.ts";
import { announcedSha256, PartDigest } from "./part-digest.ts";
import { LOCK_STALE_MS, lockAhead, lockPart, type PartHolder } from "./part-lock.ts";
import { networkProblem, throughProxy } from "./proxy.ts";
import { changedSince, type PartOrigin, readOrigin, removeOrigin, validatorOf, writeOrigin } from "./part-origin.ts";

export interface DownloadProgress {
  /**
   * "checking": hashing the part an earlier attempt left (`receivedBytes` of `totalBytes`
   * are the part's bytes hashed so far), before the download continues ("downloading").
   */
  readonly phase: "checking" | "downloading";
  readonly receivedBytes: number;
  /** Total size, once the server said it. */
  readonly totalBytes?: number;
  /** Average over this run (resumed bytes excluded; while checking, the hashing speed). */
  readonly bytesPerSecond: number;
  readonly etaSeconds?: number;
  /** Why the part downloaded before was dropped and the download started again from byte 0 (said once it did). */
  readonly note?: string;
}

export interface DownloadOptions {
  readonly url: string;
  readonly folder: string;
  readonly file: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /**
   * Tries in a row that bring no new byte (a dropped connection, an answer that ends early)
   * tolerated before giving up (default 5); a try that adds to the part starts the count again.
   */
  readonly retries?: number;
  /** The timers of the wait between tries and of the idle limit (default: the system's; tests: one moved by hand). */
  readonly clock?: Clock;
  /** Milliseconds between progress reports (default 250). */
  readonly progressIntervalMs?: number;
  /** What the user can do instead, appended to the offline message (default: the model alternatives). */
  readonly offlineAdvice?: string;
  /**
   * The bytes the file must begin with (a GGUF model: `GGUF`). A download that does not is
   * not kept — a mirror, proxy or sign-in page that answered with a page of its own passes
   * the size check — and a file already at the name that does not is moved aside and
   * downloaded afresh, instead of being reported as there.
   */
  readonly magic?: string;
}

export interface DownloadResult {
  readonly path: string;
  readonly sizeBytes: number;
  readonly resumedFromBytes: number;
  /**
   * How the file was checked: "sha256", its SHA-256 matched the one the server announced
   * (for a resumed part, now or when the part was started);
   * "size", the server announced none, so only its size was checked; "existing", it was
   * already there and nothing was downloaded or checked.
   */
  readonly verified: "sha256" | "size" | "existing";
  /** The SHA-256 that matched (with `verified: "sha256"`). */
  readonly sha256?: string;
  /** Why the part an earlier attempt left was dropped and the file downloaded from byte 0, if it was. */
  readonly startedOver?: string;
}

/** Why a download failed; `offline` means the host could not be reached at all. */
export class DownloadError extends Error {
  override name = "DownloadError";
  constructor(message: string, readonly offline: boolean, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A try ends when the server sends nothing for this long — no answer, or a body that stops
 * with its connection held open (fetch alone waits 300 s at each such stall) — and is
 * resumed like a dropped connection. Not a deadline: a model takes hours on a slow line,
 * and every byte starts the time again.
 */
export const DOWNLOAD_IDLE_MS = 60_000;

const OFFLINE_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"]);
/** Local disk failures: retrying cannot help, so they end the download at once. */
const DISK_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EFBIG", "ENOTDIR", "EISDIR"]);
const MODEL_ALTERNATIVES = "Try again when it is online (the download resumes), choose a GGUF file you already have, or use a server URL.";

export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  // fetch's refusal of such an address looks like a dropped connection: it was retried for seconds, then "kept: run it again to resume".
  if (!isWebAddress(options.url)) {
    throw new DownloadError(`Cannot download ${options.file} from ${options.url}: it is not a web address (http:// or https://). Nothing was downloaded.`, false);
  }
  const path = join(options.folder, options.file);
  const part = `${path}.part`;
  const lost = new AbortController();
  const lock = await orDiskError(options.folder, options.file, async () => {
    await makeFolders(options.folder, { mkdir, lstat, dirname });
    return lockPart(part, { ...(options.clock ? { clock: options.clock } : {}), onLost: (holder) => lost.abort(lostError(options, holder)) });
  });
  if ("holder" in lock) throw busyError(options, lock.holder);
  try {
    const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
    return await downloadLocked({ ...options, signal }, path, part);
  } catch (error) {
    throw lost.signal.aborted ? lost.signal.reason : error;
  } finally {
    await lock.release();
  }
}

/** `work`, with a failure of the local disk (a read-only one, no permission) said as such. */
async function orDiskError<T>(folder: string, file: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // mkdir's EEXIST: a file at the folder's name.
    const code = errorCode(error) ?? "";
    throw DISK_CODES.has(code) || code === "EEXIST" ? diskError(folder, error, file) : error;
  }
}

function busyError(options: DownloadOptions, holder: PartHolder): DownloadError {
  if (holder.unnamed) {
    return new DownloadError(
      `${options.file} is being downloaded into ${options.folder} by another Hearth starting just now (another VS Code window, or hearth models --download): its lock, ${options.file}.part.lock, names no process yet. ` +
        `Try again in a few seconds; if this stays so while no download runs, delete ${options.file}.part.lock in that folder.`,
      false,
    );
  }
  // A newer Hearth's lock, whole but in a shape this version does not read: held while refreshed (it was taken over after seconds, said as "starting just now").
  if (holder.otherVersion) {
    const ahead = lockAhead(holder.idleMs ?? 0);
    const age = ahead
      ? `Its lock's time is ${ahead} ahead of this machine's clock (one of the two clocks is wrong), so it is not taken over by its age until this clock passes it.`
      : `It was refreshed ${Math.max(0, Math.round((holder.idleMs ?? 0) / 1000))} s ago and is taken over once it has not been refreshed for ${LOCK_STALE_MS / 60_000} minutes.`;
    return new DownloadError(
      `${options.file} is already being downloaded into ${options.folder} by another version of Hearth (a newer one: another VS Code window, hearth models --download, or another machine sharing the folder): its lock, ${options.file}.part.lock, is in a form this version does not read. ${age} ` +
        `Wait for that download to finish (the model is then there for every window), or cancel it there; if no download runs, delete ${options.file}.part.lock in that folder.`,
      false,
    );
  }
  // Download Model… picked twice in one window, or again while a cancelled download stops: no other Hearth, no lock to delete.
  if (holder.here) {
    return new DownloadError(
      `${options.file} is already being downloaded into ${options.folder} here: a download of it started earlier still runs, or is stopping. Wait for it to finish, or cancel it, then download again.`,
      false,
    );
  }
  if (holder.host !== hostname()) {
    const idle = Math.max(0, Math.round((holder.idleMs ?? 0) / 1000));
    const ahead = lockAhead(holder.idleMs ?? 0);
    const age = ahead
      ? `Its lock's time is ${ahead} ahead of this machine's clock (one of the two clocks is wrong), so it is not taken over by its age until this clock passes it; ` +
        `if ${holder.host} stopped (switched off, crashed), delete ${options.file}.part.lock in that folder and download again.`
      : `Its lock was last refreshed ${idle} s ago; ` +
        `if ${holder.host} stopped (switched off, crashed), it is taken over once it has not been refreshed for ${LOCK_STALE_MS / 60_000} minutes.`;
    return new DownloadError(
      `${options.file} is already being downloaded into ${options.folder} by Hearth on another machine, ${holder.host} (process ${holder.pid}; the folder is shared). ` +
        `Wait for it to finish there (the model is then there for both machines), or cancel it there. ${age}`,
      false,
    );
  }
  return new DownloadError(
    `${options.file} is already being downloaded into ${options.folder} by another Hearth (process ${holder.pid}: another VS Code window, or hearth models --download). ` +
      `Wait for it to finish (the model is then there for every window), or cancel it there; if no download runs, delete ${options.file}.part.lock in that folder.`,
    false,
  );
}

/** This download's lock was taken over (the machine was suspended past LOCK_STALE_MS): it stops writing the part. */
function lostError(options: DownloadOptions, holder: PartHolder | undefined): DownloadError {
  const by = holder ? (holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`) : "another process";
  return new DownloadError(
    `The download of ${options.file} stopped: ${by} took it over after this one did not refresh its lock for ${LOCK_STALE_MS / 60_000} minutes (this machine was asleep, or the folder unreachable). ` +
      "It goes on there; if it does not, download the model again here.",
    false,
  );
}

async function downloadLocked(options: DownloadOptions, path: string, part: string): Promise<DownloadResult> {
  let movedAside: string | undefined;
  if (existsSync(path)) {
    // A folder or a file Hearth may not read at the file's name: neither the file nor anything to move aside blindly.
    const inTheWay = (why: string, cause?: unknown) =>
      new DownloadError(`${path} is there but is not a file Hearth can read (${why}): move it out of ${options.folder}, then download again`, false, { cause });
    // Checked with or without a magic to read: without one, a folder was taken for the file, already downloaded.
    if ((await stat(path)).isDirectory()) throw inTheWay("EISDIR");
    const head = options.magic === undefined ? undefined : await headOf(path, Math.max(options.magic.length, 48)).catch((error: unknown) => {
      throw inTheWay(errorCode(error) ?? describe(error), error);
    });
    const size = (await stat(path)).size;
    if (head === undefined || head.subarray(0, options.magic!.length).equals(Buffer.from(options.magic!, "latin1"))) {
      // A model cut short (an earlier download a proxy truncated, a copy interrupted) is not there: its load would fail, and Download would say it is there.
      const lack = options.magic === "GGUF" ? await ggufLack(path, size) : undefined;
      if (!lack) return { path, sizeBytes: size, resumedFromBytes: size, verified: "existing" };
      const aside = await freeName(`${path}.${lack.kind === "no-weights" ? "not-a-model" : "incomplete"}`);
      await rename(path, aside);
      const was = lack.kind === "no-weights"
        ? "not a model (a GGUF with no weights, 0 tensors: a vocabulary-only file)"
        : `incomplete (${size} ${lack.needed === undefined ? "bytes, its header cut off" : `of at least ${lack.needed} bytes`})`;
      movedAside = `the ${options.file} already in ${options.folder} was ${was}; it was moved to ${aside} and the model downloaded again`;
    } else {
      const aside = await freeName(`${path}.not-a-model`);
      await rename(path, aside);
      movedAside = `the ${options.file} already in ${options.folder} was not a model (it begins ${shownHead(head)}); it was moved to ${aside} and the model downloaded again`;
    }
  }
  const resumedFromBytes = existsSync(part) ? (await stat(part)).size : 0;
  const meter = new Meter(resumedFromBytes, options);
  if (movedAside) meter.note = movedAside;
  const digest = new PartDigest();
  let announced: Announced | undefined;
  let failures = 0; // tries in a row that added nothing to the part
  for (;;) {
    throwIfAborted(options.signal);
    const before = await partSize(part);
    try {
      const fetched = await fetchInto(part, options, meter, digest);
      announced = fetched.announced ?? announced;
      const size = (await stat(part)).size;
      // An answer may end cleanly before the file does (a 206 sent chunked by a proxy or CDN that stops): resumed like a drop.
      if (size < fetched.total) throw new EndedEarly(size, fetched.total);
      if (size !== fetched.total) throw new DownloadError(`the download has ${size} bytes, the server announced ${fetched.total}`, false);
      if (announced) await verifySha256(part, options, digest, announced);
      if (options.magic !== undefined) await checkMagic(part, options, options.magic, size);
      if (options.magic === "GGUF") await checkWhole(part, options, size, announced);
      await rename(part, path);
      await removeOrigin(part);
      meter.report(true);
      return {
        path, sizeBytes: size, resumedFromBytes,
        ...(announced ? { verified: "sha256", sha256: announced.sha256 } : { verified: "size" }),
        ...(meter.note ? { startedOver: meter.note } : {}),
      };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (DISK_CODES.has(errorCode(error) ?? "")) throw diskError(options.folder, error, options.file);
      const problem = networkProblem(options.url, error);
      if (problem !== undefined) throw new DownloadError(`Cannot download ${options.file}: ${problem}. Try again once that is fixed; ${whatIsKept(part)}.`, false, { cause: error });
      const offline = isOffline(error);
      if (offline && meter.received === resumedFromBytes && failures === 0) throw offlineError(options.url, error, options.offlineAdvice);
      if (error instanceof DownloadError && !error.offline && !isDrop(error)) throw error;
      const now = await partSize(part);
      const progressed = now > before;
      if (progressed) failures = 0;
      if (++failures > (options.retries ?? 5)) {
        throw new DownloadError(
          `the download${throughProxy(options.url)} kept failing${failures > 1 ? `, ${failures} times in a row without a byte more` : ""} (${error instanceof EndedEarly ? error.message : describe(error)}); ` +
            `the ${formatSize(now)} downloaded so far are kept: run it again to resume`,
          offline,
          { cause: error },
        );
      }
      // A try that moved the part on resumes at once (a CDN capping each answer would otherwise crawl); one that did not waits longer each time.
      if (!progressed) await wait(Math.min(200 * 2 ** failures, 5000), options.signal, options.clock ?? systemClock);
    }
  }
}

type WebStream = ReadableStream<Uint8Array>;

/** A SHA-256 the server announced for the file, and the header that said it. */
type Announced = { readonly sha256: string; readonly header: string };

/** The file's hash against the announced one; a mismatch deletes the part (a retry starts afresh). */
async function verifySha256(part: string, options: DownloadOptions, digest: PartDigest, announced: Announced): Promise<void> {
  const actual = digest.hex();
  if (actual === announced.sha256) return;
  await unlink(part);
  await removeOrigin(part);
  throw new DownloadError(
    `The downloaded ${options.file} is corrupt: its SHA-256 is ${actual}, but the server announced ${announced.sha256} (${announced.header}). ` +
      "It was deleted; download it again to fetch it afresh. If this happens again, something between this machine and the server (a proxy, a mirror) is changing the file.",
    false,
  );
}

/**
 * A finished part that does not begin as the file must (`GGUF`) is a page some server sent in
 * its place — a mirror's error page, a proxy's or a sign-in page with status 200 — which the
 * size check cannot tell: it is deleted, and the message says what came.
 */
async function checkMagic(part: string, options: DownloadOptions, magic: string, size: number): Promise<void> {
  const head = await headOf(part, Math.max(magic.length, 48));
  if (head.subarray(0, magic.length).equals(Buffer.from(magic, "latin1"))) return;
  await unlink(part);
  await removeOrigin(part);
  throw notAModel(options, magic, head, size, 0);
}

/**
 * A GGUF whose own header says its tensor data ends past `size` bytes: cut short, though
 * its size matched what the server announced (a Content-Length smaller than the file ends
 * the body there). It is deleted — resumed, the server would name another size for the file
 * and it would start over anyway — and never reported as downloaded. With its SHA-256 the one
 * announced (`sha`, checked before), it is the server's file itself that is cut short.
 * A GGUF with no tensors is deleted too: whole, but no model.
 */
async function checkWhole(part: string, options: DownloadOptions, size: number, sha: Announced | undefined): Promise<void> {
  const cut = await ggufLack(part, size);
  if (!cut) return;
  await unlink(part);
  await removeOrigin(part);
  if (cut.kind === "no-weights") {
    throw new DownloadError(
      `The ${options.file} from ${hostOf(options.url)} holds no weights (0 tensors): it is a vocabulary-only GGUF, not a model. Nothing was kept. ` +
        "The server (or a mirror set with HF_ENDPOINT) sent another file in the model's place: choose another quantization or model, or tell whoever publishes it.",
      false,
    );
  }
  const needs = cut.needed === undefined ? "its header runs past its end" : `its own header says it is at least ${cut.needed} bytes`;
  if (sha) {
    throw new DownloadError(
      `The ${options.file} on ${hostOf(options.url)} is itself incomplete: ${needs}, but it has ${size}, and its SHA-256 is the one the server announced (${sha.header}), so downloading it again brings the same. ` +
        "Nothing was kept. Choose another quantization or model, or tell whoever publishes it.",
      false,
    );
  }
  throw new DownloadError(
    `${options.file} arrived incomplete: ${needs}, but the server announced and sent ${size}. Something between this machine and ${hostOf(options.url)} (a proxy, a mirror set with HF_ENDPOINT) ` +
      "cut it short; nothing was kept. Try again later or through another network, or download the file yourself and choose it.",
    false,
  );
}

/** What keeps a GGUF from being a whole model: cut short, or no tensors at all. */
type GgufLack = { readonly kind: "cut"; readonly needed?: number } | { readonly kind: "no-weights" };

/**
 * The bytes a GGUF of `size` bytes at `path` needs by its own header, when it has fewer
 * (`needed` undefined: the header itself is cut off), or that it has no tensors (llama.cpp's
 * vocabulary-only ggml-vocab-*.gguf, which ends without padding out a data section: no
 * download cut it); undefined when it is whole, or not a GGUF the bounded reader can read
 * (the validator says what is wrong when it is loaded).
 */
async function ggufLack(path: string, size: number): Promise<GgufLack | undefined> {
  try {
    const layout = await readGgufLayout(path, size);
    if (layout.tensors.length === 0) return { kind: "no-weights" };
    const end = Number(tensorDataEnd(layout));
    return end > size ? { kind: "cut", needed: end } : undefined;
  } catch (error) {
    if (error instanceof GgufFormatError && error.reason === "truncated") return { kind: "cut" };
    return undefined;
  }
}

/**
 * The body of a 200 (the file from byte 0), its first bytes checked before any of it is
 * written: a page sent in the model's place — to a resume too, a sign-in wall answering every
 * address — must not replace the part downloaded before. The body, whole again, to write.
 * `size`: NaN when the answer named none; `answeredFrom`: the address that answered (after redirects).
 */
async function checkedBody(body: WebStream, options: DownloadOptions, magic: string, size: number, have: number, answeredFrom: string): Promise<WebStream> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  const want = Math.max(magic.length, 48);
  for (let read = 0; read < want; ) {
    const next = await reader.read();
    if (next.done) break;
    chunks.push(next.value);
    read += next.value.length;
  }
  const head = Buffer.concat(chunks);
  if (!head.subarray(0, magic.length).equals(Buffer.from(magic, "latin1"))) {
    await reader.cancel().catch(() => undefined);
    throw notAModel(options, magic, head, size, have, answeredFrom);
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = chunks.shift() ?? (await reader.read()).value;
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * `body` cut at `bytes`: what a server sends past the end it announced is not the file's, so
 * the connection is closed there and the file's bytes are verified as any others.
 */
function upTo(body: WebStream, bytes: number): WebStream {
  const reader = body.getReader();
  let left = bytes;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = left > 0 ? await reader.read() : { done: true as const, value: undefined };
      if (next.done) {
        if (left <= 0) await reader.cancel().catch(() => undefined);
        return controller.close();
      }
      const chunk = next.value.length > left ? next.value.subarray(0, left) : next.value;
      left -= chunk.length;
      controller.enqueue(chunk);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * What came in the model's place (`head`, its first bytes; `size` NaN: no size said), named by
 * the host that sent it — a captive portal's, where the model's address redirected there.
 */
function notAModel(options: DownloadOptions, magic: string, head: Buffer, size: number, have: number, answeredFrom?: string): DownloadError {
  const kept = have > 0 ? `The ${formatSize(have)} downloaded so far are kept; check where the download goes, then run it again to resume.` : "Nothing was kept; check where the download goes, then try again.";
  const from = answeredFrom && hostOf(answeredFrom) !== hostOf(options.url) ? `${hostOf(options.url)} redirected to ${hostOf(answeredFrom)}, which` : hostOf(options.url);
  const page = /^\s*</.test(head.toString("latin1"));
  const sent = Number.isNaN(size)
    ? `${page ? "a web page" : "an answer"} (of no stated size), not a model`
    : `${size < 1024 * 1024 ? `${size} bytes` : formatSize(size)} that are not a model`;
  const who = page
    ? "It is a web page: a sign-in page (a hotel's or guest network's: open any web page in a browser and sign in there), a proxy's, or a mirror's (HF_ENDPOINT) answered in the model's place."
    : "A mirror (HF_ENDPOINT), a proxy or a sign-in page answered with a page of its own.";
  return new DownloadError(
    `${from} sent ${sent}: the answer begins ${shownHead(head)}, where a ${magic} file begins "${magic}". ` +
      `${who} ${kept}`,
    false,
  );
}

/** The first `bytes` bytes of a file (fewer if it is shorter). */
async function headOf(path: string, bytes: number): Promise<Buffer> {
  const file = await open(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** A file's first bytes as a person can read them: text quoted (to 40 characters), anything else in hex. */
function shownHead(head: Buffer): string {
  if (head.length === 0) return "with nothing (it is empty)";
  const text = head.toString("latin1");
  if (/^[\t\n\r\x20-\x7e]+$/.test(text)) {
    const line = text.replace(/\s+/g, " ").trim();
    return `"${line.length > 40 ? `${line.slice(0, 40).trimEnd()}…` : line}"`;
  }
  return `with the bytes ${head.subarray(0, 8).toString("hex").replace(/(..)(?!$)/g, "$1 ")}`;
}

/** `path`, or `path-2`, `path-3`, … : the first name nothing is at. */
async function freeName(path: string): Promise<string> {
  for (let k = 1; ; k++) {
    const name = k === 1 ? path : `${path}-${k}`;
    if (!existsSync(name)) return name;
  }
}

type Fetched = { total: number; announced: Announced | undefined };

/** One HTTP request appending to `part` (another after the part was dropped); resolves with the file's total size and the SHA-256 announced for it. */
async function fetchInto(part: string, options: DownloadOptions, meter: Meter, digest: PartDigest): Promise<Fetched> {
  for (;;) {
    const fetched = await fetchOnce(part, options, meter, digest);
    if (fetched !== "started over") return fetched;
  }
}

/** One request, under the idle limit: a server that sends nothing for {@link DOWNLOAD_IDLE_MS} ends it with {@link Stalled}. */
async function fetchOnce(part: string, options: DownloadOptions, meter: Meter, digest: PartDigest): Promise<Fetched | "started over"> {
  const have = existsSync(part) ? (await stat(part)).size : 0;
  meter.received = have; // what reached the disk: bytes received after it were dropped with the connection
  if (digest.bytes !== have) {
    // A part from an earlier run: hash it before appending, so the hash covers the whole file.
    meter.restartClock();
    await digest.hashFile(part, have, options.signal, (bytes) => meter.checking(bytes, have));
    meter.restartClock();
  }
  const limits = new RequestLimits(options.signal, { clock: options.clock, origin: hostOf(options.url), responseMs: DOWNLOAD_IDLE_MS, idleMs: DOWNLOAD_IDLE_MS });
  try {
    return await transfer(part, have, { ...options, signal: limits.signal }, meter, digest, limits);
  } catch (error) {
    throw limits.failure ? new Stalled(hostOf(options.url), { cause: limits.failure }) : error;
  } finally {
    limits.close();
  }
}

/** The request and the writing of its answer, `options.signal` the request's limits'. */
async function transfer(part: string, have: number, options: DownloadOptions, meter: Meter, digest: PartDigest, limits: RequestLimits): Promise<Fetched | "started over"> {
  const origin = have > 0 ? await readOrigin(part) : undefined;
  const { response, announced } = await request(options.url, have, origin?.validator, options.signal);
  limits.responseStarted();
  if (response.status === 416 && have > 0) {
    // Asked past the end: the part may be whole already (a run stopped before renaming it), or longer than the file.
    await response.body?.cancel().catch(() => undefined);
    // A bare 416, and nothing kept to compare the part with: the file's size, asked apart, still tells a whole part (hours of a 20 GiB model) from one to start over.
    const bare = !announced && !origin && !/^bytes \*\/\d+$/.test(response.headers.get("content-range")?.trim() ?? "");
    const probed = bare ? await probeTotal(response.url || options.url, options.signal) : undefined;
    const whole = wholePart(have, origin, response.headers, announced, digest, probed);
    if (typeof whole !== "string") return whole;
    await startOver(part, digest, meter, whole);
    return "started over";
  }
  if (!response.ok || !response.body) throw await refused(response, options.url, have);
  const coding = compressed(response.headers);
  if (coding) throw await compressedError(response, options, coding, have);
  const range = response.status === 206 ? contentRange(response.headers) : undefined;
  if (range === "malformed") throw await malformedRange(response, options.file, have);
  // Nothing to start over from: asked again, such a server would send the same, and its bytes must not become the file's first.
  if (range && have === 0 && range.start !== 0) {
    // Empty: one dropped just before (startOver), or one a run stopped before its first byte, with its record.
    await unlink(part).catch(() => undefined);
    await removeOrigin(part);
    throw await wrongStart(response, options);
  }
  const total = range ? range.total : Number(response.headers.get("content-length") ?? NaN);
  if (!Number.isFinite(total)) {
    // A page sent chunked in the model's place (a captive portal's sign-in page) is said as a page, not as a file of no size.
    if (!range && options.magic !== undefined) await (await checkedBody(response.body as WebStream, options, options.magic, NaN, have, response.url)).cancel().catch(() => undefined);
    throw new DownloadError("the server did not say how large the file is, so it cannot be verified", false);
  }
  const now = { validator: validatorOf(response.headers), total, sha256: announced?.sha256 };
  const why = have > 0 ? startOverReason(have, range, origin, now) : undefined;
  if (why && range) {
    // A 206 of the wrong bytes, or of another version of the file: none of it may be appended.
    await response.body.cancel().catch(() => undefined);
    await startOver(part, digest, meter, why);
    return "started over";
  }
  let stream = response.body as WebStream;
  if (!range && options.magic !== undefined) stream = await checkedBody(stream, options, options.magic, total, have, response.url);
  // A body sent chunked (a 206's) has no length of its own: one going on past the file's end would fill the disk.
  stream = upTo(stream, total - (range ? have : 0));
  // Said now, not after hours of downloading: the rest of the file must fit on the disk.
  await checkRoom(part, options.file, total - (range ? have : 0), stream);
  if (!range) {
    // The whole file (the server ignored the Range header, or has another version than the part's): start again from byte 0.
    if (have > 0) await truncate(part, 0);
    digest.reset();
    meter.restart();
    if (why) meter.note = why;
  }
  if (!range || !origin) await writeOrigin(part, { total, ...(now.validator ? { validator: now.validator } : {}), ...(now.sha256 ? { sha256: now.sha256 } : {}) });
  meter.total = total;
  const body = Readable.fromWeb(stream);
  body.on("data", (chunk: Buffer) => {
    meter.add(chunk.length);
    if (!limits.failure) limits.data(); // once expired it would throw, here in an event handler
  });
  const sink = digest.appendTo(part);
  try {
    await pipeline(body, sink);
  } finally {
    // pipeline can settle on a cut connection while the file is still being written: the part
    // (and the hash) must hold still before a retry or the next run reads its size.
    if (!sink.closed) await new Promise((resolve) => sink.once("close", resolve));
  }
  // A resume whose answer announces no SHA-256 (a 206 without the 200's ETag, a mirror) is still checked against the one the part was started with.
  return { total, announced: announced ?? (range ? originSha256(origin) : undefined) };
}

/**
 * Whether a part answered with 416 (nothing to send from its end on) is the whole file: its
 * hash matches the SHA-256 known for the file, or, with none known, its size is the one the
 * 416 names (`bytes *\/N`) or, from a bare 416, the one announced when the part was started
 * (every resume since checked that the server still had that version), else the one asked
 * apart (`probed`, {@link probeTotal}). Its total and SHA-256, or why it cannot be the file.
 */
function wholePart(
  have: number, origin: PartOrigin | undefined, headers: Headers, announced: Announced | undefined, digest: PartDigest, probed: number | undefined,
): { total: number; announced: Announced | undefined } | string {
  const sha = announced ?? originSha256(origin);
  if (sha) return digest.hex() === sha.sha256 ? { total: have, announced: sha } : `the part downloaded before does not match the file's SHA-256 (${sha.header}), so the file is downloaded again from the start`;
  const said = /^bytes \*\/(\d+)$/.exec(headers.get("content-range")?.trim() ?? "");
  const total = said ? Number(said[1]) : origin?.total ?? probed;
  if (total === undefined) return "the server refused to resume (416 Range Not Satisfiable) without saying the file's size, and no size was kept for the part, so the file is downloaded again from the start";
  if (have > total) return `the part downloaded before (${have} bytes) is longer than the file on the server (${total} bytes), so the file is downloaded again from the start`;
  if (have < total) return `the server refused to send the rest of the file from byte ${have} (416 Range Not Satisfiable) though it has ${total} bytes, so the file is downloaded again from the start`;
  if (origin && changedSince(origin, { validator: validatorOf(headers), total, sha256: undefined })) return "the file changed on the server since the part was downloaded, so it is downloaded again from the start";
  return { total, announced: undefined };
}

/**
 * The file's size, asked apart after a bare 416: a request for its first byte, whose 206 names
 * the total (`bytes 0-0/N`), or whose 200 (a server ignoring Range) says it in Content-Length
 * (its body is not read). Undefined when the answer says neither, or fails.
 */
async function probeTotal(url: string, signal: AbortSignal | undefined): Promise<number | undefined> {
  try {
    const response = await fetch(url, { headers: { "Accept-Encoding": "identity", Range: "bytes=0-0" }, ...(signal ? { signal } : {}) });
    await response.body?.cancel().catch(() => undefined);
    const range = /^bytes 0-0\/(\d+)$/.exec(response.headers.get("content-range")?.trim() ?? "");
    if (response.status === 206) return range ? Number(range[1]) : undefined;
    const length = response.headers.get("content-length");
    return response.status === 200 && length !== null && /^\d+$/.test(length) && !compressed(response.headers) ? Number(length) : undefined;
  } catch (error) {
    if (signal?.aborted) throw error;
    return undefined;
  }
}

/** The SHA-256 announced when the part was started, kept in its origin. */
function originSha256(origin: PartOrigin | undefined): Announced | undefined {
  return origin?.sha256 ? { sha256: origin.sha256, header: "announced when the download started" } : undefined;
}

/**
 * `Content-Range: bytes START-END/TOTAL` of a 206; "malformed" for anything else, an end
 * before its start or not before the total included (RFC 9110 14.4: content with an invalid
 * Content-Range must not be joined to what is stored), and for an unknown total (`/*`), which
 * leaves nothing to check the finished file against.
 */
function contentRange(headers: Headers): { start: number; total: number } | "malformed" {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headers.get("content-range")?.trim() ?? "");
  const [start, end, total] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
  return match && start <= end && end < total ? { start, total } : "malformed";
}

/** A 206 whose Content-Range cannot be trusted: none of it is appended, the part stays as it is. */
async function malformedRange(response: Response, file: string, have: number): Promise<DownloadError> {
  await response.body?.cancel().catch(() => undefined);
  const sent = response.headers.get("content-range");
  return new DownloadError(
    `The server's answer to resuming ${file} from byte ${have} has ${sent === null ? "no Content-Range" : `a malformed Content-Range "${sent}"`} ` +
      `(expected "bytes ${have}-<last byte>/<file size>"), so none of it was used; the ${formatSize(have)} downloaded so far are kept: run it again to resume. ` +
      "If this happens again, something between this machine and the server (a proxy) is changing the answers; deleting the .part file downloads the file whole.",
    false,
  );
}

/** A 206 of a part that does not start at byte 0, to a request for the whole file: none of it is written. */
async function wrongStart(response: Response, options: DownloadOptions): Promise<DownloadError> {
  await response.body?.cancel().catch(() => undefined);
  const sent = response.headers.get("content-range")?.trim() ?? "";
  const start = /^bytes (\d+)-/.exec(sent)?.[1];
  return new DownloadError(
    `${hostOf(response.url || options.url)} answered the request for all of ${options.file} with only a part of it (Content-Range "${sent}": from byte ${start}, not 0), so none of it was used. ` +
      "Nothing was kept. Something between this machine and the server (a proxy or cache) is changing the answers: try again later or through another network.",
    false,
  );
}

/**
 * Why a resume from `have` cannot continue the part with this response (undefined: it can):
 * a 206 starting elsewhere than asked, or a file that is not the version the part holds. A
 * 200 always starts over; its reason is only said.
 */
function startOverReason(have: number, range: { start: number } | undefined, origin: PartOrigin | undefined, now: Parameters<typeof changedSince>[1]): string | undefined {
  if (range && range.start !== have) return `the server sent other bytes than asked for (from byte ${range.start}, not ${have}), so the file is downloaded again from the start`;
  if (origin && changedSince(origin, now)) return "the file changed on the server since the part was downloaded, so it is downloaded again from the start";
  return range ? undefined : "the server did not resume the download, so the file is downloaded again from the start";
}

/**
 * A request the server refused (403, 404, 5xx…): names the host that answered when a redirect
 * led elsewhere (a CDN; only its host, as its address may carry a signature) and, for a
 * resume, that the part is kept.
 */
async function refused(response: Response, url: string, have: number): Promise<DownloadError> {
  await response.body?.cancel().catch(() => undefined);
  const answered = hostOf(response.url);
  const via = response.url && answered !== hostOf(url) ? ` (redirected to ${answered})` : "";
  const kept = have > 0 ? `, asked for the rest from byte ${have}; the ${formatSize(have)} downloaded so far are kept: run it again to resume` : "";
  // RFC 6585's status for a captive portal: the network, not the model's server, answered.
  const portal = response.status === 511 ? `. ${captivePortalWords("run the download again")}` : "";
  return new DownloadError(`the server answered ${response.status} ${response.statusText} for ${url}${via}${kept}${portal}`, false);
}

/**
 * The Content-Encoding of an answer sent compressed though asked for as it is (`identity`):
 * an S3 object stored with `Content-Encoding: gzip` comes so whatever the request says.
 * `fetch` unpacks it, so its Content-Length (the packed size) never matches the file.
 */
function compressed(headers: Headers): string | undefined {
  const coding = headers.get("content-encoding")?.trim();
  if (!coding) return undefined;
  return coding.split(",").every((c) => /^\s*(identity|none)?\s*$/i.test(c)) ? undefined : coding;
}

/** Refuses a compressed answer before any of it is written: the part stays as it is. */
async function compressedError(response: Response, options: DownloadOptions, coding: string, have: number): Promise<DownloadError> {
  await response.body?.cancel().catch(() => undefined);
  const kept = have > 0 ? `The ${formatSize(have)} downloaded so far are kept.` : "Nothing was kept.";
  return new DownloadError(
    `${hostOf(response.url || options.url)} sent ${options.file} compressed (Content-Encoding: ${coding}) though asked for it as it is (Accept-Encoding: identity): ` +
      `the size it announced is the compressed one, which the file never matches, so none of it was used. ${kept} ` +
      "A mirror (HF_ENDPOINT) or storage bucket that keeps the file compressed cannot serve it to Hearth: use another, or download the file yourself and choose it.",
    false,
  );
}

/** Drops the part (its bytes are not the file's): the next request asks for the whole file. */
async function startOver(part: string, digest: PartDigest, meter: Meter, why: string): Promise<void> {
  await truncate(part, 0);
  await removeOrigin(part);
  digest.reset();
  meter.restart();
  meter.note = why;
}

/** Refuses a download whose remaining bytes the folder's disk has no room for (the part stays as it is). */
async function checkRoom(part: string, file: string, bytes: number, body: WebStream): Promise<void> {
  const folder = dirname(part);
  const disk = await statfs(folder).catch(() => undefined);
  const free = disk ? disk.bavail * disk.bsize : Number.POSITIVE_INFINITY;
  if (bytes <= free) return;
  await body.cancel().catch(() => undefined);
  throw new DownloadError(
    `Not enough disk space for ${file}: it needs ${formatSize(bytes)} more, and ${folder} has ${formatSize(free)} free. Free some space, then try again; ${whatIsKept(part)}.`,
    false,
  );
}

const MAX_REDIRECTS = 10;

/**
 * GET `url` (from byte `have` on), following redirects by hand: the redirect is where
 * Hugging Face announces the file's SHA-256 (`X-Linked-Etag`), which `fetch` would drop.
 */
async function request(url: string, have: number, validator: string | undefined, signal: AbortSignal | undefined): Promise<{ response: Response; announced: Announced | undefined }> {
  let announced: Announced | undefined;
  let current = url;
  for (let hop = 0; ; hop++) {
    // If-Range: a server holding another version of the file than the part's answers with all of it (200).
    // Identity: fetch offers gzip otherwise, and a server that takes it (nginx's gzip_types *) announces the compressed size, never the file's.
    const range = have > 0 ? { Range: `bytes=${have}-`, ...(validator ? { "If-Range": validator } : {}) } : {};
    const headers: Record<string, string> = { "Accept-Encoding": "identity", ...range };
    const response = await fetch(current, { headers, redirect: "manual", ...(signal ? { signal } : {}) });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) return { response, announced: announced ?? announcedSha256(response.headers, true) };
    announced ??= announcedSha256(response.headers, false);
    await response.body?.cancel();
    const next = new URL(location, current);
    // Shown without their queries: a CDN's signed address carries its token there.
    if (next.protocol !== "http:" && next.protocol !== "https:") throw new DownloadError(`${shownAddress(current, current)} redirected to ${shownAddress(next.href, current)}, which is not a web address`, false);
    if (hop >= MAX_REDIRECTS) throw new DownloadError(`${url} redirected more than ${MAX_REDIRECTS} times`, false);
    current = next.href;
  }
}

/**
 * Speed, time left and how often progress is said, on the monotonic clock: with Date.now() a
 * clock set back a day left the last report in the future and no other came until the clock
 * caught up (the bar stood still to the end), and a laptop asleep for an hour mid-download
 * counted that hour into the speed (where the monotonic clock stops in sleep: Linux, macOS).
 */
class Meter {
  received: number;
  total: number | undefined;
  /** Why the download started again from byte 0, once it did. */
  note: string | undefined;
  private startedAt = performance.now();
  private startBytes: number;
  private lastReport = Number.NEGATIVE_INFINITY;

  constructor(start: number, private readonly options: DownloadOptions) {
    this.received = start;
    this.startBytes = start;
  }

  restart(): void {
    this.received = 0;
    this.startBytes = 0;
  }

  /** After checking a part: speed and ETA count the download from now on. */
  restartClock(): void {
    this.startedAt = performance.now();
    this.startBytes = this.received;
  }

  /** Progress of hashing the part left before (`bytes` of `partBytes`). */
  checking(bytes: number, partBytes: number): void {
    const now = performance.now();
    if (bytes < partBytes && now - this.lastReport < (this.options.progressIntervalMs ?? 250)) return;
    this.lastReport = now;
    const bytesPerSecond = bytes / Math.max((now - this.startedAt) / 1000, 0.001);
    this.options.onProgress?.({ phase: "checking", receivedBytes: bytes, totalBytes: partBytes, bytesPerSecond, etaSeconds: (partBytes - bytes) / Math.max(bytesPerSecond, 1) });
  }

  add(bytes: number): void {
    this.received += bytes;
    this.report(false);
  }

  report(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastReport < (this.options.progressIntervalMs ?? 250)) return;
    this.lastReport = now;
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const bytesPerSecond = (this.received - this.startBytes) / seconds;
    const left = this.total === undefined ? undefined : this.total - this.received;
    this.options.onProgress?.({
      phase: "downloading",
      receivedBytes: this.received,
      ...(this.total === undefined ? {} : { totalBytes: this.total }),
      bytesPerSecond,
      ...(left !== undefined && bytesPerSecond > 0 ? { etaSeconds: left / bytesPerSecond } : {}),
      ...(this.note ? { note: this.note } : {}),
    });
  }
}

/** The file an fs error names (`path`), on it or a cause. */
function errorPath(error: unknown): string | undefined {
  return causeField(error, "path");
}

function errorCode(error: unknown): string | undefined {
  return causeField(error, "code");
}

/** A string `field` of `error` or of the first of its causes that has one. */
function causeField(error: unknown, field: "code" | "path" | "dest"): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const value = (current as Record<string, unknown>)[field];
    if (typeof value === "string") return value;
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
    const problem = networkProblem(url, error);
    if (problem !== undefined) throw new DownloadError(`Cannot download from ${hostOf(url)}: ${problem}. ${advice}`, false, { cause: error });
    if (isOffline(error)) throw offlineError(url, error, advice);
    throw new DownloadError(`Cannot download from ${url}: ${describe(error)}. ${advice}`, false, { cause: error });
  }
}

function diskError(folder: string, error: unknown, file: string): DownloadError {
  const code = errorCode(error);
  // EISDIR's path is the folder in the way (the part, its record or its lock), except a rename's: its dest (the file's own name, made a folder meanwhile).
  const inTheWay = code === "EISDIR" ? (causeField(error, "dest") ?? errorPath(error)) : undefined;
  return new DownloadError(`Cannot save the download in ${folder}: ${diskWhy(code, folder, inTheWay ? basename(inTheWay) : `${file}.part`)}, then try again; ${whatIsKept(join(folder, `${file}.part`))}.`, false, { cause: error });
}

/** What a download stopped by the disk leaves: its part, when one has bytes (a folder in the way or a first try holds none). */
function whatIsKept(part: string): string {
  let info;
  try {
    info = statSync(part, { throwIfNoEntry: false });
  } catch {
    info = undefined; // a file at a folder above it (ENOTDIR): no part there either
  }
  return info?.isFile() && info.size > 0 ? "the part already downloaded is kept" : "nothing was downloaded yet";
}

/** Why a disk refused the download, and what helps. EFBIG is no full disk: freeing space (the advice it got) never helped. */
function diskWhy(code: string | undefined, folder: string, inTheWay: string): string {
  if (code === "ENOSPC" || code === "EDQUOT") return `the disk is full (${code}). Free some space or download to a folder on another disk`;
  // FAT32 (many USB disks) holds files up to 4 GiB; `ulimit -f` limits the files a process writes.
  if (code === "EFBIG") return `the file is larger than this disk's file system or this process's file-size limit allows (EFBIG; FAT32 holds at most 4 GiB in a file, see also ulimit -f). Download to a folder on another disk`;
  if (code === "EEXIST" || code === "ENOTDIR") return `it or a folder above it is a file, not a folder (${code}). Move that file away or download to another folder`;
  if (code === "EISDIR") return `a folder is in the way of the download's own files (${code}). Move ${inTheWay} out of ${folder}`;
  return `the folder cannot be written (${code}). Fix the folder's permissions or download to another folder`;
}

function offlineError(url: string, error: unknown, advice = MODEL_ALTERNATIVES): DownloadError {
  return new DownloadError(
    `cannot reach ${hostOf(url)} (${errorCode(error) ?? describe(error)}): this machine seems to be offline. ${advice}`,
    true,
    { cause: error },
  );
}

/** Whether `url` is an absolute http(s) URL, the only kind a download fetches. */
export function isWebAddress(url: string): boolean {
  return URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);
}

/** The host (and port) of `url`; `url` itself when it is not one. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.message}${errorCode(error) ? ` (${errorCode(error)})` : ""}` : String(error);
}

async function partSize(part: string): Promise<number> {
  return (await stat(part).catch(() => undefined))?.size ?? 0;
}

/** A server that sent nothing for {@link DOWNLOAD_IDLE_MS} (no answer, or a body that stopped with its connection held): resumed like a drop. */
class Stalled extends Error {
  constructor(host: string, options: ErrorOptions) {
    super(`${host} sent nothing for ${formatDuration(DOWNLOAD_IDLE_MS)}`, options);
  }
}

/** An answer that ended cleanly before the whole file arrived: resumed from where it stopped. */
class EndedEarly extends Error {
  constructor(size: number, total: number) {
    super(`the server ended its answer at byte ${size} of ${total}`);
  }
}
