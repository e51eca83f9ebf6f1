// The team server's API key, end to end through the built runtime: the extension passes it
// in initializationOptions.serverApiKey (from SecretStorage); the runtime's remote backend
// must send it as `Authorization: Bearer <key>` to the server in hearth.serverUrl. A real
// HTTP server on 127.0.0.1 checks the header.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { spawnRuntime } from "../../../src/cli/runtime-connection.ts";
import { ModelLoadRequest } from "../../../src/protocol/lsp-ext.ts";

const RUNTIME = resolve(import.meta.dirname, "../../../out/runtime.mjs");
const CLI = resolve(import.meta.dirname, "../../../out/cli.mjs");
if (!existsSync(RUNTIME)) throw new Error(`${RUNTIME} is missing: run "npm run build" first`);

describe("server API key through the runtime", () => {
  let server: Server;
  let url = "";
  const seen: (string | undefined)[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== "Bearer team-key") return void res.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: "Invalid API Key" } }));
      if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "team-qwen" }] }));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => server.close());

  async function load(serverApiKey?: string, envKey?: string) {
    const env = { ...process.env };
    delete env.HEARTH_API_KEY;
    if (envKey) env.HEARTH_API_KEY = envKey;
    const runtime = await spawnRuntime({ runtimePath: RUNTIME, env, initializationOptions: { settings: { serverUrl: url }, ...(serverApiKey ? { serverApiKey } : {}) } });
    try {
      return await runtime.connection.sendRequest(ModelLoadRequest, {});
    } finally {
      await runtime.close();
    }
  }

  it("initializationOptions.serverApiKey reaches the server as Authorization: Bearer", async () => {
    seen.length = 0;
    const state = await load("team-key");
    assert.equal(state.kind, "ready", JSON.stringify(state));
    assert.ok(state.kind === "ready" && state.name === "team-qwen");
    assert.ok(seen.length > 0 && seen.every((h) => h === "Bearer team-key"), JSON.stringify(seen));
  });

  it("without a key the server refuses, and the model state says the key was refused", async () => {
    seen.length = 0;
    const state = await load();
    assert.equal(state.kind, "error");
    assert.match(state.kind === "error" ? state.message : "", /refused the API key \(401\)/);
    assert.deepEqual([...new Set(seen)], [undefined]);
  });

  it("the runtime never takes a key from its own environment: only the one it is given for this server", async () => {
    seen.length = 0;
    const state = await load(undefined, "team-key");
    assert.equal(state.kind, "error");
    assert.deepEqual([...new Set(seen)], [undefined], "the environment's key was not sent");
  });

  it("hearth status --server passes $HEARTH_API_KEY, the CLI user's own key, to the runtime for that server", async () => {
    seen.length = 0;
    const env = { ...process.env, HEARTH_API_KEY: "team-key" };
    const out = await new Promise<string>((done, fail) =>
      execFile(process.execPath, [CLI, "status", "--server", url, "--load", "--no-gpu-probe", "--json"], { env }, (error, stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done(stdout))),
    );
    assert.match(out, /team-qwen/);
    assert.ok(seen.length > 0 && seen.every((h) => h === "Bearer team-key"), JSON.stringify(seen));
  });
});
