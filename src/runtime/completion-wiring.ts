/**
 * Inline completions in the runtime: answers LSP `textDocument/inlineCompletion` from the
 * open documents' text (kept by index-wiring.ts) through the completion engine
 * (src/completions), and `hearth/completions/stats`. `$/cancelRequest` aborts the request's
 * signal, which stops the debounce or the generation itself. The optional completion
 * model (`hearth.completionModelPath`) is the session's completion slot
 * (src/models/model-slot.ts, like the main model); the main model answers whenever there is
 * none or it failed to load. `hearth/completions/status` tells the editor when completions
 * wait for a busy server or fail, and when they answer again. A file that is another name of
 * a secrets file (`settings.txt` → `.env`, `ln .env notes.txt`) is not completed, as `.env`
 * itself is not (`CompletionSecretLinks`).
 */
import type { Stats } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type CancellationToken,
  type Connection,
  type InlineCompletionList,
  type InlineCompletionParams,
  InlineCompletionRequest,
  LSPErrorCodes,
  ResponseError,
} from "vscode-languageserver/node";
import { CompletionEngine, type ModelChoice } from "../completions/engine.ts";
import { CompletionExclusionRequest, CompletionStatsRequest, CompletionStatusNotification, type IndentStyle, type InlineCompletionExtras } from "../protocol/completions.ts";
import { secretFileReason } from "../protocol/secret-files.ts";
import { secretFileRead } from "../tools/secret-reads.ts";
import { relativeTo } from "./index-wiring.ts";
import { log } from "./log.ts";
import { abortSignal } from "./rpc.ts";
import type { OpenDocuments } from "./open-documents.ts";
import type { RuntimeSession } from "./session.ts";
import type { WorkspaceIndex } from "./workspace-index.ts";

export interface CompletionWiring {
  dispose(): Promise<void>;
}

export function wireCompletions(
  connection: Connection,
  session: RuntimeSession,
  documents: OpenDocuments,
  root: string | undefined,
  index: () => WorkspaceIndex | undefined,
): CompletionWiring {
  const rel = (uri: string) => (root ? relativeTo(root, uri) : undefined);
  const scope = (uri: string) => completionScope(root, uri);
  const links = new CompletionSecretLinks(root);
  const engine = new CompletionEngine({
    model: () => chooseModel(session),
    context: async (path, line, text, character) => index()?.queries?.contextAt(path, line, { text, character }),
    recentEdits: async () => {
      const edits = documents.recentlyEdited().flatMap((d) => {
        const path = rel(d.uri);
        return path ? [{ uri: d.uri, path, line: d.line, text: d.text }] : [];
      });
      // An edit in a link to .env is no context either.
      const secret = await Promise.all(edits.map((e) => links.reason(e.uri)));
      return edits.filter((_, i) => secret[i] === undefined).map(({ path, line, text }) => ({ path, line, text }));
    },
    exclude: () => session.currentSettings().inlineCompletionsExclude,
    // The status bar says why no completion shows (a busy server) and when they are back;
    // the log too, since the engine keeps the model's errors instead of throwing them here.
    onStatus: (status) => {
      log(status.state === "ready" ? "info" : "warn", status.state === "ready" ? "inline completions answer again" : `inline completions ${status.state}: ${status.reason}`);
      void connection.sendNotification(CompletionStatusNotification, status).catch(() => undefined);
    },
    ...(root ? { repoName: basename(root) } : {}),
  });
  documents.onClosed((uri) => {
    engine.forget(uri, scope(uri).path);
    links.forget(uri);
  });

  connection.onRequest(InlineCompletionRequest.type, async (params, token: CancellationToken) =>
    (await links.reason(params.textDocument.uri)) !== undefined ? { items: [] } : inlineCompletion(engine, documents, scope, params, token));
  connection.onRequest(CompletionExclusionRequest, async ({ uri }) => (await links.reason(uri)) ?? null);
  connection.onRequest(CompletionStatsRequest, () => engine.stats());
  // The completion model is the session's: it is disposed with the session.
  return { dispose: async () => undefined };
}

/** One `textDocument/inlineCompletion`: an empty answer when it fails, RequestCancelled when cancelled. */
async function inlineCompletion(
  engine: CompletionEngine,
  documents: OpenDocuments,
  scope: (uri: string) => CompletionScope,
  params: InlineCompletionParams,
  token: CancellationToken,
): Promise<InlineCompletionList> {
  const uri = params.textDocument.uri;
  const text = documents.text(uri);
  // On/off, snooze and per-language choices are the extension's: it only asks when they allow.
  if (text === undefined) return { items: [] };
  const signal = abortSignal(token);
  try {
    const extras = completionExtras((params as { hearth?: unknown }).hearth);
    const cells = extras.earlierCells ? earlierCellTexts(documents, extras.earlierCells, uri) : [];
    const doc = {
      uri, ...scope(uri), text, version: documents.version(uri) ?? 0,
      ...(extras.indentation ? { indentation: extras.indentation } : {}),
      ...(cells.length ? { earlierCells: cells } : {}),
    };
    const answer = await engine.complete(doc, params.position, signal);
    if (signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
    const at = params.position;
    return { items: answer.text ? [{ insertText: answer.text, range: { start: at, end: at } }] : [] };
  } catch (error) {
    if (error instanceof ResponseError) throw error;
    log("warn", "inline completion failed", error);
    return { items: [] };
  }
}

/**
 * Which open files are another name of a file that looks like it holds secrets: a symbolic
 * link to one, or in the folder Hearth works in a hard link (`secretFileRead`, as the agent's
 * reads decide); outside it, and for a link in it that leads out, where the link leads. Looked
 * up once per document and file on disk (a hard link's lookup may walk the folder): a file
 * made a link while it is open (`ln -sf .env app.txt`, the editor then reloading its text
 * from disk) is another file on disk, and looked up again.
 */
export class CompletionSecretLinks {
  private readonly known = new Map<string, { readonly file: string; readonly reason: Promise<string | undefined> }>();
  /**
   * Per document, the disk check in flight and the one to follow it, which every request made
   * meanwhile shares: on a stalled network mount each keystroke's own check would hold one more
   * of node's 4 file threads for good, and the one in flight may have read the path before it
   * was made a link.
   */
  private readonly checks = new Map<string, { readonly running: Promise<string>; next?: Promise<string> }>();
  /**
   * `disk`: the two calls each request makes (node's; a test passes its own, one that holds its
   * answer as a stalled network mount would).
   */
  constructor(private readonly root: string | undefined, private readonly disk: LinkDisk = { lstat, stat }) {}

  /**
   * Why the document at `uri` is such a file, in words for the status bar ("settings.txt, a
   * link to .env: it looks like it holds secrets …"); undefined for one that is not, or no
   * file (untitled, a notebook's cell).
   */
  async reason(uri: string): Promise<string | undefined> {
    if (!uri.startsWith("file:")) return undefined;
    const file = await this.checkDisk(uri);
    let found = this.known.get(uri);
    if (found?.file !== file) {
      found = { file, reason: this.lookUp(uri).catch(() => undefined) };
      this.known.set(uri, found);
    }
    return found.reason;
  }

  /** Which file on disk `uri` names (`onDisk`), by a check started after this call. */
  private checkDisk(uri: string): Promise<string> {
    const checks = this.checks.get(uri);
    if (checks === undefined) return this.startCheck(uri);
    checks.next ??= checks.running.then(() => this.startCheck(uri));
    return checks.next;
  }

  private startCheck(uri: string): Promise<string> {
    const running: Promise<string> = onDisk(uri, this.disk).finally(() => {
      if (this.checks.get(uri)?.running === running) this.checks.delete(uri);
    });
    this.checks.set(uri, { running });
    return running;
  }

  forget(uri: string): void {
    this.known.delete(uri);
  }

  private async lookUp(uri: string): Promise<string | undefined> {
    const path = this.root === undefined ? undefined : relativeTo(this.root, uri);
    const read = this.root === undefined || path === undefined ? undefined : await secretFileRead(this.root, path);
    // The read's words ("it reads settings.txt, a link to .env: …") without the read.
    if (read !== undefined) return read.replace(/^it reads /, "");
    // Outside the folder, or a link in it that leads out (to another project's .env, ~/.aws/credentials): the
    // agent's reads refuse such a link and judge nothing of it, but the editor opens it. Where it leads decides.
    const file = fileURLToPath(uri);
    const real = await realpath(file).catch(() => undefined);
    const why = real === undefined ? undefined : secretFileReason(real);
    if (real === undefined || why === undefined) return undefined;
    return real === file ? why : `${basename(file)}, a link to ${shownTarget(this.root, real)}: ${why}`;
  }
}

/** The file calls `onDisk` makes. */
export interface LinkDisk {
  lstat(path: string): Promise<Pick<Stats, "dev" | "ino" | "nlink" | "isSymbolicLink">>;
  stat(path: string): Promise<Pick<Stats, "dev" | "ino" | "nlink">>;
}

/**
 * Which file on disk a document's path names, in a form that changes when the path is made
 * another file's name: the path's own inode and link count, and where it leads. Two calls
 * per request, for the request's document and each recently edited one (one check in flight
 * per document, and one to follow: `CompletionSecretLinks.checks`).
 */
async function onDisk(uri: string, disk: LinkDisk): Promise<string> {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    return ""; // a host a file path cannot have here (file://server/share on Linux)
  }
  const own = await disk.lstat(path).catch(() => undefined);
  if (own === undefined) return "";
  const target = own.isSymbolicLink() ? await disk.stat(path).catch(() => undefined) : own;
  return `${own.dev}:${own.ino}:${own.nlink}>${target ? `${target.dev}:${target.ino}:${target.nlink}` : ""}`;
}

/** A link's target as the status bar names it: relative to the folder Hearth works in when inside it. */
function shownTarget(root: string | undefined, real: string): string {
  return (root === undefined ? undefined : relativeTo(root, pathToFileURL(real).href)) ?? real;
}

/** Most earlier cells of a notebook a request may name. */
const MAX_EARLIER_CELLS = 500;

/** What Hearth's provider added to the request (`hearth`), keeping only what is well formed. */
export function completionExtras(raw: unknown): InlineCompletionExtras {
  const input = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const indentation = input["indentation"] as Partial<IndentStyle> | undefined;
  const valid = typeof indentation?.insertSpaces === "boolean" && Number.isInteger(indentation.tabSize) && indentation.tabSize! >= 1 && indentation.tabSize! <= 16;
  const cells = Array.isArray(input["earlierCells"]) ? input["earlierCells"].filter((u): u is string => typeof u === "string").slice(0, MAX_EARLIER_CELLS) : [];
  return {
    ...(valid ? { indentation: { insertSpaces: indentation.insertSpaces!, tabSize: indentation.tabSize! } } : {}),
    ...(cells.length ? { earlierCells: cells } : {}),
  };
}

/**
 * The text of each earlier cell the runtime has (open and in sync), in the order given; only
 * cells of the same notebook as `cell` (never another document, such as a secrets file).
 */
export function earlierCellTexts(documents: OpenDocuments, uris: readonly string[], cell: string): string[] {
  const notebook = notebookOf(cell);
  return uris.flatMap((uri) => {
    const text = notebook !== undefined && notebookOf(uri) === notebook ? documents.text(uri) : undefined;
    return text === undefined ? [] : [text];
  });
}

/** A notebook cell's notebook (its URI without the cell's fragment); undefined for any other document. */
function notebookOf(uri: string): string | undefined {
  return uri.startsWith("vscode-notebook-cell:") ? uri.replace(/#.*$/s, "") : undefined;
}

/** Where a document belongs for completions: its path for the engine, and whether the folder's context is its own. */
export interface CompletionScope {
  /** Relative to the folder for a file of it; else the URI. */
  readonly path: string;
  /** Completed with the folder's repository name, index definitions and recent edits (else from its own text only). */
  readonly inFolder: boolean;
}

/**
 * A file belongs to the folder when it is inside it, a notebook's cell where its notebook
 * is, an untitled document with a path to save to where that path is. A new untitled
 * document (`untitled:Untitled-1`) belongs to no folder: it gets the context of the one
 * Hearth works in, as most often it is that project's next file. Anything else — a file of
 * another folder of the window, no folder open — is completed from its own text only.
 */
export function completionScope(root: string | undefined, uri: string): CompletionScope {
  const path = (root && relativeTo(root, uri)) || uri;
  return { path, inFolder: root !== undefined && inFolder(root, uri) };
}

function inFolder(root: string, uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.protocol === "file:") return relativeTo(root, uri) !== undefined;
  if (url.protocol !== "untitled:" && url.protocol !== "vscode-notebook-cell:") return false;
  // No absolute path: a new untitled document, or a cell of an untitled notebook.
  if (!url.pathname.startsWith("/")) return true;
  try {
    return relativeTo(root, `file://${url.host}${url.pathname}`) !== undefined;
  } catch {
    return false; // a host a file URL cannot have here
  }
}

/** The completion model when it is loaded, else the main model. */
async function chooseModel(session: RuntimeSession): Promise<ModelChoice> {
  const completion = await session.completionBackend();
  return completion ? { backend: completion, which: "completion" } : { backend: await session.readyBackend(), which: "main" };
}
