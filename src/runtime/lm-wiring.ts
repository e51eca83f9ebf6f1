/**
 * Hearth's model for VS Code's own chat over LSP (src/protocol/lm.ts): `hearth/lm/chat`
 * streams `hearth/lm/part`, `hearth/lm/countTokens` answers with the model's tokenizer.
 * Wiring only: the conversion and the turn are src/models/lm-chat.ts.
 */
import { type CancellationToken, type Connection, LSPErrorCodes, ResponseError } from "vscode-languageserver/node";
import { BackendError, countLmTokens, LmInputError, lmPartOf, runLmChat } from "../models/index.ts";
import { LmChatRequest, LmCountTokensRequest, LmPartNotification } from "../protocol/lm.ts";
import { HearthErrorCode } from "../protocol/lsp-ext.ts";
import { ChatEventCoalescer } from "./chat-events.ts";
import { abortSignal, cancellable, guard, type ShutdownGate } from "./rpc.ts";
import type { RuntimeSession } from "./session.ts";

export interface LmWiringOptions {
  readonly connection: Connection;
  readonly session: RuntimeSession;
  /** The runtime's shutdown: a reply under way ends, said so, before the model is let go. */
  readonly shutdown: ShutdownGate;
}

export function wireLm({ connection, session, shutdown }: LmWiringOptions): void {
  connection.onRequest(
    LmChatRequest,
    guard("lm/chat", (params, token: CancellationToken) => shutdown.request(token, async (signal) => {
      // A load takes minutes for a large model: a caller that stops waiting is answered at once.
      const backend = await cancellable(session.readyBackend(), token);
      const parts = new ChatEventCoalescer((event) => {
        const part = lmPartOf(event);
        if (part) void connection.sendNotification(LmPartNotification, { runId: params.runId, part });
      });
      const result = await invalidInput(() => runLmChat(backend, params, signal, (event) => parts.push(event))).finally(() => parts.flush());
      if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
      return result;
    })),
  );
  connection.onRequest(
    LmCountTokensRequest,
    guard("lm/countTokens", async (params, token: CancellationToken) => ({ tokens: await countLmTokens(await cancellable(session.readyBackend(), token), params, abortSignal(token)) })),
  );
}

/**
 * A request Hearth cannot use is the caller's to fix: InvalidInput with its message, no
 * stack in the log. A BackendError once the model is ready (the conversation does not fit
 * the context, the server refused this prompt) is this request's failure: as ModelUnavailable
 * (rpc.ts's mapping) VS Code's caller would read it as "no model" (LanguageModelError.NotFound).
 */
async function invalidInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof LmInputError) throw new ResponseError(HearthErrorCode.InvalidInput, error.message);
    if (error instanceof BackendError) throw new ResponseError(HearthErrorCode.Internal, `Hearth's model could not answer this request: ${error.message}`);
    throw error;
  }
}
