/**
 * Entry point of the Hearth runtime process: an LSP server on stdio, spawned by the
 * extension (with VS Code's own Node) or by the CLI. Wiring only.
 */
import { type MessageReader, ProposedFeatures, createConnection } from "vscode-languageserver/node";
import { endAtExitIfReadsHeld } from "../indexer/index.ts";
import { setLogSink } from "./log.ts";
import { logUncaughtErrors, redirectConsoleToStderr } from "./process-guard.ts";
import { FrameWriter } from "./frame-writer.ts";
import { startServer } from "./server.ts";

redirectConsoleToStderr();
logUncaughtErrors();
endAtExitIfReadsHeld(); // a read on a stalled mount would hold the exit for ever
// Each frame goes to stdout in one write (frame-writer.ts). stdin stays a stream: given one, the
// library ends the process when it ends (the client gone) and reads it as it would have; its
// types take two streams or a reader and a writer, not one of each, which it handles alike.
const stdin = process.stdin as unknown as MessageReader;
const connection = createConnection(ProposedFeatures.all, stdin, new FrameWriter(process.stdout));
setLogSink((level, text) => connection.console[level](text));
startServer(connection);
connection.listen();
