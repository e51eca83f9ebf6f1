// The team server's API key lives in SecretStorage, per server origin: an in-memory
// SecretStorage stands in for VS Code's (same interface, same change events).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KEY_READ_TIMEOUT_MS, SECRET_PREFIX, type SecretStore, ServerKeys, clearedKeyMessage, keyReadTimeoutMessage, serverConsentQuestion, serverOrigin } from "../../../src/extension/server-key.ts";
import { FakeClock } from "../../fixtures/fake-clock.ts";

class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  private listeners: ((e: { key: string }) => void)[] = [];
  async get(key: string) { return this.values.get(key); }
  async store(key: string, value: string) { this.values.set(key, value); this.fire(key); }
  async delete(key: string) { this.values.delete(key); this.fire(key); }
  async keys() { return [...this.values.keys()]; }
  onDidChange = (listener: (e: { key: string }) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  private fire(key: string) { for (const l of this.listeners) l({ key }); }
}

describe("server API key in secret storage", () => {
  it("is stored under the server's origin in secret storage, and read back for any URL of that server", async () => {
    const secrets = new MemorySecrets();
    const keys = new ServerKeys(secrets);
    await keys.set("http://gpu-box:8080/v1", "  team-key  ");
    assert.deepEqual([...secrets.values], [[`${SECRET_PREFIX}http://gpu-box:8080`, "team-key"]]);
    assert.equal(await keys.get("http://gpu-box:8080"), "team-key");
    assert.equal(await keys.get("http://GPU-BOX:8080/v1/"), "team-key");
  });

  it("is never given to another server: a workspace pointing elsewhere gets no key", async () => {
    const keys = new ServerKeys(new MemorySecrets());
    await keys.set("https://llm.team.example/v1", "team-key");
    for (const other of ["https://evil.example/v1", "http://llm.team.example/v1", "https://llm.team.example:8443/v1", "", "not a url", "file:///etc/passwd"]) {
      assert.equal(await keys.get(other), undefined, other);
    }
  });

  it("clear removes it; change events name the origin and ignore other secrets", async () => {
    const secrets = new MemorySecrets();
    const keys = new ServerKeys(secrets);
    const seen: string[] = [];
    const sub = keys.onDidChange((origin) => seen.push(origin));
    await keys.set("http://127.0.0.1:8080/v1", "k");
    await secrets.store("someone.else", "x");
    assert.equal(await keys.clear("http://127.0.0.1:8080"), true);
    assert.equal(await keys.clear("http://127.0.0.1:8080"), false);
    assert.equal(await keys.get("http://127.0.0.1:8080"), undefined);
    assert.deepEqual(seen, ["http://127.0.0.1:8080", "http://127.0.0.1:8080"]);
    sub.dispose();
  });

  it("Clear Server API Key says what it did: removed, none stored for that server, or no server set at all", async () => {
    const keys = new ServerKeys(new MemorySecrets());
    await keys.set("http://gpu-box:8080/v1", "k");
    assert.equal(clearedKeyMessage("http://gpu-box:8080/v1", await keys.clear("http://gpu-box:8080/v1")), "Hearth: API key for http://gpu-box:8080 removed.");
    assert.equal(clearedKeyMessage("http://gpu-box:8080/v1", await keys.clear("http://gpu-box:8080/v1")), "Hearth: no API key is stored for http://gpu-box:8080.");
    // No server configured: not "the configured server", which there is none of.
    assert.equal(clearedKeyMessage("", await keys.clear("")), "Hearth: no server URL is set (hearth.serverUrl), so there is no API key to clear.");
    assert.equal(clearedKeyMessage("gpu-box:8080", await keys.clear("gpu-box:8080")), 'Hearth: hearth.serverUrl ("gpu-box:8080") is not an http:// or https:// URL, so there is no API key to clear.');
  });

  it("refuses an empty key or a URL that is not http(s)", async () => {
    const keys = new ServerKeys(new MemorySecrets());
    await assert.rejects(keys.set("ftp://x", "k"), /not an http:\/\/ or https:\/\/ URL/);
    await assert.rejects(keys.set("http://x", "  "), /the API key is empty/);
    assert.equal(serverOrigin("https://a.example:443/v1"), "https://a.example");
  });
});

/** Secret storage behind a locked keyring: `get` does not answer until `unlock` (if ever). */
class LockedSecrets extends MemorySecrets {
  unlock = () => {};
  private readonly unlocked = new Promise<void>((resolve) => (this.unlock = resolve));
  override async get(key: string) {
    await this.unlocked;
    return this.values.get(key);
  }
}

/** "pending" while `promise` has not settled once everything already due has run. */
function settled<T>(promise: Promise<T>): Promise<T | "pending"> {
  return Promise.race([promise, new Promise<"pending">((resolve) => setImmediate(() => resolve("pending")))]);
}

describe("reading the server key for a start", () => {
  it("gives up waiting on a secret storage that does not answer (a locked keyring), says so, and still hands over the key if it answers later", async () => {
    const secrets = new LockedSecrets();
    secrets.values.set(`${SECRET_PREFIX}http://gpu-box:8080`, "team-key");
    const clock = new FakeClock();
    const read = new ServerKeys(secrets).read("http://gpu-box:8080/v1", { timers: clock });
    clock.advance(KEY_READ_TIMEOUT_MS - 1);
    assert.equal(await settled(read), "pending");
    clock.advance(1);
    const result = await read;
    assert.equal(result.answered, false);
    assert.match(
      keyReadTimeoutMessage("http://gpu-box:8080/v1"),
      /^Hearth could not read the API key for http:\/\/gpu-box:8080 from VS Code's secret storage within 10 s .*keyring.*started without it.*Restart Runtime/,
    );
    if (result.answered) return;
    secrets.unlock();
    assert.equal(await result.late, "team-key");
  });

  it("answers at once with the key, or none, when secret storage answers; no server URL reads nothing", async () => {
    const secrets = new MemorySecrets();
    const keys = new ServerKeys(secrets);
    await keys.set("http://gpu-box:8080", "team-key");
    const clock = new FakeClock();
    assert.deepEqual(await keys.read("http://gpu-box:8080/v1", { timers: clock }), { answered: true, key: "team-key" });
    assert.deepEqual(await keys.read("http://other:8080/v1", { timers: clock }), { answered: true, key: undefined });
    assert.deepEqual(await new ServerKeys(new LockedSecrets()).read("", { timers: clock }), { answered: true, key: undefined });
    assert.equal(clock.pending(), 0, "no timer left behind");
  });

  it("takes a secret storage that fails for no key", async () => {
    const secrets = new MemorySecrets();
    secrets.get = async () => {
      throw new Error("Cannot create an item in a locked collection");
    };
    assert.deepEqual(await new ServerKeys(secrets).read("http://gpu-box:8080", { timers: new FakeClock() }), { answered: true, key: undefined });
  });
});

// A workspace's server URL is asked about before it counts (server-consent.ts). Anyone who can
// commit to the repository can change it to one that reads like the team's own server.
describe("serverConsentQuestion", () => {
  it("names the host the code would go to as the computer looks it up, and says when its name has letters beyond a–z", () => {
    const lookalike = serverConsentQuestion("http://gpu-b\u03bfx.corp.example:8080/v1");
    assert.equal(
      lookalike,
      "This workspace's settings point Hearth at the server xn--gpu-bx-m0e.corp.example:8080 (http://gpu-b\u03bfx.corp.example:8080/v1); its name has letters beyond a–z, looked up as the xn-- name: some such letters look like Latin ones, so check it is the server you expect. Your code and chats would be sent to that server instead of staying on this machine. Use it?",
    );
    assert.equal(
      serverConsentQuestion("http://gpu-box.corp.example:8080/v1"),
      "This workspace's settings point Hearth at the server gpu-box.corp.example:8080 (http://gpu-box.corp.example:8080/v1). Your code and chats would be sent to that server instead of staying on this machine. Use it?",
    );
  });

  // A genuine name (münchen, a Chinese one) is said the same way, without calling its letters
  // lookalikes of another alphabet (ü is Latin); an xn-- in the path or query no longer
  // silences the note for a host written in other letters; a name written as xn-- needs none.
  it("says what is true of any name beyond a–z, whatever else the URL holds", () => {
    const note = "; its name has letters beyond a–z, looked up as the xn-- name: some such letters look like Latin ones, so check it is the server you expect.";
    const genuine = serverConsentQuestion("https://m\u00fcnchen.example/v1");
    assert.match(genuine, /^This workspace's settings point Hearth at the server xn--mnchen-3ya\.example \(https:\/\/m\u00fcnchen\.example\/v1\)/);
    assert.ok(genuine.includes(note), genuine);
    assert.doesNotMatch(genuine, /another alphabet/);
    assert.ok(serverConsentQuestion("http://\u4f8b\u5b50.example:8080").includes(note));
    assert.ok(serverConsentQuestion("http://gpu-b\u03bfx.corp.example:8080/v1/xn--").includes(note), "an xn-- in the path silenced the note");
    assert.ok(serverConsentQuestion("http://gpu-b\u03bfx.corp.example:8080/v1?m=xn--gpu-bx-m0e").includes(note), "the host's own xn-- name in the query silenced the note");
    assert.ok(!serverConsentQuestion("http://xn--gpu-bx-m0e.corp.example:8080/v1").includes(note), "written as xn--, the name is shown as written");
  });

  it("shows hidden characters of the URL escaped, and names the host after a user name", () => {
    assert.match(serverConsentQuestion("http://127.0.0.1:8080/v1\u202e1v/moc.live"), /^This workspace's settings point Hearth at the server 127\.0\.0\.1:8080 \("http:\/\/127\.0\.0\.1:8080\/v1\\u202e1v\/moc\.live"\)\. /);
    assert.match(serverConsentQuestion("http://127.0.0.1:8080@evil.example/v1"), /at the server evil\.example \(/);
  });
});
