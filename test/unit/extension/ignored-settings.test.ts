/**
 * A workspace value Hearth ignores is told once per workspace (remembered in workspaceState),
 * logged once per window, and told again when the workspace sets another value.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IGNORED_SETTINGS_KEY, IgnoredSettingsNotice, type NoticeStore, noticeButton } from "../../../src/extension/ignored-settings.ts";
import { type IgnoredWorkspaceValue, SETTINGS, ignoredWorkspaceValue } from "../../../src/protocol/settings.ts";

function memento(): NoticeStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return { data, get: <T>(key: string) => data.get(key) as T | undefined, update: async (key, value) => void data.set(key, value) };
}

const modelPath = (path: string): IgnoredWorkspaceValue => ({ key: "modelPath", action: "userSettings", text: `hearth.modelPath ${path} ignored` });
const policy: IgnoredWorkspaceValue = { key: "approvalPolicy", action: "userSettings", text: "hearth.approvalPolicy auto-all ignored" };

describe("IgnoredSettingsNotice", () => {
  it("tells each ignored value once per workspace, also across windows, and logs it once per window", async () => {
    const store = memento();
    const shown: string[] = [];
    const logged: string[] = [];
    const notice = new IgnoredSettingsNotice({ store, show: (n) => shown.push(n.text), log: (line) => logged.push(line) });
    await notice.tell([modelPath("/repo/evil.gguf"), policy]);
    await notice.tell([modelPath("/repo/evil.gguf"), policy]);
    assert.deepEqual(shown, ["hearth.modelPath /repo/evil.gguf ignored", "hearth.approvalPolicy auto-all ignored"]);
    assert.deepEqual(logged, shown);
    const nextWindow = new IgnoredSettingsNotice({ store, show: (n) => shown.push(n.text), log: (line) => logged.push(line) });
    await nextWindow.tell([modelPath("/repo/evil.gguf")]);
    assert.equal(shown.length, 2, "not told again in the next window");
    assert.equal(logged.length, 3, "but still in that window's log");
  });

  it("tells a value the workspace changed to, and one asked about twice at once only once", async () => {
    const shown: string[] = [];
    const notice = new IgnoredSettingsNotice({ store: memento(), show: (n) => shown.push(n.text), log: () => undefined });
    await Promise.all([notice.tell([modelPath("/a.gguf")]), notice.tell([modelPath("/a.gguf")])]);
    await notice.tell([modelPath("/b.gguf")]);
    assert.deepEqual(shown, ["hearth.modelPath /a.gguf ignored", "hearth.modelPath /b.gguf ignored"]);
  });

  it("says nothing when nothing is ignored, and keeps its memory bounded", async () => {
    const store = memento();
    const shown: string[] = [];
    const notice = new IgnoredSettingsNotice({ store, show: (n) => shown.push(n.text), log: () => undefined });
    await notice.tell([]);
    assert.deepEqual(shown, []);
    for (let i = 0; i < 120; i++) await notice.tell([modelPath(`/m${i}.gguf`)]);
    assert.equal(shown.length, 120);
    assert.ok((store.data.get(IGNORED_SETTINGS_KEY) as string[]).length <= 50);
  });

  // workspaceState's write can fail (its database locked or the disk full): one failed check
  // made every later one wait on a rejected promise, so nothing was told for the rest of the window.
  it("still tells values after remembering one failed", async () => {
    const store = memento();
    let fail = true;
    const failing: NoticeStore = { get: store.get, update: async (key, value) => (fail ? ((fail = false), Promise.reject(new Error("SQLITE_BUSY"))) : store.update(key, value)) };
    const shown: string[] = [];
    const logged: string[] = [];
    const notice = new IgnoredSettingsNotice({ store: failing, show: (n) => shown.push(n.text), log: (line) => logged.push(line) });
    // Its one caller (workspace-settings-notice.ts) does not wait on it: a rejection there went unhandled.
    await notice.tell([policy]);
    await notice.tell([modelPath("/repo/evil.gguf")]);
    assert.deepEqual(shown, ["hearth.approvalPolicy auto-all ignored", "hearth.modelPath /repo/evil.gguf ignored"]);
    assert.deepEqual(logged, [
      "hearth.approvalPolicy auto-all ignored",
      "could not remember in this workspace's state which ignored settings Hearth told of (SQLITE_BUSY): another window may tell them again",
      "hearth.modelPath /repo/evil.gguf ignored",
    ]);
  });

  // In a window of several folders, a folder's own invalid value ("This folder's .vscode/settings.json sets …") opened the
  // .code-workspace file (workbench.action.openWorkspaceSettingsFile), where the value is not.
  it("opens the file that holds the value: a folder's own settings.json, the workspace's, or the user's", () => {
    const threads = { ...SETTINGS.find((s) => s.key === "threads")!, userOnly: false };
    const folder = ignoredWorkspaceValue(threads, { globalValue: 8, workspaceFolderValue: "8" }, true)!;
    assert.deepEqual(noticeButton(folder), { label: "Open Folder Settings", command: "workbench.action.openFolderSettingsFile", args: [] });
    const workspace = ignoredWorkspaceValue(threads, { globalValue: 8, workspaceValue: "8" }, true)!;
    assert.deepEqual(noticeButton(workspace), { label: "Open Workspace Settings", command: "workbench.action.openWorkspaceSettingsFile", args: [] });
    assert.deepEqual(noticeButton(modelPath("/repo/evil.gguf")), { label: "Open User Settings", command: "workbench.action.openGlobalSettings", args: ["hearth.modelPath"] });
    assert.deepEqual(noticeButton({ key: "python.defaultInterpreterPath", action: "trust", text: "" }), { label: "Manage Workspace Trust", command: "workbench.trust.manage", args: [] });
  });
});
