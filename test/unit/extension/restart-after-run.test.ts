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

  it("closing the window while a restart waits: none happens at the run's end, and a later change is asked afresh", () => {
    let restarts = 0;
    const chat = new Chat();
    const restarter = new RestartAfterRun(async () => void restarts++);
    restarter.watch(chat);
    chat.set(true);
    assert.equal(restarter.request(() => true), "after the run");
    restarter.cancel(); // RuntimeClient.dispose: the window closes with the run still going
    chat.set(false); // the run's end comes after (its request cancelled)
    assert.equal(restarts, 0, "no runtime started after the client was disposed");
    chat.set(true);
    assert.equal(restarter.request(() => true), "after the run", "the cancelled wait no longer counts as one waiting");
    chat.set(false);
    assert.equal(restarts, 1);
  });

  it("a run that never ends holds the restart; a change then put back and made again restarts once, at the end", () => {
    let restarts = 0;
    let setting = "A";
    const runtimeHas = "A";
    const chat = new Chat();
    const restarter = new RestartAfterRun(async () => void restarts++);
    restarter.watch(chat);
    chat.set(true);
    setting = "B";
    assert.equal(restarter.request(() => setting !== runtimeHas), "after the run");
    setting = "A"; // put back: runtime-client.ts asks nothing then
    setting = "C";
    assert.equal(restarter.request(() => setting !== runtimeHas), "already waiting");
    for (let i = 0; i < 100; i++) chat.set(true); // the run goes on (other listeners told again)
    assert.equal(restarts, 0, "the run is never cut");
    chat.set(false);
    assert.equal(restarts, 1, "one restart, for the setting as it is at the run's end");
  });
});
