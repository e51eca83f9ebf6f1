/**
 * Where a web link in model output goes, said on the page when its text could make the user
 * believe otherwise. A reply steered by a prompt injection can write `[github.com/org/repo](https://evil.example/x)`,
 * `https://github.com@evil.example/` (a user name before the host) or a host in look-alike
 * letters (`gіthub.com`, a Cyrillic і); the hover names the target, but the webview shows no
 * status bar and nobody hovers before every click. Such a link is followed by "(goes to
 * evil.example)", the host as the browser will reach it (look-alike letters as xn--…); a mail
 * link whose text leaves out whom it writes to, by "(mails sec@evil.example)".
 */
import { visibleText } from "../protocol/visible-text.ts";
import { h } from "./dom.ts";

/** Host names in a link's text: `github.com`, `https://docs.python.org/3`, `me@pypi.org`. */
const NAMED_HOST = /(?<![\p{L}\p{N}_.-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*[\p{L}\p{N}](?![\p{L}\p{N}_-])/giu;

/** Follows each link under `root` that needs it with the host it goes to, or whom a mail link writes to. */
export function showLinkTargets(root: DocumentFragment): void {
  for (const link of root.querySelectorAll("a[href]")) {
    const href = link.getAttribute("href")!;
    const text = link.textContent ?? "";
    const host = misleadingHost(href, text);
    const mailed = host === undefined ? unshownRecipients(href, text) : undefined;
    const note = host !== undefined ? `(goes to ${host})` : mailed && `(mails ${mailed.join(", ")})`;
    // Isolated left-to-right: a bidi override in the link's text (prose obeys them) runs on to the paragraph's end.
    if (note) link.after(" ", h("bdi", { class: "link-target muted", dir: "ltr" }, note));
  }
}

/**
 * Everyone a mailto: link writes to (to, cc, bcc), when its text leaves one out: "Report it to
 * the maintainers" can open the user's mail program addressed elsewhere, the body prefilled
 * with whatever the model put there. Undefined for other links and mail links whose text shows all.
 */
export function unshownRecipients(href: string, text: string): string[] | undefined {
  if (!/^mailto:/i.test(href)) return undefined;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  const copies = [...url.searchParams].filter(([name]) => /^(?:to|cc|bcc)$/i.test(name)).map(([, value]) => value);
  const recipients = [decodeOr(url.pathname), ...copies].flatMap((list) => list.split(",")).map((r) => visibleText(r.trim(), true)).filter((r) => r !== "");
  const shown = text.toLowerCase();
  return recipients.some((r) => !shown.includes(r.toLowerCase())) ? recipients : undefined;
}

function decodeOr(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The host `href` reaches, when a reader of `text` may think it goes elsewhere: the text names
 * another host, the address carries a user name (read as a host), or the host is spelled in
 * letters outside ASCII. Undefined for other links (a workspace path, mailto:, an honest one).
 */
export function misleadingHost(href: string, text: string): string | undefined {
  if (!/^https?:/i.test(href)) return undefined;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  const host = url.hostname;
  if (url.username || url.password || host.split(".").some((label) => label.startsWith("xn--"))) return url.host;
  const named = text.match(NAMED_HOST) ?? [];
  return named.some((name) => !sameSite(hostnameOf(name), host)) ? url.host : undefined;
}

/** A host as the URL parser writes it (lower case, look-alike letters as xn--…), or the text itself. */
function hostnameOf(name: string): string {
  try {
    return new URL(`http://${name}`).hostname;
  } catch {
    return name.toLowerCase();
  }
}

/** `example.com` and `www.example.com` name the same site. */
function sameSite(a: string, b: string): boolean {
  const bare = (host: string) => host.replace(/^www\./, "");
  return bare(a) === bare(b);
}
