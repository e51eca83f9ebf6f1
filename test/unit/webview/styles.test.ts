// Issue 15, the look: the chat view's stylesheet uses VS Code's own button tokens, keeps the
// status colours (amber, green: low-contrast as text on light themes) to icons, dots and
// borders, and has no styles for the removed approval banner.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

const CSS = readFileSync(new URL("../../../media/chat.css", import.meta.url), "utf8");

interface Rule {
  readonly selectors: string[];
  readonly declarations: Map<string, string>;
}

/** Flat rules of a stylesheet (at-rules' inner rules included; comments removed). */
function parseRules(css: string): Rule[] {
  const rules: Rule[] = [];
  const text = css.replace(/\/\*[\s\S]*?\*\//g, "");
  for (const match of text.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selectors = match[1]!.replace(/^[\s\S]*@media[^{]*$/, "").split(",").map((s) => s.trim()).filter(Boolean);
    const declarations = new Map<string, string>();
    for (const d of match[2]!.split(";")) {
      const i = d.indexOf(":");
      if (i > 0) declarations.set(d.slice(0, i).trim(), d.slice(i + 1).trim());
    }
    rules.push({ selectors, declarations });
  }
  return rules;
}

const STATUS_COLOURS = /var\(--(ok|warn)\)|testing-iconPassed|editorWarning-foreground/;

/** Selectors that colour text (not an icon or a dot) with a status colour. */
function statusColouredText(css: string): string[] {
  return parseRules(css)
    .filter((r) => STATUS_COLOURS.test(r.declarations.get("color") ?? ""))
    .flatMap((r) => r.selectors.filter((s) => !/\.icon\b[^ ]*$|\.dot\b/.test(s)));
}

describe("chat view styles", () => {
  it("amber and green are never text colours (icons, dots and borders only)", () => {
    assert.deepEqual(statusColouredText(CSS), []);
  });

  it("secondary buttons use VS Code's secondary button tokens, with a border in high contrast themes", () => {
    const rules = parseRules(CSS);
    const secondary = rules.find((r) => r.selectors.includes("button.secondary"));
    assert.match(secondary?.declarations.get("background") ?? "", /--vscode-button-secondaryBackground/);
    assert.match(secondary?.declarations.get("color") ?? "", /--vscode-button-secondaryForeground/);
    const hc = rules.find((r) => r.selectors.includes("body.vscode-high-contrast button.secondary"));
    assert.match(hc?.declarations.get("border-color") ?? "", /--vscode-contrastBorder/);
  });

  it("every endless animation stops under prefers-reduced-motion and with VS Code's own reduce motion on (the spinner turned slowly, the caret blinked on)", () => {
    const reduced = [...CSS.matchAll(/@media\s*\(prefers-reduced-motion:\s*reduce\)\s*\{((?:[^{}]*\{[^{}]*\})*)\s*\}/g)].flatMap((m) => parseRules(m[1]!));
    const stopped = (rules: Rule[]) => new Set(rules.filter((r) => /^none\b/.test(r.declarations.get("animation") ?? "")).flatMap((r) => r.selectors));
    const byMedia = stopped(reduced);
    // "workbench.reduceMotion": "on" asks the OS nothing: VS Code tells a webview by its body's class.
    const bySetting = stopped(parseRules(CSS));
    const endless = parseRules(CSS).filter((r) => /\binfinite\b/.test(r.declarations.get("animation") ?? "")).flatMap((r) => r.selectors);
    assert.ok(endless.length > 0);
    assert.deepEqual(endless.filter((s) => !byMedia.has(s)), [], "under prefers-reduced-motion");
    assert.deepEqual(endless.filter((s) => !bySetting.has(`body.vscode-reduce-motion ${s}`)), [], "with workbench.reduceMotion on");
  });

  it("a tool's title wraps anywhere: an MCP tool's name is one long word ('create_or_update_file (github)') wider than a 300 px sidebar at 200% zoom", () => {
    const rule = parseRules(CSS).find((r) => r.selectors.includes(".tool-name") && r.declarations.has("font-family"));
    assert.equal(rule?.declarations.get("overflow-wrap"), "anywhere");
  });

  it("links are underlined, not told from text by their colour alone (WCAG 1.4.1): a reply's links and a card's file", () => {
    const rules = parseRules(CSS);
    const link = rules.find((r) => r.selectors.includes("a"));
    assert.match(link?.declarations.get("text-decoration") ?? link?.declarations.get("text-decoration-line") ?? "", /\bunderline\b/);
    const hidden = rules.filter((r) => r.selectors.some((s) => /(^|[\s>+~])a\b|\.tool-path\b/.test(s)) && /^none\b/.test(r.declarations.get("text-decoration") ?? r.declarations.get("text-decoration-line") ?? ""));
    assert.deepEqual(hidden.flatMap((r) => r.selectors), []);
  });

  it("the active @-mention and the open conversation in the history are outlined in both high contrast themes and under forced colours, where their background is not defined or is dropped", () => {
    const outlined = (rules: Rule[]) => new Set(rules.filter((r) => /\b(solid|dashed|dotted)\b/.test(r.declarations.get("outline") ?? "")).flatMap((r) => r.selectors));
    const forced = [...CSS.matchAll(/@media\s*\(forced-colors:\s*active\)\s*\{((?:[^{}]*\{[^{}]*\})*)\s*\}/g)].flatMap((m) => parseRules(m[1]!));
    const all = outlined(parseRules(CSS));
    const byForced = outlined(forced);
    const missing = [".mention-option.active", ".history-item.current"].flatMap((s) => [
      ...["body.vscode-high-contrast", "body.vscode-high-contrast-light"].filter((theme) => !all.has(`${theme} ${s}`)).map((theme) => `${theme} ${s}`),
      ...(byForced.has(s) ? [] : [`forced-colors ${s}`]),
    ]);
    assert.deepEqual(missing, []);
  });

  it("no styles for the removed approval banner", () => {
    assert.doesNotMatch(CSS, /\.approval-bar/);
  });
});
