/**
 * Where a web link in model output goes, said on the page when its text could make the user
 * believe otherwise. A reply steered by a prompt injection can write `[github.com/org/repo](https://evil.example/x)`,
 * `https://github.com@evil.example/` (a user name before the host) or a host in look-alike
 * letters (`gіthub.com`, a Cyrillic і), or `[github.io](https://evil.github.io)` (a platform's
 * user's host is the user's site, not the platform's); the hover names the target, but the webview shows no
 * status bar and nobody hovers before every click. Such a link is followed by "(goes to
 * evil.example)", the host as the browser will reach it (look-alike letters as xn--…); a mail
 * link whose text leaves out whom it writes to, by "(mails sec@evil.example)".
 */
import { visibleText } from "../protocol/visible-text.ts";
import { h } from "./dom.ts";
import { hasPathUsers, userSite } from "./shared-host-suffixes.ts";
import { TOP_LEVEL_DOMAINS } from "./top-level-domains.ts";

/** Dotted words in a link's text, host names among them: `github.com`, `https://docs.python.org/3`, `me@pypi.org`. */
const DOTTED_WORD = /(?<![\p{L}\p{N}_.-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]*[\p{L}\p{N}](?![\p{L}\p{N}_-])/giu;

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
  // Read by hand, not as url.searchParams: in a mail link '+' is a plus (RFC 6068), not a space.
  const copies = url.search.slice(1).split("&").flatMap((field) => {
    const equals = field.indexOf("=");
    return equals > 0 && /^(?:to|cc|bcc)$/i.test(decodeOr(field.slice(0, equals))) ? [decodeOr(field.slice(equals + 1))] : [];
  });
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
  const host = withoutRootDot(url.hostname);
  if (url.username || url.password || host.split(".").some((label) => label.startsWith("xn--"))) return url.host;
  // On raw.githubusercontent.com the user whose files it serves is the path's first segment.
  const user = hasPathUsers(host) ? firstSegment(url.pathname) : undefined;
  if (user !== undefined) {
    if (namedHosts(text, url).some((name) => name.host !== host || name.user !== user)) return `${url.host}/${user}`;
  } else if (namedHosts(text, url).some((name) => !sameSite(name.host, host))) return url.host;
  return otherPage(text, url);
}

/**
 * The host and path `url` goes to, when `text` is itself an address on its site — a URL
 * (`https://pypi.org/project/requests`) or a host with a path (`github.com/org/repo`) — and
 * `url` is another page there: `[github.com/org/repo](https://github.com/evil/repo)` keeps the
 * host and changes the repository. The page written, or one under it, is no other page:
 * the host may differ only in case or `www.`, and the path must go on from the one written at a
 * `/` (`github.com/org/repo` → `/org/repo/tree/main`; not `/org/repo-evil`), segments compared
 * percent-decoded, a trailing slash aside; the query and fragment (a tab, a heading) are not
 * compared. Undefined when the page is the one written or under it.
 */
function otherPage(text: string, url: URL): string | undefined {
  const written = writtenAddress(text.trim());
  const host = withoutRootDot(url.hostname);
  if (!written || !sameSite(withoutRootDot(written.hostname), host)) return undefined;
  const bare = (name: string) => withoutRootDot(name).replace(/^www\./, "");
  const shown = pathSegments(written);
  const reached = pathSegments(url);
  if (bare(written.hostname) === bare(host) && shown.every((segment, at) => segment === reached[at])) return undefined;
  return url.pathname === "/" ? url.host : `${url.host}${url.pathname}`;
}

/**
 * An address's path as its segments, each percent-decoded on its own (an encoded `/` stays
 * within its segment, as the server reads it), with no empty last one for a trailing slash.
 */
function pathSegments(address: URL): string[] {
  const segments = address.pathname.split("/").slice(1).map(decodeOr);
  return segments.at(-1) === "" ? segments.slice(0, -1) : segments;
}

/** `text` as an address when it is one: a URL with its scheme, or a host with a path (`pypi.org/project/x`); not a bare host or a user name's. */
function writtenAddress(text: string): URL | undefined {
  const written = /^(https?:\/\/)?[^\s/?#@\\]+(\/[^\s]*)?$/i.exec(text);
  if (!written || (!written[1] && !written[2])) return undefined;
  try {
    return new URL(written[1] ? text : `http://${text}`);
  } catch {
    return undefined;
  }
}

/** A host written with the root's dot (`github.com.`), which the browser reaches as the host without it, without it. */
function withoutRootDot(host: string): string {
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

/** The first segment of a path (`/evil/x` → `evil`), lower case (GitHub's user names are), "" for none. */
function firstSegment(path: string): string {
  return /^\/([^/?#\s]*)/.exec(path)?.[1]?.toLowerCase() ?? "";
}

/** A host a link's text names, and the first segment of the path written after it (`raw.githubusercontent.com/python/…`). */
interface NamedHost {
  host: string;
  user: string;
}

/**
 * Top-level domains that are also usual endings of a repository's files (`README.md`, `setup.py`,
 * `Main.java`) and end few hosts a reader knows. Not `.sh`, `.rs`, `.ai`, `.so`, `.in`, `.pl`:
 * `[brew.sh](https://evil.example/brew.sh)` names Homebrew's site (as docs.rs, rustup.rs,
 * claude.ai, notion.so do theirs), so `install.sh` in a link to that file gets its note too.
 */
const FILE_ENDINGS = new Set("ac am as cc cl java local md mk ml mm mo mov pm pro ps py st sv tf zip".split(" "));

/**
 * The hosts `text` names, as the URL parser writes them. A dotted word is one when a scheme
 * (`//`), a user name (`@`), `www.` or a bidi control in the text comes with it, or it ends in a
 * top-level domain (`Node.js` does not) and is not the name of the file `url` goes to
 * (`README.md` in a link to it). A word after a `/`, `?`, `#`, `=` or `&` of an address already
 * named (`https://github.com/o/r/README.md`, `https://web.archive.org/web/2024/https://pypi.org/`)
 * is part of that address, as is one it runs on to with no space but a `/`, `?` or `#` between
 * (`…/My%20Notes.md`, `…/a|b.md`), unless a bidi control may show it before that address's host,
 * or the text shows a break there: a letter that shows as blank (Braille's blank, a Hangul
 * filler) reads as a space, and a quote, an angle or square bracket or a `)` the address did not
 * open ends it (`(mirror: https://evil.example/x)github.com/org/repo` names github.com).
 */
function namedHosts(written: string, url: URL): NamedHost[] {
  // A letter that shows as blank space (Braille's blank, a Hangul filler) parts words as a space does; one UTF-16 unit each.
  const text = written.replace(/[\u2800\u115f\u1160\u3164\uffa0]/g, " ");
  const hosts: NamedHost[] = [];
  // A bidi override can show `moc.buhtig` as github.com: there every dotted word may read as a host.
  const reordered = /[\u202A-\u202E\u2066-\u2069]/.test(text);
  let addressEnd = -1;
  // Parentheses the address has opened and not closed (`…/docs/(v2)notes.md`): a `)` past them closes prose around it.
  let open = 0;
  for (const match of text.matchAll(DOTTED_WORD)) {
    const start = match.index;
    const word = match[0];
    const before = text.slice(Math.max(0, start - 2), start);
    const marked = reordered || /(?:\/\/|@)$/.test(before) || /^www\./i.test(word);
    // Not under a bidi control: `‮evil.example/moc.buhtig` shows as github.com/elpmaxe.live.
    // Past the address's `/`, `?` or `#` any word it runs on to is its own (`…/My%20Notes.md`, `…/a|b.md`),
    // unless the text shows a break there: a space, a quote or bracket, a `)` closing prose around the address.
    const gap = addressEnd >= 0 ? text.slice(addressEnd, start) : "";
    const opened = parenthesesOpen(open, gap);
    const inAddress = !reordered && addressEnd >= 0 && !ADDRESS_BREAK.test(gap) && opened >= 0 && (/[/?#=&]$/.test(before) || /[/?#]/.test(gap));
    if (inAddress) {
      addressEnd = start + word.length; // the address goes on: each word's gap is read once
      open = opened;
    } else if (marked || endsInDomain(word, text[start + word.length], url)) {
      hosts.push({ host: hostnameOf(word), user: firstSegment(text.slice(start + word.length)) });
      addressEnd = start + word.length;
      open = 0;
    } else {
      addressEnd = -1; // a word of its own: the address ended before it
    }
  }
  return hosts;
}

/** What ends an address in a link's text: a space, or a quote or an angle or square bracket, which an address written out encodes. */
const ADDRESS_BREAK = /[\s"<>[\]]/;

/** Parentheses still open after `piece`, `open` being open before it; -1 once a `)` closes one the address never opened. */
function parenthesesOpen(open: number, piece: string): number {
  for (const char of piece) {
    if (char === "(") open++;
    else if (char === ")" && --open < 0) return -1;
  }
  return open;
}

/** Whether `word` ends in a top-level domain (look-alike letters there count) and is not the file `url` goes to. */
function endsInDomain(word: string, next: string | undefined, url: URL): boolean {
  const ending = hostnameOf(word).split(".").pop()!;
  if (ending.startsWith("xn--")) return true;
  if (!TOP_LEVEL_DOMAINS.has(ending)) return false;
  return !(FILE_ENDINGS.has(ending) && next !== "/" && fileName(url) === word.toLowerCase());
}

/** The last segment of `url`'s path, lower case: the file it goes to. */
function fileName(url: URL): string {
  return decodeOr(url.pathname.slice(url.pathname.lastIndexOf("/") + 1)).toLowerCase();
}

/** A host as the URL parser writes it (lower case, look-alike letters as xn--…), or the text itself. */
function hostnameOf(name: string): string {
  try {
    return new URL(`http://${name}`).hostname;
  } catch {
    return name.toLowerCase();
  }
}

/**
 * Whether `host` is on the site `named` names: `example.com` and `www.example.com` name the same
 * site, and a host under the one named is that site's (`gist.github.com` of `github.com`; not
 * `github.com.evil.example`) unless the one named is above the user's site it is on, on a
 * platform whose hosts are its users' (`evil.github.io` is not `github.io`'s: shared-host-suffixes.ts).
 */
function sameSite(named: string, host: string): boolean {
  const bare = (name: string) => name.replace(/^www\./, "");
  if (bare(named) === bare(host)) return true;
  return host.endsWith(`.${bare(named)}`) && bare(named).length >= (userSite(host)?.length ?? 0);
}
