/**
 * Mirrors model loading as LSP work-done progress: `window/workDoneProgress/create`, then
 * `$/progress` begin / report / end, so the client shows a progress bar it already knows
 * how to draw. Driven by the model state the session reports; used only when the client
 * declared `window.workDoneProgress`.
 */
import type { Connection, WorkDoneProgressServerReporter } from "vscode-languageserver/node";
import { describeSource, type ModelState } from "../protocol/status.ts";
import { log } from "./log.ts";

export class LoadProgress {
  private reporter: Promise<WorkDoneProgressServerReporter | undefined> | undefined;

  constructor(private readonly connection: Connection) {}

  update(model: ModelState): void {
    if (model.kind === "loading") {
      const percent = Math.round(model.progress * 100);
      if (!this.reporter) {
        this.reporter = this.connection.window.createWorkDoneProgress().then(
          (reporter) => {
            reporter.begin("Hearth: loading model", percent, describeSource(model.source), false);
            return reporter;
          },
          (error: unknown) => {
            log("warn", "the client refused a progress bar", error);
            return undefined;
          },
        );
      } else {
        void this.reporter.then((r) => r?.report(percent, `${describeSource(model.source)}: ${percent}%`));
      }
      return;
    }
    const reporter = this.reporter;
    this.reporter = undefined;
    void reporter?.then((r) => r?.done());
  }
}
