// Manage Downloaded Models: every failed step ends in a message saying which step, which
// model, why, and a button that leads on (the runtime's own request prefix is not shown).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { downloadedItem, manageFailure, unloadNote } from "../../../src/extension/manage-models.ts";
import { RuntimeNotRunningError, SettingsNotWritten } from "../../../src/extension/request-failure.ts";

describe("Manage Downloaded Models failures", () => {
  it("a listing that fails says so with the reason, and offers the log", () => {
    const failure = manageFailure({ kind: "list" }, new Error("Hearth's runtime is starting or restarting; try again in a moment."))!;
    assert.equal(failure.message, "Hearth could not list the downloaded models: Hearth's runtime is starting or restarting; try again in a moment.");
    assert.deepEqual(failure.actions, ["Show Log"]);
  });

  it("a listing refused because the runtime is stopped offers Restart Runtime, as its message says", () => {
    const failure = manageFailure({ kind: "list" }, new RuntimeNotRunningError("Hearth's runtime is stopped. Run \"Hearth: Restart Runtime\" to start it again.", true))!;
    assert.deepEqual(failure.actions, ["Restart Runtime", "Show Log"]);
  });

  it("a delete that fails names the model and the reason (without the request's prefix), and offers its folder", () => {
    const failure = manageFailure(
      { kind: "delete", label: "Qwen3.6-35B-A3B Q4_K_M", folder: "/models" },
      new Error("hearth/model/delete: Cannot delete m.gguf (EBUSY): it is in use"),
    )!;
    assert.equal(failure.message, "Hearth did not delete Qwen3.6-35B-A3B Q4_K_M: Cannot delete m.gguf (EBUSY): it is in use.");
    assert.deepEqual(failure.actions, ["Reveal in Folder", "Show Log"]);
  });

  it("a model that cannot be selected: a settings.json VS Code cannot write is said with Open User Settings (VS Code's own notice comes only sometimes); another reason says what to check", () => {
    // As updateSetting throws VS Code's refusal on.
    const refused = manageFailure({ kind: "use", label: "m.gguf" }, SettingsNotWritten.from(new Error("Unable to write into user settings. Please open the user settings to correct errors/warnings in it and try again.")))!;
    assert.match(refused.message, /^Hearth could not select m\.gguf: Unable to write into user settings/);
    assert.deepEqual(refused.actions, ["Open User Settings"]);
    const failure = manageFailure({ kind: "use", label: "m.gguf" }, new Error("EACCES: permission denied"))!;
    assert.match(failure.message, /^Hearth could not select m\.gguf: EACCES: permission denied\. Check your user settings \(settings\.json\)/);
    assert.deepEqual(failure.actions, ["Open User Settings"]);
  });

  it("a value thrown that is no Error still makes a sentence", () => {
    assert.equal(manageFailure({ kind: "list" }, "")!.message, "Hearth could not list the downloaded models: an unknown error.");
  });
});

describe("deleting a model the runtime has loaded", () => {
  const file = { path: "/models/q.gguf", sizeBytes: 1, preset: "qwen3.6-35b-a3b", quantization: "Q4_K_M", complete: true };

  it("the question says what the runtime has it loaded for, as the catalog tells it", () => {
    assert.equal(unloadNote({ ...file, loadedFor: ["chat"] }), "Hearth has this model loaded for chat: deleting it unloads it first.");
    assert.equal(unloadNote({ ...file, loadedFor: ["completions"] }), "Hearth has this model loaded for inline completions: deleting it unloads it first.");
    assert.equal(unloadNote({ ...file, loadedFor: ["chat", "completions"] }), "Hearth has this model loaded for chat and inline completions: deleting it unloads it first.");
  });

  it("a file the runtime has not loaded — another quantization of the loaded preset included — gets no note", () => {
    assert.equal(unloadNote(file), undefined);
    assert.equal(unloadNote({ ...file, loadedFor: [] }), undefined);
  });
});

describe("the list of downloaded models", () => {
  const names = new Map([["qwen3.6-35b-a3b", "Qwen3.6-35B-A3B"]]);

  it("a model is used, an interrupted download resumed, each deleted", () => {
    assert.deepEqual(downloadedItem({ path: "/models/q.gguf", sizeBytes: 2 * 1024 ** 3, preset: "qwen3.6-35b-a3b", quantization: "Q4_K_M", complete: true }, names), {
      label: "Qwen3.6-35B-A3B Q4_K_M", description: "2.0 GiB", detail: "/models/q.gguf", actions: ["Use This Model", "Delete…"],
    });
    assert.deepEqual(downloadedItem({ path: "/models/mine.gguf.part", sizeBytes: 1024 ** 3, complete: false }, names), {
      label: "mine.gguf.part", description: "1.0 GiB · interrupted download", detail: "/models/mine.gguf.part", actions: ["Resume Download", "Delete…"],
    });
  });

  it("what a download moved aside says what it is and can only be deleted (not used, not resumed)", () => {
    assert.deepEqual(downloadedItem({ path: "/models/q.gguf.not-a-model", sizeBytes: 3 * 1024 ** 3, complete: false, movedAside: "not-a-model" }, names), {
      label: "q.gguf.not-a-model", description: "3.0 GiB · not a model: a download found it at the model's name and moved it aside", detail: "/models/q.gguf.not-a-model", actions: ["Delete…"],
    });
    assert.deepEqual(downloadedItem({ path: "/models/q.gguf.incomplete", sizeBytes: 1024 ** 3, complete: false, movedAside: "incomplete" }, names).description,
      "1.0 GiB · an incomplete model: a download found it at the model's name and moved it aside");
  });
});
