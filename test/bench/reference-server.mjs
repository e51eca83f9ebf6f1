// Reference for the runtime's spawn-to-ready benchmark: a bare vscode-languageserver over
// stdio that answers `initialize` and one request, i.e. the floor cost of Node + LSP.
import { createConnection, ProposedFeatures } from "vscode-languageserver/node";

const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
connection.onInitialize(() => ({ capabilities: {} }));
connection.onRequest("hearth/status", () => ({ pid: process.pid }));
connection.listen();
