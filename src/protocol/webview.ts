/**
 * Messages between the extension and the chat webview (`postMessage`), as discriminated
 * unions. The webview imports only this folder.
 */
import type { CommandName } from "./contributions.ts";
import type { RuntimeStatus, SystemInfo } from "./status.ts";

/** The extension's view of its runtime process. */
export type RuntimeConnection =
  | { readonly kind: "starting" }
  | { readonly kind: "running"; readonly status: RuntimeStatus }
  | { readonly kind: "restarting"; readonly attempt: number; readonly inSeconds: number; readonly reason: string }
  | { readonly kind: "failed"; readonly message: string };

/** Extension → webview. */
export type ToWebview =
  /** Sent when the view is shown and whenever the runtime's state changes. */
  | {
      readonly type: "state";
      readonly runtime: RuntimeConnection;
      readonly inlineCompletions: boolean;
      /** The machine as the runtime sees it; absent until the runtime has probed it. */
      readonly system?: SystemInfo;
    };

/** Webview → extension. */
export type FromWebview =
  /** Sent once the page's script runs; the extension answers with a `state` message. */
  | { readonly type: "ready" }
  /** A button in the view that runs one of Hearth's commands. */
  | { readonly type: "runCommand"; readonly command: CommandName };

/** Type guard for messages arriving from the webview (untrusted input). */
export function isFromWebview(value: unknown, commands: readonly string[]): value is FromWebview {
  if (!value || typeof value !== "object") return false;
  const msg = value as { type?: unknown; command?: unknown };
  if (msg.type === "ready") return true;
  return msg.type === "runCommand" && typeof msg.command === "string" && commands.includes(msg.command);
}
