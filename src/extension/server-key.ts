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

export const SECRET_PREFIX = "hearth.serverApiKey:";

/** What ServerKeys needs of VS Code's SecretStorage. */
export type SecretStore = Pick<SecretStorage, "get" | "store" | "delete"> & { readonly onDidChange: Event<SecretStorageChangeEvent> };

export class ServerKeys {
  constructor(private readonly secrets: SecretStore) {}

  /** The key entered for this server's origin, if any ("" URL: none). */
  async get(serverUrl: string): Promise<string | undefined> {
    const name = secretName(serverUrl);
    return name ? (await this.secrets.get(name)) || undefined : undefined;
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

/** The origin a key belongs to ("http://gpu-box:8080"), or undefined for no or a bad URL. */
export function serverOrigin(serverUrl: string): string | undefined {
  try {
    const url = new URL(serverUrl.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function secretName(serverUrl: string): string | undefined {
  const origin = serverOrigin(serverUrl);
  return origin ? SECRET_PREFIX + origin : undefined;
}
