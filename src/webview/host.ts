/** What the view needs from the page's host (VS Code's webview API, or a fake in tests). */
import type { FromWebview } from "../protocol/webview.ts";

export interface WebviewHost {
  postMessage(message: FromWebview): void;
  /** Kept by VS Code while the view is hidden (and across reloads of the view). */
  setState(state: unknown): void;
  getState(): unknown;
}

export type Post = (message: FromWebview) => void;
