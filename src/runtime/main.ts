/**
 * Entry point of the Hearth runtime process: an LSP server on stdio, spawned by the
 * extension (with VS Code's own Node) or by the CLI. Wiring only.
 */
import { ProposedFeatures, createConnection } from "vscode-languageserver/node";
import { endAtExitIfReadsHeld } from "../indexer/index.ts";
import { setLogSink } from "./log.ts";
import { logUncaughtErrors, redirectConsoleToStderr } from "./process-guard.ts";
import { startServer } from "./server.ts";

redirectConsoleToStderr();
logUncaughtErrors();
endAtExitIfReadsHeld(); // a read on a stalled mount would hold the exit for ever
const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
setLogSink((level, text) => connection.console[level](text));
startServer(connection);
connection.listen();
