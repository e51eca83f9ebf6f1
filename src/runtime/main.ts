/**
 * Entry point of the Hearth runtime process: an LSP server on stdio, spawned by the
 * extension (with VS Code's own Node) or by the CLI. Wiring only.
 */
import { ProposedFeatures, StreamMessageReader, createConnection } from "vscode-languageserver/node";
import { endAtExitIfReadsHeld } from "../indexer/index.ts";
import { useEnvironmentProxy } from "../models/index.ts";
import { log, setLogSink } from "./log.ts";
import { logUncaughtErrors, redirectConsoleToStderr } from "./process-guard.ts";
import { FrameWriter } from "./frame-writer.ts";
import { startServer } from "./server.ts";

redirectConsoleToStderr();
logUncaughtErrors();
endAtExitIfReadsHeld(); // a read on a stalled mount would hold the exit for ever
// Before anything starts a command: the proxy the extension passed is taken out of the environment they inherit
// (at once); before the first request: the proxy is in place (undici, loaded only when a proxy is named).
const proxyLine = await useEnvironmentProxy(process.env);
// Each frame goes to stdout in one write (frame-writer.ts). stdin is read through the reader the
// library would make of it, not given as a stream: given one, the library exited the moment it
// ended (the client killed: VS Code's extension host, hearth chat), before the agent's commands
// were stopped — they run in their own process groups and kept running, orphaned — and before
// the run's conversation was saved. The server ends the process itself then, cleaning up first.
const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(process.stdin), new FrameWriter(process.stdout));
setLogSink((level, text) => connection.console[level](text));
if (proxyLine) log(proxyLine.startsWith("The proxy") ? "warn" : "info", proxyLine);
const server = startServer(connection);
process.stdin.once("end", () => server.clientGone());
process.stdin.once("close", () => server.clientGone());
connection.listen();
