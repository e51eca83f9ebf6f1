/**
 * The readline interface `hearth fix` and `hearth chat --mcp` ask their [y/N] questions
 * with, on the terminal (stdin in raw mode while it asks), with the two keys readline
 * handles itself sent where a person expects them to go, and the question brought back
 * however hearth was stopped.
 */
import { createInterface, type Interface } from "node:readline/promises";

export function questionInterface(): Interface {
  // No prompt of its own: a prompt shown is the question asked (question() sets it, then puts this one back).
  const rl = createInterface({ input: process.stdin, output: process.stderr, prompt: "" });
  // readline reads Ctrl-C as a key (raw mode): left alone it was a "no" the run went on after. Sent as the signal, it stops the run.
  rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"));
  // Ctrl-Z (raw mode: a key): out of raw mode, then stopped as the terminal would stop it.
  rl.on("SIGTSTP", () => {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.kill(process.pid, "SIGTSTP");
  });
  // Brought back (fg), however it was stopped: Ctrl-Z, or SIGSTOP / SIGTSTP from outside, which
  // readline never sees. Readline's own Ctrl-Z handling left stdin paused, and nothing else held
  // the process open: hearth exited 0 at once, the question unanswered. Stopped from outside,
  // the question was not shown again and the shell had left the terminal out of raw mode: fg
  // gave a blank line, each key echoed twice. Now raw mode is set again and the question shown
  // again with what was typed, and the answer taken.
  const onContinue = (): void => {
    if (process.stdin.isTTY) process.stdin.setRawMode(true);
    if (rl.getPrompt()) rl.prompt(true);
  };
  process.on("SIGCONT", onContinue);
  rl.on("close", () => process.off("SIGCONT", onContinue));
  return rl;
}
