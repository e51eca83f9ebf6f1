/**
 * Ghost-text completions from the runtime. VS Code asks this provider on every keystroke;
 * the provider answers without a request when it can:
 * - off (`hearth.inlineCompletionsEnabled`, which can be set per language), snoozed, or the
 *   runtime not running: nothing;
 * - the user typed characters the last completion predicted: the rest of it (`typedAhead`);
 * - otherwise LSP `textDocument/inlineCompletion` to the runtime with VS Code's
 *   cancellation token, so the next keystroke cancels it there (down to the generation).
 * A status bar item shows on / off / snoozed, or why completions show nothing (the runtime's
 * `hearth/completions/status`: a busy server, one that stayed busy, a failing one, a model
 * too slow for the time limit on this machine or on a server with a slot free), and opens the
 * menu (toggle, snooze, language); where VS Code's own `editor.inlineSuggest.enabled` is off
 * for the file's language it says "off in the editor", not on. Whether the runtime will complete a file whose name does not
 * exclude it (it may be a link to `.env`) is asked when its editor becomes active and when its
 * text is read anew from disk, so the item says "off in this file" and why
 * (`hearth/completions/excluded`), and nothing is sent.
 */
import * as vscode from "vscode";
import { type InlineCompletionItem as LspItem, type InlineCompletionParams, InlineCompletionRequest, InlineCompletionTriggerKind } from "vscode-languageclient/node";
import { CompletionExclusionRequest, type CompletionStatus, CompletionStatusNotification, type InlineCompletionExtras, type OfferedCompletion, typedAhead } from "../protocol/completions.ts";
import { secretFileReason } from "../protocol/secret-files.ts";
import { SETTINGS_SECTION, type Settings } from "../protocol/settings.ts";
import { planToggle } from "./completion-toggle.ts";
import { readSettings, updateLanguageSetting, updateSetting } from "./config.ts";
import type { RuntimeClient } from "./runtime-client.ts";
import { Snooze } from "./snooze.ts";
import { completionsLook } from "./status-look.ts";

const ENABLED_KEY: keyof Settings = "inlineCompletionsEnabled";
/** VS Code's own switch (language-overridable): off, it asks no inline completion provider as the user types. */
const EDITOR_SUGGEST = "editor.inlineSuggest";

interface Offered extends OfferedCompletion {
  readonly uri: string;
  readonly line: number;
}

/**
 * The documents the runtime follows and completes: files, and the editors a user types code
 * in that are no file (yet) — a new untitled document, a notebook's cells.
 */
export const EDITOR_DOCUMENTS = ["file", "untitled", "vscode-notebook-cell"].map((scheme) => ({ scheme }));

export class InlineCompletions implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private offered: Offered | undefined;
  private readonly snoozed = new Snooze();
  private snoozeTimer: NodeJS.Timeout | undefined;
  private readonly counts = { requests: 0, keptWhileTyping: 0, shown: 0 };
  private lastLatencyMs: number | undefined;
  /** The runtime's last word on whether completions reach the model; a runtime starts ready. */
  private status: CompletionStatus = { state: "ready" };
  private readonly item = vscode.window.createStatusBarItem("hearth.completions", vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [this.item];
  /**
   * The requests in flight: turned off or snoozed, completions stop them — a request waiting
   * for a one-slot server's chat to end would otherwise come back, and show, after it.
   */
  private readonly inFlight = new Set<vscode.CancellationTokenSource>();
  /** The runtime's word on open files its name does not exclude: why it completes none of one (a link to `.env`), or null. */
  private readonly linkReasons = new Map<string, string | null>();

  constructor(private readonly runtime: RuntimeClient) {
    this.item.name = "Hearth Inline Completions";
    this.disposables.push(
      runtime.onDidChangeState(() => {
        // A restarted runtime has not tried the server yet: what the last one said is stale.
        if (runtime.state.kind !== "running") this.status = { state: "ready" };
        this.render();
        void this.askWhyExcluded(vscode.window.activeTextEditor?.document);
      }),
      vscode.languages.registerInlineCompletionItemProvider(EDITOR_DOCUMENTS, this),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(EDITOR_SUGGEST)) this.render();
        if (!e.affectsConfiguration(SETTINGS_SECTION)) return;
        if (!this.enabledFor(vscode.window.activeTextEditor?.document)) this.cancelInFlight();
        this.render();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        this.render();
        void this.askWhyExcluded(editor?.document);
      }),
      // Its text read anew from disk (no unsaved edits left): the file may be another one now (ln -sf .env app.txt).
      vscode.workspace.onDidChangeTextDocument(({ document }) => {
        if (!document.isDirty && document === vscode.window.activeTextEditor?.document) void this.askWhyExcluded(document);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.linkReasons.delete(document.uri.toString())),
    );
    runtime.onNotification(CompletionStatusNotification, (status) => {
      this.status = status;
      this.render();
    });
    this.render();
    void this.askWhyExcluded(vscode.window.activeTextEditor?.document);
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (!this.enabledFor(document) || context.selectedCompletionInfo || this.whyExcluded(document)) return undefined;
    const line = document.lineAt(position.line).text;
    const before = line.slice(0, position.character);
    const after = line.slice(position.character);
    const uri = document.uri.toString();
    const offered = this.offered;
    if (offered && offered.uri === uri && offered.line === position.line) {
      const rest = typedAhead(offered, before, after);
      if (rest !== undefined) {
        this.counts.keptWhileTyping++;
        this.render();
        return [new vscode.InlineCompletionItem(rest, new vscode.Range(position, position))];
      }
    }
    return this.request(document, position, context, token, { uri, line: position.line, before, after });
  }

  private async request(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
    where: Omit<Offered, "text">,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (this.runtime.state.kind !== "running") return undefined;
    this.counts.requests++;
    const started = Date.now();
    let result: Awaited<ReturnType<typeof this.send>>;
    const stop = new vscode.CancellationTokenSource();
    const keystroke = token.onCancellationRequested(() => stop.cancel());
    this.inFlight.add(stop);
    try {
      result = await this.send(document, position, context, stop.token);
    } catch {
      return undefined; // cancelled by the next keystroke or by turning completions off, or the runtime is restarting
    } finally {
      this.inFlight.delete(stop);
      keystroke.dispose();
      stop.dispose();
      this.render();
    }
    const items = (Array.isArray(result) ? result : (result?.items ?? [])).filter((i): i is LspItem & { insertText: string } => typeof i.insertText === "string" && i.insertText !== "");
    // Turned off or snoozed while the answer came: it is not shown.
    if (token.isCancellationRequested || !items.length || !this.enabledFor(document)) return undefined;
    this.lastLatencyMs = Date.now() - started;
    this.counts.shown++;
    this.offered = { ...where, text: items[0]!.insertText };
    this.render();
    return items.map((i) => new vscode.InlineCompletionItem(i.insertText, new vscode.Range(position, position)));
  }

  private send(document: vscode.TextDocument, position: vscode.Position, context: vscode.InlineCompletionContext, token: vscode.CancellationToken) {
    const params: InlineCompletionParams & { hearth: InlineCompletionExtras } = {
      textDocument: { uri: document.uri.toString() },
      position: { line: position.line, character: position.character },
      context: { triggerKind: context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke ? InlineCompletionTriggerKind.Invoked : InlineCompletionTriggerKind.Automatic },
      hearth: extrasFor(document),
    };
    return this.runtime.request(InlineCompletionRequest.type, params, token);
  }

  private cancelInFlight(): void {
    for (const request of this.inFlight) request.cancel();
  }

  /** On for this document's language (the setting is language-overridable) and not snoozed. */
  private enabledFor(document: vscode.TextDocument | undefined): boolean {
    if (this.snoozed.active()) return false;
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, document ? { uri: document.uri, languageId: document.languageId } : undefined);
    return config.get<boolean>(ENABLED_KEY, true) !== false;
  }

  /**
   * Turns completions on or off everywhere (and ends a snooze), flipping what the item shows
   * for the active editor: the user's own value for its language goes where it says otherwise.
   */
  async toggle(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    const language = document?.languageId;
    const scoped = vscode.workspace.getConfiguration(SETTINGS_SECTION, document ? { uri: document.uri, languageId: document.languageId } : undefined);
    const plan = planToggle(scoped.inspect<boolean>(ENABLED_KEY) ?? {}, language, this.snoozed.active());
    this.snooze(0);
    await updateSetting("inlineCompletionsEnabled", plan.on);
    if (plan.clearLanguage && language) await updateLanguageSetting(language, ENABLED_KEY, undefined);
    if (plan.stillHere) void vscode.window.showWarningMessage(plan.stillHere);
    this.render();
  }

  /** Turns completions on or off in the user's settings (and ends a snooze); a language's own value stays. */
  private async setEverywhere(enabled: boolean): Promise<void> {
    this.snooze(0);
    await updateSetting("inlineCompletionsEnabled", enabled);
    this.render();
  }

  /** Pauses completions for `minutes` (0 resumes). */
  snooze(minutes: number): void {
    clearTimeout(this.snoozeTimer);
    if (minutes > 0) this.snoozed.start(minutes * 60_000);
    else this.snoozed.end();
    if (minutes > 0) this.cancelInFlight();
    if (minutes > 0) this.snoozeTimer = setTimeout(() => this.render(), minutes * 60_000);
    this.render();
  }

  /** The status bar menu: snooze, resume, on/off, and on/off for the current language. */
  async menu(): Promise<void> {
    const language = vscode.window.activeTextEditor?.document.languageId;
    const snoozed = this.snoozed.active();
    const on = readSettings().inlineCompletionsEnabled;
    type Pick = vscode.QuickPickItem & { run: () => unknown };
    const picks: Pick[] = [
      ...(snoozed ? [{ label: "$(play) Resume now", run: () => this.snooze(0) }] : []),
      { label: "$(clock) Snooze for 5 minutes", run: () => this.snooze(5) },
      { label: "$(clock) Snooze for 30 minutes", run: () => this.snooze(30) },
      // What the label says, whatever a language's own value: toggle() flips what applies in this file.
      { label: on ? "$(circle-slash) Turn off everywhere" : "$(check) Turn on everywhere", run: () => this.setEverywhere(!on) },
      ...(language ? [this.languagePick(language)] : []),
    ];
    const pick = await vscode.window.showQuickPick(picks, { title: "Hearth: Inline Completions" });
    await pick?.run();
  }

  private languagePick(language: string): vscode.QuickPickItem & { run: () => unknown } {
    const onHere = this.enabledFor(vscode.window.activeTextEditor?.document);
    return {
      label: `${onHere ? "$(circle-slash) Turn off" : "$(check) Turn on"} for ${language}`,
      run: async () => {
        // Language-specific value: "[language]": {"hearth.inlineCompletionsEnabled": …} in user settings.
        await updateLanguageSetting(language, ENABLED_KEY, !onHere);
        this.render();
      },
    };
  }

  private render(): void {
    const snoozedMs = this.snoozed.remainingMs();
    const on = this.enabledFor(vscode.window.activeTextEditor?.document);
    const latency = this.lastLatencyMs === undefined ? "" : `, last answer in ${this.lastLatencyMs} ms`;
    const summary = `${this.counts.requests} requests, ${this.counts.shown} shown, ${this.counts.keptWhileTyping} kept while typing${latency}.`;
    const document = vscode.window.activeTextEditor?.document;
    const byName = excludedReason(document);
    const byLink = document && this.linkReasons.get(document.uri.toString());
    const excludedHere = byName ? { reason: byName, bySetting: true } : byLink ? { reason: byLink, bySetting: false } : undefined;
    const editorOff = document && vscode.workspace.getConfiguration(EDITOR_SUGGEST, { uri: document.uri, languageId: document.languageId }).get<boolean>("enabled") === false;
    const look = completionsLook({
      runtime: this.runtime.state,
      enabled: on,
      snoozedMs: Math.max(0, snoozedMs),
      summary,
      status: this.status,
      ...(excludedHere ? { excludedHere } : {}),
      ...(editorOff ? { editorSuggestionsOff: document.languageId } : {}),
    });
    this.item.text = look.text;
    this.item.tooltip = look.tooltip;
    this.item.command = look.command;
    this.item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
    this.item.accessibilityInformation = { label: look.tooltip };
    this.item.show();
  }

  /** Why this document is never completed: by its name (the extension's own rule), or as the runtime said. */
  private whyExcluded(document: vscode.TextDocument | undefined): string | undefined {
    return excludedReason(document) ?? (document && this.linkReasons.get(document.uri.toString())) ?? undefined;
  }

  /**
   * Asks the runtime whether the file is another name of a secrets file, each time its editor
   * becomes active or its text is read anew from disk (the runtime answers from its cache
   * unless the path now names another file); the item shows the last answer meanwhile.
   */
  private async askWhyExcluded(document: vscode.TextDocument | undefined): Promise<void> {
    if (!document || document.uri.scheme !== "file" || excludedReason(document) || this.runtime.state.kind !== "running") return;
    const uri = document.uri.toString();
    try {
      this.linkReasons.set(uri, await this.runtime.request(CompletionExclusionRequest, { uri }));
    } catch {
      return; // the runtime is restarting: asked again when it runs
    }
    if (document.isClosed) this.linkReasons.delete(uri);
    this.render();
  }

  dispose(): void {
    clearTimeout(this.snoozeTimer);
    this.cancelInFlight();
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * What the runtime cannot know from the text: the editor's indentation (a completion is
 * indented the same way) and, in a notebook, which cells come before this one.
 */
function extrasFor(document: vscode.TextDocument): InlineCompletionExtras {
  const options = vscode.window.visibleTextEditors.find((e) => e.document === document)?.options;
  const { insertSpaces, tabSize } = options ?? {};
  const earlierCells = document.uri.scheme === "vscode-notebook-cell" ? earlierCellsOf(document) : [];
  return {
    ...(typeof insertSpaces === "boolean" && typeof tabSize === "number" ? { indentation: { insertSpaces, tabSize } } : {}),
    ...(earlierCells.length ? { earlierCells } : {}),
  };
}

/** The URIs of the code cells of the cell's notebook above it in its language, nearest first. */
function earlierCellsOf(document: vscode.TextDocument): string[] {
  for (const notebook of vscode.workspace.notebookDocuments) {
    const cells = notebook.getCells();
    const index = cells.findIndex((c) => c.document === document);
    if (index < 0) continue;
    return cells
      .slice(0, index)
      .filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === document.languageId)
      .map((c) => c.document.uri.toString())
      .reverse();
  }
  return [];
}

/** Why the runtime never completes this document (the same rule it applies), or undefined. */
function excludedReason(document: vscode.TextDocument | undefined): string | undefined {
  return document && secretFileReason(document.uri.toString(), readSettings().inlineCompletionsExclude);
}
