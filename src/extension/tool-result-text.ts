/**
 * The parts of a VS Code tool result as the text Hearth's model reads (editor-tools.ts), with
 * no "vscode" import: mcp-bridge.ts passes in the reader of linked resources.
 *
 * VS Code hands an extension an MCP tool's embedded resource (`{type: "resource"}`: GitHub
 * MCP's file contents, a database tool's rows) and its resource links only as a link: a
 * `LanguageModelDataPart` of MIME type {@link RESOURCE_LINK_MIME} holding
 * `{uri, underlyingMimeType}` JSON, the server's URI rewritten to
 * `mcp-resource://<server definition id, hex>/<scheme>/<authority>/<path>`. VS Code's file
 * system serves that scheme by asking the server that returned the link (`resources/read`),
 * so reading it shows the model what that server would have sent anyway, never a file of
 * this machine: a link of any other scheme (a `file:` URI, which VS Code does not produce) is
 * named, not read — Hearth would otherwise read the disk outside the workspace for a call the
 * user approved as "run this server's tool".
 *
 * Reads are bounded: one resource over {@link MAX_RESOURCE_BYTES}, or binary content whatever
 * its MIME type claims, is named with its size; a result's first {@link MAX_RESOURCES_READ}
 * resources (and {@link MAX_RESOURCES_TOTAL_BYTES} in all) are read, later ones only named.
 * The runtime then caps the whole result like command output (src/tools/mcp/mcp-tool.ts).
 */

/** VS Code's MIME type for a resource link in a tool result (McpToolResourceLinkMimeType). */
export const RESOURCE_LINK_MIME = "application/vnd.code.resource-link";
/** A resource larger than this is named with its size: the runtime keeps 24,000 characters of a result anyway. */
export const MAX_RESOURCE_BYTES = 1024 * 1024;
/** Resources read for one result; a result of a thousand links must not ask the server a thousand times. */
export const MAX_RESOURCES_READ = 16;
/** Bytes read for one result in all. */
export const MAX_RESOURCES_TOTAL_BYTES = 4 * 1024 * 1024;

/** The scheme of VS Code's MCP resource file system, the only one read. */
const MCP_RESOURCE_SCHEME = "mcp-resource";
/** VS Code's stand-in for an empty authority in an mcp-resource path (McpResourceURI). */
const EMPTY_AUTHORITY = "dylo78gyp";

/** A URI as its components (VS Code's UriComponents; mcp-bridge.ts makes a vscode.Uri of it). */
export interface UriParts {
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly query: string;
  readonly fragment: string;
}

/** Reads one linked resource (vscode.workspace.fs.readFile in mcp-bridge.ts); rejects when it cannot. */
export type ReadResource = (uri: UriParts) => PromiseLike<Uint8Array>;

/** One part, classified. */
type Piece =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "link"; readonly uri: UriParts; readonly mimeType: string | undefined }
  | { readonly kind: "data"; readonly mimeType: string; readonly data: Uint8Array }
  | { readonly kind: "other"; readonly text: string };

/** What is left of one result's read budget. */
interface Budget {
  reads: number;
  bytes: number;
}

/** The result's parts as text, in order, blank-line separated; linked resources read through `read` (none without it). */
export async function toolResultText(parts: readonly unknown[], read?: ReadResource): Promise<string> {
  const budget: Budget = { reads: MAX_RESOURCES_READ, bytes: MAX_RESOURCES_TOTAL_BYTES };
  const texts: string[] = [];
  for (const part of parts) {
    const piece = classifyPart(part);
    if (piece.kind === "link") texts.push(await linkText(piece.uri, piece.mimeType, read, budget));
    else if (piece.kind === "data") texts.push(contentText(piece.mimeType, piece.data, `[${piece.mimeType} content`));
    else texts.push(piece.text);
  }
  return texts.join("\n\n");
}

/** What one part of `LanguageModelToolResult.content` is. */
export function classifyPart(part: unknown): Piece {
  const { value, mimeType, data } = (typeof part === "object" && part !== null ? part : {}) as { value?: unknown; mimeType?: unknown; data?: unknown };
  if (typeof value === "string") return { kind: "text", text: value };
  if (typeof mimeType !== "string" || !(data instanceof Uint8Array)) return { kind: "other", text: "[non-text content not shown: Hearth passes text only]" };
  if (mimeType !== RESOURCE_LINK_MIME) return { kind: "data", mimeType, data };
  const link = parseLink(data);
  return link ?? { kind: "other", text: "[a resource link VS Code sent in a form Hearth cannot read was left out]" };
}

/** `[resource link: <uri> (<MIME type>)]` for a resource-link part, else undefined (for parts passed on without reading them). */
export function linkLabel(part: unknown): string | undefined {
  const piece = classifyPart(part);
  if (piece.kind !== "link") return undefined;
  return `[resource link: ${serverUri(piece.uri)}${piece.mimeType ? ` (${piece.mimeType})` : ""}]`;
}

function parseLink(data: Uint8Array): Piece | undefined {
  let json: { uri?: unknown; underlyingMimeType?: unknown };
  try {
    json = JSON.parse(new TextDecoder().decode(data)) as typeof json;
  } catch {
    return undefined;
  }
  const uri = (typeof json?.uri === "string" ? parseUri(json.uri) : json?.uri) as Partial<Record<keyof UriParts, unknown>> | undefined;
  if (typeof uri !== "object" || uri === null || typeof uri.scheme !== "string" || typeof uri.path !== "string") return undefined;
  const text = (key: keyof UriParts) => (typeof uri[key] === "string" ? (uri[key] as string) : "");
  const parts: UriParts = { scheme: uri.scheme, authority: text("authority"), path: uri.path, query: text("query"), fragment: text("fragment") };
  return { kind: "link", uri: parts, mimeType: typeof json.underlyingMimeType === "string" ? json.underlyingMimeType : undefined };
}

/** A URI string's components, decoded as VS Code's URI.parse does (RFC 3986, appendix B); undefined when it has no scheme. */
function parseUri(text: string): UriParts | undefined {
  const match = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(text);
  if (!match) return undefined;
  const decode = (part = "") => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  return { scheme: match[1]!, authority: decode(match[2]), path: decode(match[3]), query: decode(match[4]), fragment: decode(match[5]) };
}

async function linkText(uri: UriParts, mimeType: string | undefined, read: ReadResource | undefined, budget: Budget): Promise<string> {
  const shown = serverUri(uri);
  const label = `[resource ${shown}${mimeType ? ` (${mimeType})` : ""}`;
  if (uri.scheme !== MCP_RESOURCE_SCHEME) return `[resource link: ${shown} — not read: Hearth reads only resources VS Code serves from the MCP server that returned them]`;
  if (mimeType && !mayBeText(mimeType)) return `${label} not shown: Hearth passes text only]`;
  if (!read) return `[resource link: ${shown}]`;
  if (budget.reads <= 0 || budget.bytes <= 0) return `[resource link: ${shown} — not read: Hearth reads ${MAX_RESOURCES_READ} resources (${mib(MAX_RESOURCES_TOTAL_BYTES)}) of one result at most]`;
  budget.reads--;
  let data: Uint8Array;
  try {
    data = await read(uri);
  } catch (error) {
    return `${label} could not be read: ${error instanceof Error ? error.message : String(error)}]`;
  }
  budget.bytes -= data.byteLength;
  return contentText(mimeType, data, label);
}

/**
 * `data` as text after `label` when it is text within the limits; else `label` closed with
 * why not. The MIME type is not trusted: binary bytes (a NUL, or not valid in the charset)
 * are named whatever it says.
 */
function contentText(mimeType: string | undefined, data: Uint8Array, label: string): string {
  const size = `${data.byteLength.toLocaleString("en-US")} bytes`;
  if (mimeType && !mayBeText(mimeType)) return `${label}, ${size}, not shown: Hearth passes text only]`;
  if (data.byteLength > MAX_RESOURCE_BYTES) return `${label}, ${size}, not shown: over the ${mib(MAX_RESOURCE_BYTES)} Hearth reads of one resource]`;
  const text = decoded(data, charset(mimeType));
  if (text === undefined) return `${label}, ${size}, not shown: its content is binary and Hearth passes text only]`;
  return `${label}]\n${text}`;
}

/** The text of `data`, or undefined when it holds a NUL or is not valid in `encoding`. */
function decoded(data: Uint8Array, encoding: string): string | undefined {
  if (data.includes(0)) return undefined;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    decoder = new TextDecoder("utf-8", { fatal: true }); // a charset the platform does not know
  }
  try {
    return decoder.decode(data);
  } catch {
    return undefined;
  }
}

function charset(mimeType: string | undefined): string {
  return /;\s*charset="?([^";\s]+)/i.exec(mimeType ?? "")?.[1] ?? "utf-8";
}

/** False for the MIME types that are never text; the rest are read and checked. */
function mayBeText(mimeType: string): boolean {
  const base = mimeType.split(";")[0]!.trim().toLowerCase();
  return !/^(image|audio|video|font)\//.test(base) && !/^application\/(octet-stream|pdf|zip|gzip|x-tar|x-7z-compressed|wasm|vnd\.ms-|vnd\.openxmlformats)/.test(base);
}

/** The URI the server named (`repo://octo/hello/README.md`) for an mcp-resource link; another as it is. */
export function serverUri(uri: UriParts): string {
  let { scheme, authority, path } = uri;
  if (scheme === MCP_RESOURCE_SCHEME) {
    const [, inner, innerAuthority, ...rest] = path.split("/");
    if (inner) [scheme, authority, path] = [inner, innerAuthority === EMPTY_AUTHORITY ? "" : (innerAuthority ?? ""), rest.length ? `/${rest.join("/")}` : ""];
  }
  return `${scheme}:${authority || scheme === "file" ? `//${authority}` : ""}${path}${uri.query ? `?${uri.query}` : ""}${uri.fragment ? `#${uri.fragment}` : ""}`;
}

function mib(bytes: number): string {
  return `${bytes / 1024 / 1024} MiB`;
}
