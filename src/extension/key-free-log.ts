/**
 * The Hearth log as the language client writes to it, without the server's API key. The
 * client traces what it sends the runtime: with the log at Trace and `hearth.trace.server`
 * "verbose" — a setting vscode-languageclient reads from any layer, a repository's
 * `.vscode/settings.json` too — the initialize request went to the log in full, its
 * `initializationOptions.serverApiKey` with it, for whoever the log is shared with. Each line
 * written through this channel has the key, as written and as JSON escapes it, replaced by
 * "[the API key]" (as src/models/remote.ts shows a server's echo of it).
 *
 * No "vscode" import but its types: unit tests run this as it is.
 */
import type { LogOutputChannel } from "vscode";

/** The channel's methods that take what is written. */
const WRITES = new Set<PropertyKey>(["trace", "debug", "info", "warn", "error", "append", "appendLine", "replace"]);

/** `channel`, writing `secret` (the key the runtime is started with; none: as it is) as "[the API key]". */
export function withoutSecret(channel: LogOutputChannel, secret: string | undefined): LogOutputChannel {
  if (!secret) return channel;
  // As written, and as JSON writes it inside a string (the trace's params), once or twice escaped.
  const escapedOnce = JSON.stringify(secret).slice(1, -1);
  const forms = [...new Set([secret, escapedOnce, JSON.stringify(escapedOnce).slice(1, -1)])].sort((a, b) => b.length - a.length);
  const hide = (item: unknown): unknown => {
    const text = item instanceof Error ? (item.stack ?? item.message) : item;
    if (typeof text !== "string" || !forms.some((form) => text.includes(form))) return item;
    return forms.reduce((out, form) => out.split(form).join("[the API key]"), text);
  };
  return new Proxy(channel, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      return WRITES.has(property) ? (...args: unknown[]) => method.apply(target, args.map(hide)) : method.bind(target);
    },
  });
}
