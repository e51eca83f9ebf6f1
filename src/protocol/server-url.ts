/**
 * A server URL (hearth.serverUrl, --server, Hearth: Use Server URL…'s box) as users write them:
 * what is wrong with one Hearth cannot use, in words that say what to write instead. The model
 * slot refuses with it before any connection; the extension's box checks with it as one types.
 */

/** Why `text` is not a server URL Hearth can use, and what to write; undefined when it is one. */
export function serverUrlProblem(text: string): string | undefined {
  const trimmed = text.trim();
  const scheme = writtenScheme(trimmed);
  let url: URL;
  try {
    url = new URL(withScheme(trimmed));
  } catch {
    return unparsedUrlAdvice(trimmed, scheme);
  }
  // Checked first: any advice below repeats the text, and a password is never shown.
  if (url.username || url.password) return "it holds a user name or password, which Hearth does not take from the URL: remove them and use Hearth: Set Server API Key… (the CLI reads $HEARTH_API_KEY)";
  // Hearth adds /v1/models, /v1/chat/completions… after the path: "…/v1?api-version=…" asked for
  // "/v1?api-version=…/v1/models", and "…/v1#" for /v1 alone, each a 404 "for /v1" on a right address.
  // The query is not repeated: it may hold a key (?key=…).
  if (/[?#]/.test(url.href)) return "it has a query or fragment (?… or #…), which Hearth cannot keep: it adds /v1/models and /v1/chat/completions after the path, so the server is asked for another address: remove it (an API key goes in Hearth: Set Server API Key…; the CLI reads $HEARTH_API_KEY)";
  if (scheme === undefined) return `write its scheme too: http://${trimmed}`;
  if (url.protocol !== "http:" && url.protocol !== "https:") return `it must start with http:// or https:// (got ${url.protocol})`;
  return undefined;
}

/** `text` as a URL parser should read it: with http:// in front where it has no scheme of its own (see writtenScheme). */
export function withScheme(text: string): string {
  const trimmed = text.trim();
  return writtenScheme(trimmed) === undefined ? `http://${trimmed}` : trimmed;
}

/**
 * The scheme `text` starts with ("http:", "ftp:"), its // left out too: WHATWG URLs, so fetch,
 * read http:/gpu-box:8080 and http:gpu-box:8080 as http://gpu-box:8080, and Hearth took them so
 * before it gave advice. None for a host and port ("localhost:8080", "localhost:") or a user name
 * and password ("alice:pw@gpu-box"), which a URL parser would read as a scheme.
 */
function writtenScheme(text: string): string | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(text)?.[0];
  if (scheme === undefined) return undefined;
  if (text.startsWith("//", scheme.length) || /^https?:$/i.test(scheme)) return scheme;
  const rest = text.slice(scheme.length);
  return rest === "" || /^\d+(?:[/?#]|$)/.test(rest) || /^[^/?#]*@/.test(rest) ? undefined : scheme;
}

/**
 * What to write instead of a server URL that does not parse: an IPv6 address without its
 * brackets (`http://::1:8080`), a zone (`[fe80::1%eth0]`: WHATWG URLs, so Node's fetch, take
 * none), a port past 65535.
 */
function unparsedUrlAdvice(text: string, scheme: string | undefined): string {
  let rest = text.slice(scheme?.length ?? 0);
  while (scheme !== undefined && rest.startsWith("/")) rest = rest.slice(1);
  const authority = rest.split(/[/?#]/)[0]!;
  if (!authority.startsWith("[") && authority.split(":").length > 2) {
    return "write an IPv6 address in brackets, the port after them: http://[::1]:8080/v1";
  }
  if (authority.startsWith("[") && authority.includes("%")) {
    return "an IPv6 address with a zone (%eth0) cannot be used (URLs take none): use the server's other address (ip -6 addr shows a global one) or its name";
  }
  const port = authority.slice(authority.lastIndexOf("]") + 1).split(":")[1];
  if (port !== undefined && /^\d+$/.test(port) && Number(port) > 65535) return `port ${port} is out of range (1 to 65535)`;
  return "expected e.g. http://127.0.0.1:8080/v1";
}
