// VS Code's proxy settings changed during a run (runtime-client.ts's proxyChanged): the runtime's
// restart stops the run's commands and ends it, so it waits for the run's end, as Choose Folder
// does not stop a run without asking; with no run it restarts at once.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { RestartAfterRun } from "../../../src/extension/restart-after-run.ts";

/** A chat whose runs the test starts and ends. */
class Chat {
  running = false;
  private readonly events = new EventEmitter();
  onDidChangeRunning(listener: (running: boolean) => void): { dispose(): unknown } {
    this.events.on("running", listener);
    return { dispose: () => this.events.off("running", listener) };
  }
  set(running: boolean): void {
    this.running = running;
    this.events.emit("running", running);
  }
}

describe("RestartAfterRun", () => {
  it("restarts at once with no run in progress", () => {
    let restarts = 0;
    const restarter = new RestartAfterRun(async () => void restarts++);
    restarter.watch(new Chat());
    assert.equal(restarter.request(() => true), "now");
    assert.equal(restarts, 1);
  });

  it("waits for a run in progress to end, then restarts once, if the change still holds", () => {
    let restarts = 0;
    const chat = new Chat();
    const restarter = new RestartAfterRun(async () => void restarts++);
    restarter.watch(chat);
    chat.set(true);
    assert.equal(restarter.request(() => true), "after the run");
    assert.equal(restarter.request(() => true), "already waiting");
    assert.equal(restarts, 0, "the run is not interrupted");
    chat.set(false);
    assert.equal(restarts, 1);
    chat.set(true);
    chat.set(false);
    assert.equal(restarts, 1, "one restart for the change");

    let wanted = true;
    chat.set(true);
    assert.equal(restarter.request(() => wanted), "after the run");
    wanted = false; // the setting put back meanwhile
    chat.set(false);
    assert.equal(restarts, 1);
  });
});
