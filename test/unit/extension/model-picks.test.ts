// Issue 15: Select Model marks only the model that is loaded as such; a selected model that
// is not loaded (not downloaded, loading, failed) says so.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { afterDownload, alreadyDownloading, checkAgain, DownloadSlot, downloadWarning, modelPickState, recommendedRow, workspaceServerEntry } from "../../../src/extension/model-picks.ts";
import type { ModelState, RuntimeStatus } from "../../../src/protocol/status.ts";
import type { RuntimeConnection } from "../../../src/protocol/webview.ts";

const running = (model: ModelState): RuntimeConnection => ({
  kind: "running",
  status: { version: "1", pid: 1, uptimeSeconds: 1, model, index: { kind: "idle", detail: "" }, folder: "/home/user/project", settingsProblems: [] } satisfies RuntimeStatus,
});
const defaults = { modelPreset: "qwen3.6-35b-a3b", modelPath: "", serverUrl: "" };

describe("Select Model: which entry is current", () => {
  it("nothing loaded: the default preset is 'selected, not loaded', never 'current' or 'loaded'", () => {
    const state = running({ kind: "none", detail: "qwen3.6-35b-a3b is not downloaded" });
    assert.equal(modelPickState({ kind: "preset", preset: "qwen3.6-35b-a3b" }, defaults, state), "selected, not loaded");
    assert.equal(modelPickState({ kind: "preset", preset: "qwen3.6-27b" }, defaults, state), undefined);
  });

  it("a loaded preset says loaded; a loading or failed one says selected, not loaded", () => {
    const source = { kind: "preset" as const, preset: "qwen3.6-35b-a3b" };
    assert.equal(modelPickState(source, defaults, running({ kind: "ready", source, name: "Q", contextSize: 4096, gpu: false })), "loaded");
    assert.equal(modelPickState(source, defaults, running({ kind: "loading", source, progress: 0.5 })), "selected, not loaded");
    assert.equal(modelPickState(source, defaults, running({ kind: "error", source, message: "x" })), "selected, not loaded");
    assert.equal(modelPickState(source, defaults, { kind: "starting" }), "selected, not loaded");
  });

  it("a GGUF file or a server outranks the preset: then the preset is not selected at all", () => {
    const file = { ...defaults, modelPath: "/m/a.gguf" };
    const ready = running({ kind: "ready", source: { kind: "file", modelPath: "/m/a.gguf" }, name: "A", contextSize: 4096, gpu: false });
    assert.equal(modelPickState({ kind: "preset", preset: "qwen3.6-35b-a3b" }, file, ready), undefined);
    assert.equal(modelPickState({ kind: "file" }, file, ready), "loaded");
    assert.equal(modelPickState({ kind: "server" }, file, ready), undefined);
    const server = { ...defaults, serverUrl: "http://127.0.0.1:8080/v1" };
    assert.equal(modelPickState({ kind: "server" }, server, running({ kind: "configured", source: { kind: "server", url: server.serverUrl }, detail: "" })), "selected, not loaded");
  });
});

// Download Model chosen again while a download runs: a second download of the same file
// appended to the same .part as the first (a corrupt file, or one that fails its SHA-256
// after both finished), and the first to end took the other's progress off the view.
describe("Download Model: one download at a time", () => {
  it("refuses a second download while one runs, naming it, and takes the next one once it has ended", async () => {
    const slot = new DownloadSlot();
    let finish!: (path: string) => void;
    const first = slot.run("Qwen3.6-35B-A3B Q4_K_M", () => new Promise<string>((r) => (finish = r)));
    assert.equal(slot.busy, "Qwen3.6-35B-A3B Q4_K_M");
    let started = false;
    const second = await slot.run("Qwen3.6-35B-A3B Q4_K_M", async () => ((started = true), "again"));
    assert.deepEqual(second, { refused: "Qwen3.6-35B-A3B Q4_K_M" });
    assert.equal(started, false, "the second download never started");
    assert.match(alreadyDownloading("Qwen3.6-35B-A3B Q4_K_M"), /^Hearth is already downloading Qwen3\.6-35B-A3B Q4_K_M\. Wait for it to finish, or cancel it in its notification, then download another\.$/);
    finish("/models/a.gguf");
    assert.deepEqual(await first, { result: "/models/a.gguf" });
    assert.equal(slot.busy, undefined);
    assert.deepEqual(await slot.run("Qwen3.6-27B Q4_K_M", async () => "b"), { result: "b" });
  });

  it("a download that fails or is cancelled frees the slot", async () => {
    const slot = new DownloadSlot();
    await assert.rejects(slot.run("A", async () => { throw new Error("offline"); }), /offline/);
    assert.equal(slot.busy, undefined);
    assert.deepEqual(await slot.run("B", async () => 1), { result: 1 });
  });
});

// A machine nothing fits (24 GiB of RAM, no GPU): the view offers no download, but Download
// Model listed every 20–37 GiB download, and choosing one started it at once — the reason
// was only the list's placeholder, gone as soon as one typed to filter.
describe("Download Model on a machine nothing fits", () => {
  const GiB = 1024 ** 3;
  const quant = { id: "Q4_K_M", file: "a.gguf", url: "https://example.com/a.gguf", sizeBytes: 21.2e9, memoryBytes: 21.2e9 + 3 * GiB };
  const reason = "No model Hearth offers fits this machine (24.0 GiB RAM, no GPU): Qwen3.6-35B-A3B Q4_K_M needs about 22.7 GiB. Use a server URL, or choose a smaller GGUF file";

  it("asks before the download, with the reason, the size and what it needs", () => {
    assert.equal(
      downloadWarning({ preset: "qwen3.6-35b-a3b", quantization: "Q4_K_M", fits: false, reason }, "Qwen3.6-35B-A3B Q4_K_M", quant),
      `${reason}. Qwen3.6-35B-A3B Q4_K_M needs about 22.7 GiB, so it will likely not load here. Download it (19.7 GiB) anyway?`,
    );
  });

  it("stars no row: the smallest choice it names is not a recommendation (\"Recommended: No model … fits\" under a star, before)", () => {
    const notFitting = { preset: "qwen3.6-35b-a3b", quantization: "Q4_K_M", fits: false, reason };
    assert.equal(recommendedRow(notFitting, "qwen3.6-35b-a3b", "Q4_K_M"), false);
  });

  it("stars the recommendation, and it alone, where it fits", () => {
    const fitting = { preset: "qwen3.6-35b-a3b", quantization: "Q5_K_M", fits: true, reason: "Qwen3.6-35B-A3B Q5_K_M fits in 28.0 GiB of VRAM" };
    assert.equal(recommendedRow(fitting, "qwen3.6-35b-a3b", "Q5_K_M"), true);
    assert.equal(recommendedRow(fitting, "qwen3.6-35b-a3b", "Q4_K_M"), false);
    assert.equal(recommendedRow(fitting, "qwen3.5-35b-a3b", "Q5_K_M"), false);
  });

  it("asks nothing where the recommendation fits", () => {
    assert.equal(downloadWarning({ preset: "qwen3.6-35b-a3b", quantization: "Q4_K_M", fits: true, reason: "fits in 24 GiB of VRAM" }, "Qwen3.6-35B-A3B Q4_K_M", quant), undefined);
  });
});

// Select Model's "Use this workspace's server" showed the workspace's URL as written, where the
// consent question (5cca4f1) names the host the code would go to: a Greek letter in the name or
// a host after a user name read like the team's server there.
describe("Select Model: the workspace's server entry", () => {
  it("names the server as the consent question does: its host as looked up, the URL escaped, a word on letters beyond a–z", () => {
    const lookalike = workspaceServerEntry("http://gpu-b\u03bfx.corp.example:8080/v1");
    assert.equal(lookalike.description, "xn--gpu-bx-m0e.corp.example:8080 (http://gpu-b\u03bfx.corp.example:8080/v1)");
    assert.equal(lookalike.detail, "Its settings name it; your code and chats would be sent there. Its name has letters beyond a–z, looked up as the xn-- name: some such letters look like Latin ones, so check it is the server you expect");
    const userName = workspaceServerEntry("http://127.0.0.1:8080@evil.example/v1\u202e");
    assert.equal(userName.description, 'evil.example ("http://127.0.0.1:8080@evil.example/v1\\u202e")');
    assert.equal(userName.detail, "Its settings name it; your code and chats would be sent there");
    assert.equal(workspaceServerEntry("http://gpu-box:8080/v1").label, "$(organization) Use this workspace's server");
  });
});

describe("Download Model: a choice the user made while it downloaded", () => {
  const name = "Qwen3.6-27B Q4_K_M";
  const downloaded = "qwen3.6-27b";

  it("selects the downloaded model when the model settings are as they were when it began, or already select it", () => {
    assert.equal(afterDownload(name, downloaded, defaults, { ...defaults }), undefined);
    assert.equal(afterDownload(name, downloaded, defaults, { ...defaults, modelPreset: downloaded }), undefined);
  });

  it("keeps a server URL, a GGUF file or another preset chosen meanwhile, and says so instead of overwriting it", () => {
    const server = afterDownload(name, downloaded, defaults, { ...defaults, serverUrl: "http://gpu-box:8080/v1" });
    assert.match(server ?? "", /Qwen3\.6-27B Q4_K_M is downloaded/);
    assert.match(server ?? "", /the server gpu-box:8080 you chose while it downloaded is kept/);
    const file = afterDownload(name, downloaded, defaults, { ...defaults, modelPreset: "custom", modelPath: "/models/mine.gguf" });
    assert.match(file ?? "", /the model file mine\.gguf you chose while it downloaded is kept/);
    const preset = afterDownload(name, downloaded, { ...defaults, modelPath: "/models/mine.gguf" }, defaults);
    assert.match(preset ?? "", /the preset qwen3\.6-35b-a3b you chose while it downloaded is kept/);
  });

  it("names the button that switches to the download as a plain instruction", () => {
    const kept = afterDownload(name, downloaded, defaults, { ...defaults, serverUrl: "http://gpu-box:8080/v1" }) ?? "";
    assert.match(kept, /kept\. To use Qwen3\.6-27B Q4_K_M instead, click Use Qwen3\.6-27B Q4_K_M\.$/);
  });
});

describe("Select Model: the same model chosen again", () => {
  const file = { kind: "file" as const, modelPath: "/models/Qwen3.5-9B-00001-of-00002.gguf" };
  const chosen = { modelPreset: "custom", modelPath: file.modelPath, serverUrl: "" };
  it("a file that failed (its download or a part unfinished then), chosen again: the runtime is asked to check it, since no setting changes", () => {
    const failed = running({ kind: "error", source: file, message: "… model-00002-of-00002.gguf is missing" });
    assert.equal(checkAgain(chosen, { ...chosen }, failed), true);
  });
  it("not when a setting changed (VS Code tells the runtime), the model is loaded, or no runtime runs", () => {
    const failed = running({ kind: "error", source: file, message: "x" });
    assert.equal(checkAgain(defaults, chosen, failed), false);
    assert.equal(checkAgain(chosen, { ...chosen }, running({ kind: "ready", source: file, name: "Q", contextSize: 4096, gpu: false })), false);
    assert.equal(checkAgain(chosen, { ...chosen }, { kind: "starting" }), false);
  });
});
