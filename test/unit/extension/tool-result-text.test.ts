/**
 * A VS Code tool result's parts as the text Hearth's model reads (tool-result-text.ts), on
 * the parts VS Code really sends for an MCP tool's result: text parts, image data parts, and
 * resource links (application/vnd.code.resource-link JSON naming an mcp-resource: URI) for
 * embedded resources and links. The reader stands in for VS Code's mcp-resource file system,
 * which asks the MCP server that returned the link.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_RESOURCE_BYTES, MAX_RESOURCES_READ, RESOURCE_LINK_MIME, serverUri, toolResultText, type UriParts } from "../../../src/extension/tool-result-text.ts";

const encode = (text: string) => new TextEncoder().encode(text);
/** Hex of the definition id "mcp.config.usrlocal.db", as VS Code writes it in the authority. */
const DB_SERVER = Buffer.from("mcp.config.usrlocal.db").toString("hex");

/** The link part VS Code gives for a resource `serverUri` (scheme://authority/path) of the "db" server, JSON as VS Code writes a URI. */
function link(serverUri: string, underlyingMimeType?: string): { mimeType: string; data: Uint8Array } {
  const [, scheme, authority, path] = /^([a-z][a-z0-9+.-]*):(?:\/\/([^/]*))?(.*)$/.exec(serverUri)!;
  const uri = { $mid: 1, path: `/${scheme}/${authority || "dylo78gyp"}${path}`, scheme: "mcp-resource", authority: DB_SERVER };
  return { mimeType: RESOURCE_LINK_MIME, data: encode(JSON.stringify({ uri, ...(underlyingMimeType ? { underlyingMimeType } : {}) })) };
}

/** A reader serving `files` by their mcp-resource path (rejecting others as VS Code does), counting its reads. */
function server(files: Record<string, Uint8Array | string>) {
  const asked: UriParts[] = [];
  const read = async (uri: UriParts) => {
    asked.push(uri);
    assert.equal(uri.authority, DB_SERVER);
    const content = files[uri.path];
    if (content === undefined) throw new Error("File not found");
    return typeof content === "string" ? encode(content) : content;
  };
  return { read, asked };
}

describe("tool results' parts as text", () => {
  it("a database tool's rows (an embedded JSON resource) are shown after the tool's text, under the URI the server named", async () => {
    const { read } = server({ "/postgres/db.internal/public/users": '[{"id":1,"name":"Ada"}]' });
    const text = await toolResultText([{ value: "1 row" }, link("postgres://db.internal/public/users", "application/json")], read);
    assert.equal(text, '1 row\n\n[resource postgres://db.internal/public/users (application/json)]\n[{"id":1,"name":"Ada"}]');
  });

  it("a resource the server cannot read back is named with VS Code's reason", async () => {
    const { read } = server({});
    assert.equal(await toolResultText([link("memo://rows/42", "text/csv")], read), "[resource memo://rows/42 (text/csv) could not be read: File not found]");
  });

  it("a resource over the size limit, and binary bytes under a text MIME type, are named with their size, not decoded", async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const { read } = server({ "/repo/octo/big.log": "x".repeat(MAX_RESOURCE_BYTES + 1), "/repo/octo/logo.txt": png, "/repo/octo/latin1.txt": Uint8Array.from([0x63, 0x61, 0x66, 0xe9]) });
    const text = await toolResultText([link("repo://octo/big.log", "text/plain"), link("repo://octo/logo.txt", "text/plain"), link("repo://octo/latin1.txt")], read);
    assert.equal(
      text,
      "[resource repo://octo/big.log (text/plain), 1,048,577 bytes, not shown: over the 1 MiB Hearth reads of one resource]\n\n" +
        "[resource repo://octo/logo.txt (text/plain), 12 bytes, not shown: its content is binary and Hearth passes text only]\n\n" +
        "[resource repo://octo/latin1.txt, 4 bytes, not shown: its content is binary and Hearth passes text only]",
    );
  });

  it("a text resource in another charset it declares is decoded in that charset", async () => {
    const { read } = server({ "/repo/octo/latin1.txt": Uint8Array.from([0x63, 0x61, 0x66, 0xe9]) });
    assert.equal(await toolResultText([link("repo://octo/latin1.txt", "text/plain; charset=iso-8859-1")], read), "[resource repo://octo/latin1.txt (text/plain; charset=iso-8859-1)]\ncafé");
  });

  it("a resource whose MIME type is never text is named without being read", async () => {
    const { read, asked } = server({});
    assert.equal(await toolResultText([link("repo://octo/report.pdf", "application/pdf")], read), "[resource repo://octo/report.pdf (application/pdf) not shown: Hearth passes text only]");
    assert.equal(asked.length, 0);
  });

  it("a result of 1,000 links reads only the first ones and names the rest; text parts keep their place", async () => {
    const files: Record<string, string> = {};
    const parts: unknown[] = [{ value: "1000 issues" }];
    for (let i = 0; i < 1000; i++) {
      files[`/issue/dylo78gyp/${i}`] = `issue ${i}`;
      parts.push(link(`issue:/${i}`, "text/plain"));
    }
    const { read, asked } = server(files);
    const pieces = (await toolResultText(parts, read)).split("\n\n");
    assert.equal(asked.length, MAX_RESOURCES_READ);
    assert.equal(pieces.length, 1001);
    assert.deepEqual(pieces.slice(0, 3), ["1000 issues", "[resource issue:/0 (text/plain)]\nissue 0", "[resource issue:/1 (text/plain)]\nissue 1"]);
    assert.equal(pieces[MAX_RESOURCES_READ + 1], `[resource link: issue:/${MAX_RESOURCES_READ} — not read: Hearth reads 16 resources (4 MiB) of one result at most]`);
  });

  it("reads stop once a result's resources came to 4 MiB", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`/repo/octo/${i}.txt`] = "y".repeat(MAX_RESOURCE_BYTES);
    const { read, asked } = server(files);
    const text = await toolResultText([0, 1, 2, 3, 4].map((i) => link(`repo://octo/${i}.txt`, "text/plain")), read);
    assert.equal(asked.length, 4);
    assert.match(text, /\[resource link: repo:\/\/octo\/4\.txt — not read: Hearth reads 16 resources \(4 MiB\) of one result at most\]$/);
  });

  it("a server's file: URI is read from the server (VS Code serves it as mcp-resource:), never from this machine's disk", async () => {
    const { read, asked } = server({ "/file/dylo78gyp/home/me/notes.md": "server's copy" });
    assert.equal(await toolResultText([link("file:///home/me/notes.md", "text/markdown")], read), "[resource file:///home/me/notes.md (text/markdown)]\nserver's copy");
    assert.deepEqual(asked.map((uri) => uri.scheme), ["mcp-resource"]);
  });

  it("a link that is not to VS Code's MCP resources (a bare file: URI outside the workspace) is named, not read", async () => {
    const { read, asked } = server({});
    const bare = { mimeType: RESOURCE_LINK_MIME, data: encode(JSON.stringify({ uri: { $mid: 1, scheme: "file", path: "/etc/passwd" }, underlyingMimeType: "text/plain" })) };
    assert.equal(await toolResultText([bare], read), "[resource link: file:///etc/passwd — not read: Hearth reads only resources VS Code serves from the MCP server that returned them]");
    assert.equal(asked.length, 0);
  });

  it("a link VS Code sent in another form, and data parts, are named; text data parts are decoded", async () => {
    const parts = [
      { mimeType: RESOURCE_LINK_MIME, data: encode("not json") },
      { mimeType: "text/plain", data: encode("plain") },
      { mimeType: "application/json", data: Uint8Array.from([0x7b, 0, 0x7d]) },
      { mimeType: "image/png", data: new Uint8Array(2048) },
    ];
    assert.equal(
      await toolResultText(parts),
      "[a resource link VS Code sent in a form Hearth cannot read was left out]\n\n[text/plain content]\nplain\n\n" +
        "[application/json content, 3 bytes, not shown: its content is binary and Hearth passes text only]\n\n[image/png content, 2,048 bytes, not shown: Hearth passes text only]",
    );
  });

  it("a link whose uri is written as a string (as some VS Code builds may) is read the same way", async () => {
    const { read, asked } = server({ "/repo/octo/a b.md": "spaced" });
    const written = { mimeType: RESOURCE_LINK_MIME, data: encode(JSON.stringify({ uri: `mcp-resource://${DB_SERVER}/repo/octo/a%20b.md?ref=main`, underlyingMimeType: "text/markdown" })) };
    assert.equal(await toolResultText([written], read), "[resource repo://octo/a b.md?ref=main (text/markdown)]\nspaced");
    assert.deepEqual(asked, [{ scheme: "mcp-resource", authority: DB_SERVER, path: "/repo/octo/a b.md", query: "ref=main", fragment: "" }]);
  });

  it("without a reader a link is named with the server's URI", async () => {
    assert.equal(await toolResultText([link("repo://octo/a.ts", "text/plain")]), "[resource link: repo://octo/a.ts]");
  });

  it("shows the server's URI for an mcp-resource one, query and fragment kept; other URIs as they are", () => {
    const parts = (path: string, query = "", fragment = ""): UriParts => ({ scheme: "mcp-resource", authority: DB_SERVER, path, query, fragment });
    assert.equal(serverUri(parts("/repo/octo/hello/contents/a b.md", "ref=main", "L3")), "repo://octo/hello/contents/a b.md?ref=main#L3");
    assert.equal(serverUri(parts("/file/dylo78gyp/tmp/x")), "file:///tmp/x");
    assert.equal(serverUri(parts("/memo/dylo78gyp/7")), "memo:/7");
    assert.equal(serverUri({ scheme: "https", authority: "example.com", path: "/x", query: "", fragment: "" }), "https://example.com/x");
  });
});
