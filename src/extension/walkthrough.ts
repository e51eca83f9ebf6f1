/**
 * The Welcome page walkthrough's one piece of code (its steps are package.json's
 * `contributes.walkthroughs` and media/walkthrough/): the context key its "Choose a model" step
 * waits for, true while a model is loaded and ready. A step checked when Download Model merely
 * ran would be ticked by a picker opened and closed, with still no model.
 */
import * as vscode from "vscode";
import { MODEL_READY_CONTEXT } from "../protocol/contributions.ts";
import type { RuntimeConnection } from "../protocol/webview.ts";

/** A model (a GGUF file, a preset or a server's) is loaded and answers. */
export function modelReady(state: RuntimeConnection): boolean {
  return state.kind === "running" && state.status.model.kind === "ready";
}

/** Keeps the `hearth.modelReady` context key equal to modelReady(runtime state). */
export function registerModelReadyContext(onDidChangeState: vscode.Event<RuntimeConnection>, initial: RuntimeConnection): vscode.Disposable {
  let shown: boolean | undefined;
  const update = (state: RuntimeConnection) => {
    const ready = modelReady(state);
    if (ready === shown) return;
    shown = ready;
    void vscode.commands.executeCommand("setContext", MODEL_READY_CONTEXT, ready);
  };
  update(initial);
  return onDidChangeState(update);
}
