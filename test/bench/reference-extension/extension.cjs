// Reference for Hearth's activation benchmark: the same kinds of work Hearth's activate()
// does (log output channel, status bar item, a command), nothing else.
const vscode = require("vscode");
const { performance } = require("node:perf_hooks");

exports.activate = (context) => {
  const started = performance.now();
  const output = vscode.window.createOutputChannel("Bench Reference", { log: true });
  const item = vscode.window.createStatusBarItem("benchReference.status", vscode.StatusBarAlignment.Left, 1);
  item.text = "ref";
  item.show();
  context.subscriptions.push(output, item, vscode.commands.registerCommand("benchReference.hello", () => output.show()));
  output.appendLine(`activated in ${(performance.now() - started).toFixed(1)} ms`);
};
exports.deactivate = () => {};
