/**
 * VS Code's model list across the runtime's restarts and model loads (lm-provider.ts). A
 * restart (a setting change, an http.proxy change, a crash) or a load of the same model
 * would otherwise take Hearth's model out of VS Code's list and put it back, which can
 * reset the model a user chose in VS Code's chat picker. No `vscode` import: unit-tested.
 */
import type { RuntimeConnection } from "../protocol/webview.ts";
import { type LmModelInfo, lmModels } from "./lm-messages.ts";

/** The models listed, and the source of the ready model they came from. */
export interface LmListing {
  readonly models: readonly LmModelInfo[];
  readonly source?: string;
}

/**
 * The list after `state`: the ready model; the last list while the runtime starts or
 * restarts, or loads the model it last listed again (a request then waits for it); none
 * once the runtime failed, the model failed or is gone, or another model is chosen.
 */
export function nextLmListing(previous: LmListing, state: RuntimeConnection, version: string): LmListing {
  if (state.kind === "starting" || state.kind === "restarting") return previous;
  if (state.kind === "failed") return { models: [] };
  const model = state.status.model;
  if (model.kind === "ready") return { models: lmModels(state, version), source: JSON.stringify(model.source) };
  const sameModel = (model.kind === "configured" || model.kind === "loading") && JSON.stringify(model.source) === previous.source;
  return sameModel ? previous : { models: [] };
}

interface Subscribable<T> {
  (listener: (value: T) => void): { dispose(): void };
}

/** The runtime as the provider reads it (RuntimeClient). */
export interface RuntimeStateSource {
  readonly state: RuntimeConnection;
  readonly onDidChangeState: Subscribable<RuntimeConnection>;
}

/** A request's cancellation (vscode.CancellationToken). */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  readonly onCancellationRequested: Subscribable<unknown>;
}

export type RuntimeWait = { readonly kind: "running" } | { readonly kind: "cancelled" } | { readonly kind: "failed"; readonly message: string };

/**
 * Waits while the runtime starts or restarts, so a request made in that window (the model
 * still listed) runs once it is back; the runtime loads the model itself when asked. Ends
 * at the request's cancellation, or with why when the runtime gave up.
 */
export function runtimeRunning(runtime: RuntimeStateSource, token: Cancellation): Promise<RuntimeWait> {
  const now = settled(runtime.state);
  if (now) return Promise.resolve(now);
  if (token.isCancellationRequested) return Promise.resolve({ kind: "cancelled" });
  return new Promise((resolve) => {
    const done = (result: RuntimeWait) => {
      states.dispose();
      cancel.dispose();
      resolve(result);
    };
    const states = runtime.onDidChangeState((state) => {
      const result = settled(state);
      if (result) done(result);
    });
    const cancel = token.onCancellationRequested(() => done({ kind: "cancelled" }));
  });
}

function settled(state: RuntimeConnection): RuntimeWait | undefined {
  if (state.kind === "running") return { kind: "running" };
  if (state.kind === "failed") {
    // The runtime's messages are sentences of their own, most ending with a period ("… and was not restarted.").
    const why = /[.!?]$/.test(state.message) ? state.message : `${state.message}.`;
    return { kind: "failed", message: `This request waited for Hearth's runtime to restart, and it did not. ${why} Run "Hearth: Restart Runtime" or see "Hearth: Show Log".` };
  }
  return undefined;
}
