/**
 * Hearth's model in VS Code's own chat: a Language Model Chat Provider (vendor "hearth",
 * stable since VS Code 1.104) that lists the runtime's loaded model, answers requests
 * through `hearth/lm/chat` (streamed parts, cancellation by `$/cancelRequest`) and counts
 * tokens with the model's tokenizer. Hearth's engine stays at ^1.95: on a VS Code without
 * the API nothing is registered and Hearth's own view works as before.
 */
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { ResponseError } from "vscode-languageclient/node";
import { LM_VENDOR, LmChatRequest, LmCountTokensRequest, LmPartNotification, type LmResponsePart } from "../protocol/lm.ts";
import { VERSION } from "../protocol/version.ts";
import { type LmListing, nextLmListing, runtimeRunning } from "./lm-listing.ts";
import { describeLmFailure, type LmModelInfo, type PartClasses, readModelOptions, type RequestMessage, toLmMessages, toLmTools } from "./lm-messages.ts";
import { type RuntimeClient, RuntimeNotRunningError } from "./runtime-client.ts";

// The slice of VS Code 1.104's provider API Hearth uses. @types/vscode stays at the engine
// minimum (1.95, vsce refuses newer types than the engine), so it is declared here.
interface ResponseOptions {
  readonly modelOptions?: { readonly [name: string]: unknown };
  readonly tools?: readonly vscode.LanguageModelChatTool[];
  readonly toolMode?: vscode.LanguageModelChatToolMode;
}
interface ChatProvider {
  readonly onDidChangeLanguageModelChatInformation: vscode.Event<void>;
  provideLanguageModelChatInformation(options: { readonly silent: boolean }, token: vscode.CancellationToken): LmModelInfo[];
  provideLanguageModelChatResponse(model: LmModelInfo, messages: readonly RequestMessage[], options: ResponseOptions, progress: vscode.Progress<unknown>, token: vscode.CancellationToken): Promise<void>;
  provideTokenCount(model: LmModelInfo, text: string | RequestMessage, token: vscode.CancellationToken): Promise<number>;
}
type LmNamespace = { readonly registerLanguageModelChatProvider?: (vendor: string, provider: ChatProvider) => vscode.Disposable };

const PARTS: PartClasses = { Text: vscode.LanguageModelTextPart, ToolCall: vscode.LanguageModelToolCallPart, ToolResult: vscode.LanguageModelToolResultPart };

/** Registers the provider where VS Code has the API (1.104+); logs why not elsewhere. */
export function registerLanguageModelProvider(runtime: RuntimeClient, output: vscode.LogOutputChannel): vscode.Disposable {
  const lm = vscode.lm as typeof vscode.lm & LmNamespace;
  if (typeof lm.registerLanguageModelChatProvider !== "function") {
    output.appendLine(`[extension] VS Code ${vscode.version} has no Language Model Chat Provider API (1.104+): Hearth's model is offered in Hearth's own view only`);
    return new vscode.Disposable(() => undefined);
  }
  const provider = new HearthChatProvider(runtime);
  try {
    return vscode.Disposable.from(provider, lm.registerLanguageModelChatProvider(LM_VENDOR, provider));
  } catch (error) {
    // An optional feature must never fail Hearth's activation (an editor with the function but without the contribution point).
    output.appendLine(`[extension] Hearth's model could not be offered in VS Code's chat: ${error instanceof Error ? error.message : String(error)}`);
    provider.dispose();
    return new vscode.Disposable(() => undefined);
  }
}

class HearthChatProvider implements ChatProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  /** Part handlers of the requests in flight, by run id. */
  private readonly runs = new Map<string, (part: LmResponsePart) => void>();
  private listing: LmListing;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runtime: RuntimeClient) {
    this.listing = nextLmListing({ models: [] }, runtime.state, VERSION);
    // Status arrives often (index progress, load percent): tell VS Code only when the list changes.
    this.subscription = runtime.onDidChangeState((state) => {
      const listing = nextLmListing(this.listing, state, VERSION);
      const changed = JSON.stringify(listing.models) !== JSON.stringify(this.listing.models);
      this.listing = listing;
      if (changed) this.changed.fire();
    });
    runtime.onNotification(LmPartNotification, (params) => this.runs.get(params.runId)?.(params.part));
  }

  provideLanguageModelChatInformation(): LmModelInfo[] {
    return [...this.listing.models];
  }

  async provideLanguageModelChatResponse(model: LmModelInfo, messages: readonly RequestMessage[], options: ResponseOptions, progress: vscode.Progress<unknown>, token: vscode.CancellationToken): Promise<void> {
    const runId = randomUUID();
    this.runs.set(runId, (part) =>
      progress.report(part.type === "text" ? new vscode.LanguageModelTextPart(part.text) : new vscode.LanguageModelToolCallPart(part.callId, part.name, part.input)),
    );
    try {
      if (!(await this.runtimeBack(token))) return;
      await this.runtime.request(
        LmChatRequest,
        {
          runId,
          messages: toLmMessages(messages, PARTS),
          tools: toLmTools(options.tools),
          ...(options.toolMode === vscode.LanguageModelChatToolMode.Required ? { toolMode: "required" as const } : {}),
          ...readModelOptions(options.modelOptions, model.maxOutputTokens),
        },
        token,
      );
    } catch (error) {
      if (token.isCancellationRequested) return; // the caller stopped it: not a failure
      throw languageModelError(error);
    } finally {
      this.runs.delete(runId);
    }
  }

  async provideTokenCount(_model: LmModelInfo, text: string | RequestMessage, token: vscode.CancellationToken): Promise<number> {
    const params = typeof text === "string" ? { text } : { message: toLmMessages([text], PARTS)[0]! };
    try {
      if (!(await this.runtimeBack(token))) return 0;
      return (await this.runtime.request(LmCountTokensRequest, params, token)).tokens;
    } catch (error) {
      throw languageModelError(error);
    }
  }

  /** Waits out a restart the model stayed listed through; false when the caller cancelled, throws when the runtime gave up. */
  private async runtimeBack(token: vscode.CancellationToken): Promise<boolean> {
    const wait = await runtimeRunning(this.runtime, token);
    if (wait.kind === "failed") throw new RuntimeNotRunningError(wait.message, true);
    return wait.kind === "running";
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** What the caller of `sendRequest` sees: NotFound when there is no model (or no runtime) to answer, else the runtime's message. */
function languageModelError(error: unknown): Error {
  if (error instanceof RuntimeNotRunningError) return vscode.LanguageModelError.NotFound(error.message);
  const code = error instanceof ResponseError ? error.code : undefined;
  const failure = describeLmFailure(code, error instanceof Error ? error.message : String(error));
  return failure.kind === "notFound" ? vscode.LanguageModelError.NotFound(failure.message) : new Error(failure.message);
}
