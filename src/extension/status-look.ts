/**
 * What the status bar item shows for each runtime state: text, tooltip, click, colour.
 * Pure (no `vscode`), so it is unit tested.
 */
import { COMMANDS } from "../protocol/contributions.ts";
import { type FixAction, type RuntimeStatus, describeBackend, describeModel } from "../protocol/status.ts";
import type { RuntimeConnection } from "../protocol/webview.ts";

const FIX_COMMANDS: Record<FixAction, string> = {
  selectModel: COMMANDS.selectModel.id,
  downloadModel: COMMANDS.downloadModel.id,
  openSettings: "workbench.action.openSettings",
  showLog: COMMANDS.showLog.id,
  restartRuntime: COMMANDS.restartRuntime.id,
  downloadCuda: COMMANDS.downloadCuda.id,
};

export interface Look {
  readonly text: string;
  readonly tooltip: string;
  readonly command: string;
  readonly background?: "warning" | "error";
}

/** Maps a runtime state to how the item looks and what a click does. */
export function lookFor(state: RuntimeConnection): Look {
  switch (state.kind) {
    case "starting":
      return { text: "$(sync~spin) Hearth", tooltip: "Hearth: starting the runtime…", command: COMMANDS.showLog.id };
    case "restarting":
      return {
        text: "$(sync~spin) Hearth: restarting",
        tooltip: `Hearth: the runtime stopped (${state.reason}); restarting, attempt ${state.attempt}. Click for the log.`,
        command: COMMANDS.showLog.id,
        background: "warning",
      };
    case "failed":
      return { text: "$(error) Hearth", tooltip: `${state.message} Click to restart.`, command: COMMANDS.restartRuntime.id, background: "error" };
    case "running":
      return lookForRunning(state.status);
  }
}

function lookForRunning(status: RuntimeStatus): Look {
  const model = status.model;
  const tooltip = `Hearth ${status.version} — runtime ready (pid ${status.pid})\n${describeModel(model)}`;
  switch (model.kind) {
    case "loading":
      return { text: `$(sync~spin) Hearth ${Math.round(model.progress * 100)}%`, tooltip, command: COMMANDS.showLog.id };
    case "error":
      return { text: "$(error) Hearth", tooltip: `${tooltip}\nClick to fix.`, command: FIX_COMMANDS[model.fix ?? "showLog"], background: "error" };
    case "none":
      return { text: "$(check) Hearth: no model", tooltip: `${tooltip}\nClick to choose a model.`, command: COMMANDS.selectModel.id };
    case "configured":
      return { text: "$(check) Hearth", tooltip, command: COMMANDS.showLog.id };
    case "ready": {
      const backend = model.backend;
      const detail = backend ? `${tooltip}\nBackend: ${describeBackend(backend)}` : tooltip;
      if (backend?.fix) return { text: "$(check) Hearth $(zap)", tooltip: `${detail}\nClick to ${backend.fix === "downloadCuda" ? "download CUDA acceleration" : "fix"}.`, command: FIX_COMMANDS[backend.fix] };
      return { text: "$(check) Hearth", tooltip: detail, command: COMMANDS.showLog.id };
    }
  }
}
