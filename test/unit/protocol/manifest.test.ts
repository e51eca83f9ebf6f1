// Keeps package.json honest: the settings, commands and views it declares are exactly the
// ones the code defines in src/protocol.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CHAT_VIEW_ID, COMMANDS, COMMAND_CATEGORY, MEMORY_VIEW_ID, MODEL_READY_CONTEXT, VIEW_CONTAINER_ID, WALKTHROUGH_ID } from "../../../src/protocol/contributions.ts";
import { SETTINGS, SETTINGS_SECTION } from "../../../src/protocol/settings.ts";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
const contributes = pkg.contributes;

describe("package.json contributions", () => {
  it("declares exactly the settings in SETTINGS, with the same types, defaults, enums and descriptions", () => {
    const declared = contributes.configuration.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(declared).sort(), SETTINGS.map((s) => `${SETTINGS_SECTION}.${s.key}`).sort());
    for (const spec of SETTINGS) {
      const prop = declared[`${SETTINGS_SECTION}.${spec.key}`]!;
      assert.equal(prop.type, spec.kind === "enum" ? "string" : spec.kind, spec.key);
      assert.deepEqual(prop.default, spec.default, spec.key);
      assert.equal(prop.markdownDescription ?? prop.description, spec.description, spec.key);
      assert.deepEqual(prop.enum, spec.enum ? [...spec.enum] : undefined, spec.key);
      assert.deepEqual(prop.enumDescriptions, spec.enumDescriptions ? [...spec.enumDescriptions] : undefined, spec.key);
      assert.equal(prop.minimum, spec.minimum, spec.key);
      assert.equal(prop.maximum, spec.maximum, spec.key);
      assert.equal(prop.scope, spec.scope, spec.key);
    }
  });

  it("declares exactly the commands in COMMANDS, all in the Hearth category", () => {
    const declared = (contributes.commands as { command: string; title: string; category: string }[]).map((c) => ({ ...c }));
    assert.deepEqual(
      declared.map((c) => [c.command, c.title]).sort(),
      Object.values(COMMANDS).map((c) => [c.id, c.title]).sort(),
    );
    for (const c of declared) assert.equal(c.category, COMMAND_CATEGORY);
  });

  it("menus refer only to declared commands", () => {
    const ids = new Set<string>(Object.values(COMMANDS).map((c) => c.id));
    for (const [menu, items] of Object.entries(contributes.menus as Record<string, { command: string }[]>)) {
      for (const item of items) assert.ok(ids.has(item.command), `${menu} → ${item.command}`);
    }
  });

  it("declares the Hearth activity-bar container with the Chat webview view and the Project Memory tree", () => {
    assert.deepEqual(contributes.viewsContainers.activitybar.map((c: { id: string }) => c.id), [VIEW_CONTAINER_ID]);
    const views = contributes.views[VIEW_CONTAINER_ID] as { id: string; type: string; name: string }[];
    assert.deepEqual(views.map((v) => [v.id, v.type, v.name]), [[CHAT_VIEW_ID, "webview", "Chat"], [MEMORY_VIEW_ID, "tree", "Project Memory"]]);
    const welcome = (contributes.viewsWelcome as { view: string; contents: string }[]).find((w) => w.view === MEMORY_VIEW_ID);
    assert.match(welcome?.contents ?? "", /\.hearth\/rules\.md[\s\S]*\(command:hearth\.addMemory\)/);
  });

  it("the walkthrough's buttons run real commands, its steps are checked by real events, and its media ship in the VSIX", () => {
    const walkthroughs = contributes.walkthroughs as {
      id: string;
      steps: { id: string; description: string; media: { image?: Record<string, string>; markdown?: string }; completionEvents: string[] }[];
    }[];
    assert.deepEqual(walkthroughs.map((w) => w.id), [WALKTHROUGH_ID]);
    // VS Code's own commands a step may run; Hearth's are the declared ones, and each view's generated .focus.
    const vscodeCommands = ["workbench.action.terminal.new", "workbench.action.openSettings"];
    const commands = new Set<string>([...Object.values(COMMANDS).map((c) => c.id), `${CHAT_VIEW_ID}.focus`, ...vscodeCommands]);
    const settings = new Set(SETTINGS.map((s) => `${SETTINGS_SECTION}.${s.key}`));
    const allowlist = readFileSync(new URL("../../../.vscodeignore", import.meta.url), "utf8");
    for (const step of walkthroughs[0]!.steps) {
      const buttons = [...step.description.matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]!);
      assert.ok(buttons.length > 0, `${step.id}: no button`);
      for (const id of buttons) assert.ok(commands.has(id), `${step.id}: button runs ${id}, which nothing declares`);
      assert.ok(step.completionEvents.length > 0, `${step.id}: checked by any click unless it names an event`);
      for (const event of step.completionEvents) {
        const [kind, name] = event.split(/:(.*)/s) as [string, string];
        if (kind === "onCommand") assert.ok(commands.has(name), event);
        else if (kind === "onSettingChanged") assert.ok(settings.has(name), event);
        else if (kind === "onContext") assert.equal(name, MODEL_READY_CONTEXT, event);
        else if (kind === "onView") assert.equal(name, CHAT_VIEW_ID, event);
        else assert.fail(`${step.id}: an event this test does not know: ${event}`);
      }
      for (const file of [...Object.values(step.media.image ?? {}), ...(step.media.markdown ? [step.media.markdown] : [])]) {
        assert.ok(existsSync(new URL(`../../../${file}`, import.meta.url)), `${step.id}: ${file} is missing`);
        assert.ok(file.startsWith("media/") ? allowlist.includes("!media/**") : allowlist.includes("!docs/screenshots/*.png") && /^docs\/screenshots\/[^/]+\.png$/.test(file), `${step.id}: ${file} is not in the VSIX`);
      }
    }
  });

  it("the server URL may be a workspace setting (a team commits it); no setting holds an API key", () => {
    const declared = contributes.configuration.properties as Record<string, { scope?: string }>;
    assert.ok(["window", "resource", undefined].includes(declared["hearth.serverUrl"]!.scope));
    assert.deepEqual(Object.keys(declared).filter((k) => /key|secret|token|password/i.test(k)), []);
  });

  it("in an untrusted workspace, Hearth itself ignores the workspace's server URL and approval policy, and says so", () => {
    const untrusted = pkg.capabilities.untrustedWorkspaces;
    assert.equal(untrusted.supported, "limited");
    // Listed in restrictedConfigurations, VS Code hides their workspace values from Hearth (inspect()
    // has no workspaceValue), so its notice could never appear: layeredValue ignores them instead
    // (settings.test.ts), and e2e untrusted.e2e.ts sees the notice in Restricted Mode.
    assert.equal(untrusted.restrictedConfigurations, undefined);
    const declared = contributes.configuration.properties as Record<string, { scope?: string }>;
    assert.equal(declared["hearth.modelPath"]!.scope, "machine");
    assert.equal(declared["hearth.completionModelPath"]!.scope, "machine");
  });

  it("is off in virtual workspaces (no files on disk), with the reason VS Code shows", () => {
    assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
    assert.match(pkg.capabilities.virtualWorkspaces.description, /on disk/);
  });

  it("activates on startup-finished, never on '*', and points main at the bundle", () => {
    assert.ok(!pkg.activationEvents.includes("*"));
    assert.ok(pkg.activationEvents.includes("onStartupFinished"));
    assert.equal(pkg.main, "./out/extension.cjs");
  });

  it("package-lock.json lists node-llama-cpp's binaries for every platform, so npm ci works everywhere", () => {
    // The registry mirror used in development serves only linux binaries; a lock without
    // the others makes `npm ci` fail ("Missing: … from lock file"). Fix: scripts/lock-foreign-binaries.mjs
    const lock = JSON.parse(readFileSync(new URL("../../../package-lock.json", import.meta.url), "utf8"));
    const wanted = Object.keys(lock.packages["node_modules/node-llama-cpp"].optionalDependencies);
    const missing = wanted.filter((name) => !lock.packages[`node_modules/${name}`]);
    assert.deepEqual(missing, []);
  });

  it("pins every dependency to an exact version", () => {
    for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      assert.match(range as string, /^\d+\.\d+\.\d+$/, `${name}@${range} is not pinned`);
    }
  });
});
