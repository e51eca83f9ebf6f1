/**
 * The readline interface `hearth fix` and `hearth chat --mcp` ask their [y/N] questions
 * with, on the terminal (stdin in raw mode while it asks), with the two keys readline
 * handles itself sent where a person expects them to go.
 */
import { createInterface, type Interface } from "node:readline/promises";

export function questionInterface(): Interface {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // readline reads Ctrl-C as a key (raw mode): left alone it was a "no" the run went on after. Sent as the signal, it stops the run.
  rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"));
  // Ctrl-Z stops hearth (readline leaves raw mode and sends SIGTSTP); on `fg` readline redraws
  // the question but leaves stdin paused, for its owner to resume. Left paused, nothing held
  // the process open: hearth exited 0 at once, the question unanswered, nothing fixed or said.
  rl.on("SIGCONT", () => rl.resume());
  return rl;
}
