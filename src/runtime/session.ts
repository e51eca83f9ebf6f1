/**
 * The runtime's state for one client: settings, model and index state. It owns no
 * protocol details; `server.ts` maps requests onto it and forwards `onChange` as
 * `hearth/status/changed`.
 */
import { checkModelSource, resolveModelSource } from "../models/source.ts";
import { type Settings, sanitizeSettings } from "../protocol/settings.ts";
import type { IndexState, ModelState, RuntimeStatus } from "../protocol/status.ts";
import { VERSION } from "../protocol/version.ts";
import { log } from "./log.ts";

export class RuntimeSession {
  private settings: Settings;
  private settingsProblems: string[];
  private model: ModelState = { kind: "none", detail: "checking settings" };
  private index: IndexState = { kind: "idle", detail: "the repository indexer is not part of this build yet" };
  private readonly startedAt = Date.now();
  private generation = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(rawSettings: unknown, private readonly onChange: (status: RuntimeStatus) => void) {
    ({ settings: this.settings, problems: this.settingsProblems } = sanitizeSettings(rawSettings));
  }

  /** Re-checks the model source; call once after construction and after each settings change. */
  refresh(): Promise<void> {
    this.pending = this.check();
    return this.pending;
  }

  /** The status once the latest settings have been checked. */
  async settledStatus(): Promise<RuntimeStatus> {
    await this.pending;
    return this.status();
  }

  private async check(): Promise<void> {
    const generation = ++this.generation;
    const model = await checkModelSource(resolveModelSource(this.settings), new Set());
    if (generation !== this.generation) return; // a newer settings change already won
    this.model = model;
    this.onChange(this.status());
  }

  async updateSettings(raw: unknown): Promise<void> {
    const { settings, problems } = sanitizeSettings(raw);
    for (const problem of problems) log("warn", problem);
    this.settings = settings;
    this.settingsProblems = problems;
    await this.refresh();
  }

  currentSettings(): Settings {
    return this.settings;
  }

  status(): RuntimeStatus {
    return {
      version: VERSION,
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      model: this.model,
      index: this.index,
      settingsProblems: this.settingsProblems,
    };
  }

  async dispose(): Promise<void> {
    // Later: unload the model and stop the index workers here, so the GPU is freed.
  }
}
