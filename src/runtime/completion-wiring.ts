/**
 * Inline completions in the runtime: answers LSP `textDocument/inlineCompletion` from the
 * open documents' text (kept by index-wiring.ts) through the completion engine
 * (src/completions), and `hearth/completions/stats`. `$/cancelRequest` aborts the request's
 * signal, which stops the debounce or the generation itself. Also owns the optional
 * completion model (`hearth.completionModelPath`), loaded beside the main model; the main
 * model answers whenever there is none or it failed to load.
 */
import { basename } from "node:path";
import { type CancellationToken, type Connection, InlineCompletionRequest, LSPErrorCodes, ResponseError } from "vscode-languageserver/node";
import { CompletionEngine, type ModelChoice } from "../completions/engine.ts";
import type { ModelBackend } from "../models/backend.ts";
import { createBackend } from "../models/factory.ts";
import { CompletionStatsRequest } from "../protocol/completions.ts";
import { relativeTo } from "./index-wiring.ts";
import { log } from "./log.ts";
import { abortSignal } from "./rpc.ts";
import type { OpenDocuments } from "./open-documents.ts";
import type { RuntimeSession } from "./session.ts";
import type { WorkspaceIndex } from "./workspace-index.ts";

/** Context of the completion model: completions need a few thousand tokens, not 262k. */
const COMPLETION_CONTEXT = 8192;

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
  const models = new CompletionModels(session);
  const rel = (uri: string) => (root ? relativeTo(root, uri) : undefined);
  const engine = new CompletionEngine({
    model: () => models.choose(),
    context: async (path, line, text) => index()?.queries?.contextAt(path, line, { text }),
    recentEdits: () =>
      documents.recentlyEdited().flatMap((d) => {
        const path = rel(d.uri);
        return path ? [{ path, line: d.line, text: d.text }] : [];
      }),
    ...(root ? { repoName: basename(root) } : {}),
  });
  documents.onClosed((uri) => engine.forget(uri, rel(uri) ?? uri));
  models.prepare();

  connection.onRequest(InlineCompletionRequest.type, async (params, token: CancellationToken) => {
    const uri = params.textDocument.uri;
    const text = documents.text(uri);
    // On/off, snooze and per-language choices are the extension's: it only asks when they allow.
    if (text === undefined) return { items: [] };
    models.prepare();
    const signal = abortSignal(token);
    try {
      const answer = await engine.complete({ uri, path: rel(uri) ?? uri, text, version: documents.version(uri) ?? 0 }, params.position, signal);
      if (signal.aborted) throw new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
      const at = params.position;
      return { items: answer.text ? [{ insertText: answer.text, range: { start: at, end: at } }] : [] };
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      log("warn", "inline completion failed", error);
      return { items: [] };
    }
  });
  connection.onRequest(CompletionStatsRequest, () => engine.stats());
  return { dispose: () => models.dispose() };
}

/** The optional completion model, loaded beside the main one; the main model as fallback. */
class CompletionModels {
  private path = "";
  private backend: ModelBackend | undefined;
  private loading: Promise<boolean> | undefined;

  constructor(private readonly session: RuntimeSession) {}

  /** Starts loading the configured completion model (again, if the setting changed). */
  prepare(): void {
    const settings = this.session.currentSettings();
    const path = settings.completionModelPath;
    if (path === this.path) return;
    void this.backend?.dispose();
    this.path = path;
    this.backend = undefined;
    this.loading = undefined;
    if (!path) return;
    const started = Date.now();
    const backend = createBackend({ kind: "file", path }, { ...settings, contextSize: COMPLETION_CONTEXT });
    this.backend = backend;
    this.loading = backend.load().then(
      (info) => (log("info", `completion model ${info.name} ready in ${Date.now() - started} ms`), true),
      (error: unknown) => (log("warn", `completion model failed to load; completions use the main model: ${error instanceof Error ? error.message : String(error)}`), false),
    );
  }

  async choose(): Promise<ModelChoice> {
    this.prepare();
    const backend = this.backend;
    if (backend && (await this.loading) && backend === this.backend) return { backend, which: "completion" };
    return { backend: await this.session.readyBackend(), which: "main" };
  }

  async dispose(): Promise<void> {
    await this.backend?.dispose();
    this.backend = undefined;
  }
}
