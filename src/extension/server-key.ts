/**
 * The API key of the team's inference server (`hearth.serverUrl`), kept in VS Code's
 * SecretStorage and never in settings: the URL is committed in the workspace's
 * .vscode/settings.json, the key is each person's own.
 *
 * Keys are stored per server origin (`hearth.serverApiKey:http://gpu-box:8080`): a key is
 * only ever sent to the server it was entered for, so a repository whose settings point
 * Hearth elsewhere cannot collect it. The runtime gets the key for the current URL in
 * `initializationOptions.serverApiKey` and restarts when it changes (runtime-client.ts);
 * it binds the key to that origin (runtime/session.ts). `$HEARTH_API_KEY` is the CLI's:
 * the runtime's environment never carries it (runtime-env.ts).
 *
 * Only types come from "vscode" here, so unit tests drive it with an in-memory store.
 */
import type { Disposable, Event, SecretStorage, SecretStorageChangeEvent } from "vscode";
import { shownText } from "./mcp-consent.ts";
import type { StartTimers } from "./runtime-start.ts";

export const SECRET_PREFIX = "hearth.serverApiKey:";

/**
 * How long a start waits for secret storage. On a Linux desktop whose keyring is locked and
 * whose unlock prompt was dismissed, VS Code's `secrets.get` may never answer: the runtime
 * stayed at "starting" for good, and settings changes waited behind it.
 */
export const KEY_READ_TIMEOUT_MS = 10_000;

/** What a start learns of the key: the key (or that there is none), or that secret storage did not answer in time. */
export type KeyRead =
  | { readonly answered: true; readonly key: string | undefined }
  | { readonly answered: false; /** The key once secret storage answers after all (never rejects). */ readonly late: Promise<string | undefined> };

const SYSTEM_TIMERS: StartTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What ServerKeys needs of VS Code's SecretStorage. */
export type SecretStore = Pick<SecretStorage, "get" | "store" | "delete"> & { readonly onDidChange: Event<SecretStorageChangeEvent> };

export class ServerKeys {
  constructor(private readonly secrets: SecretStore) {}

  /** The key entered for this server's origin, if any ("" URL: none). */
  async get(serverUrl: string): Promise<string | undefined> {
    const name = secretName(serverUrl);
    return name ? (await this.secrets.get(name)) || undefined : undefined;
  }

  /**
   * The key for this server, waiting on secret storage at most `timeoutMs`; one it cannot
   * read (an error) counts as none, as before.
   */
  async read(serverUrl: string, options: { timeoutMs?: number; timers?: StartTimers } = {}): Promise<KeyRead> {
    const timers = options.timers ?? SYSTEM_TIMERS;
    const key = this.get(serverUrl).catch(() => undefined);
    let timer: unknown;
    const timedOut = new Promise<"timed out">((resolve) => (timer = timers.setTimeout(() => resolve("timed out"), options.timeoutMs ?? KEY_READ_TIMEOUT_MS)));
    const first = await Promise.race([key, timedOut]);
    timers.clearTimeout(timer);
    return first === "timed out" ? { answered: false, late: key } : { answered: true, key: first };
  }

  /** Stores a key for the server's origin; throws for a URL that is not http(s). */
  async set(serverUrl: string, key: string): Promise<void> {
    const name = secretName(serverUrl);
    if (!name) throw new Error(`"${serverUrl}" is not an http:// or https:// URL`);
    if (!key.trim()) throw new Error("the API key is empty");
    await this.secrets.store(name, key.trim());
  }

  /** Deletes the server's key; false when there was none. */
  async clear(serverUrl: string): Promise<boolean> {
    const name = secretName(serverUrl);
    if (!name || !(await this.secrets.get(name))) return false;
    await this.secrets.delete(name);
    return true;
  }

  /** Fires with the origin whose key was stored or deleted (in this window or another). */
  onDidChange(listener: (origin: string) => void): Disposable {
    return this.secrets.onDidChange((e) => {
      if (e.key.startsWith(SECRET_PREFIX)) listener(e.key.slice(SECRET_PREFIX.length));
    });
  }
}

/** What the user reads when a start went on without the key: what did not answer, what it means, what to do. */
export function keyReadTimeoutMessage(serverUrl: string, timeoutMs = KEY_READ_TIMEOUT_MS): string {
  return (
    `Hearth could not read the API key for ${serverOrigin(serverUrl) ?? serverUrl} from VS Code's secret storage within ${Math.round(timeoutMs / 1000)} s ` +
    "(is the system keyring locked, its unlock prompt dismissed?). The runtime started without it: the server may refuse its requests. " +
    "Unlock the keyring, then run Restart Runtime."
  );
}

/**
 * What Clear Server API Key says after `clear(serverUrl)` answered `cleared`. With no server
 * set it said "no API key is stored for the configured server", naming a server there is not.
 */
export function clearedKeyMessage(serverUrl: string, cleared: boolean): string {
  const origin = serverOrigin(serverUrl);
  if (cleared && origin) return `Hearth: API key for ${origin} removed.`;
  if (origin) return `Hearth: no API key is stored for ${origin}.`;
  if (!serverUrl.trim()) return "Hearth: no server URL is set (hearth.serverUrl), so there is no API key to clear.";
  return `Hearth: hearth.serverUrl (${JSON.stringify(serverUrl)}) is not an http:// or https:// URL, so there is no API key to clear.`;
}

/** The origin a key belongs to ("http://gpu-box:8080"), or undefined for no or a bad URL. */
export function serverOrigin(serverUrl: string): string | undefined {
  try {
    const url = new URL(serverUrl.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A server URL as a question about it shows it: `host`, the host as the URL parser reads it,
 * which is where the code would go (undefined for no URL); `written`, the URL as written, its
 * hidden characters escaped; `note`, what to know of a name written with letters beyond a–z.
 * A URL reads like the team's server while its name has a Greek or Cyrillic letter (`gpu-bοx`,
 * shown `xn--gpu-bx-m0e`), or its host comes after a user name (`http://127.0.0.1:8080@evil.example`).
 */
export function shownServer(serverUrl: string): { readonly host: string | undefined; readonly written: string; readonly note: string | undefined } {
  const written = shownText(serverUrl);
  let host: string | undefined;
  try {
    host = new URL(serverUrl.trim()).host;
  } catch {
    return { host: undefined, written, note: undefined };
  }
  // The name as written, not the whole URL: an xn-- in its path must not hide that the name was written otherwise.
  const writtenHost = /^[a-z][a-z\d+.-]*:[\\/]*([^/\\?#]*)/i.exec(serverUrl.trim())?.[1]?.split("@").pop() ?? "";
  const spelledOtherwise = host.split(".").some((label) => label.startsWith("xn--")) && /[^\x00-\x7f]/.test(writtenHost);
  return { host, written, note: spelledOtherwise ? "its name has letters beyond a–z, looked up as the xn-- name: some such letters look like Latin ones, so check it is the server you expect" : undefined };
}

/** The question before a workspace's server URL counts (server-consent.ts), the server named as shownServer shows it. */
export function serverConsentQuestion(serverUrl: string): string {
  const { host, written, note } = shownServer(serverUrl);
  const named = host ? `the server ${host} (${written})${note ? `; ${note}` : ""}` : written;
  return `This workspace's settings point Hearth at ${named}. Your code and chats would be sent to that server instead of staying on this machine. Use it?`;
}

function secretName(serverUrl: string): string | undefined {
  const origin = serverOrigin(serverUrl);
  return origin ? SECRET_PREFIX + origin : undefined;
}
