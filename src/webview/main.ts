/**
 * The chat view's page: wires VS Code's webview API and the message loop to the app.
 * Imports only `protocol/` and `webview/` (and bundled npm packages).
 */
import type { ToWebview } from "../protocol/webview.ts";
import { ChatApp } from "./app.ts";
import type { WebviewHost } from "./host.ts";

declare function acquireVsCodeApi(): WebviewHost;

const app = new ChatApp(document.getElementById("app")!, acquireVsCodeApi());
window.addEventListener("message", (event: MessageEvent<ToWebview>) => {
  if (event.data && typeof event.data === "object" && typeof event.data.type === "string") app.receive(event.data);
});
app.ready();
