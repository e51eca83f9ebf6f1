/** Placeholder replaced by the OpenAI-compatible backend. */
import { BackendError, type BackendInfo, type BackendState, type ChatRequest, type FimRequest, type FimResult, type ModelBackend } from "./backend.ts";
import type { ChatStreamEvent } from "./types.ts";

export interface RemoteOptions {
  readonly baseUrl: string;
  readonly apiKey?: string;
}

export class RemoteBackend implements ModelBackend {
  readonly kind = "remote";
  constructor(readonly options: RemoteOptions) {}
  state(): BackendState { return { kind: "error", message: "remote servers are not supported yet" }; }
  async load(): Promise<BackendInfo> { throw new BackendError("remote servers are not supported yet"); }
  // eslint-disable-next-line require-yield
  async *chat(_request: ChatRequest): AsyncIterable<ChatStreamEvent> { throw new BackendError("remote servers are not supported yet"); }
  async complete(_request: FimRequest): Promise<FimResult> { throw new BackendError("remote servers are not supported yet"); }
  async tokenize(): Promise<readonly number[]> { throw new BackendError("remote servers are not supported yet"); }
  async countTokens(): Promise<number> { throw new BackendError("remote servers are not supported yet"); }
  async dispose(): Promise<void> {}
}
