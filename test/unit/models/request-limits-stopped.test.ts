// A request's idle limit after hearth was stopped (Ctrl-Z) past it and brought back (fg): the
// server went on sending, and what it sent waited in the socket. A real reader in a child
// process, stopped with SIGSTOP and continued with SIGCONT (what Ctrl-Z and fg do), and a real
// HTTP server on 127.0.0.1 that sends a chunk every 50 ms throughout.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { it } from "node:test";

const READER = resolve(import.meta.dirname, "../../fixtures/models/idle-limit-reader.ts");
const IDLE_MS = 1000;

it("a stream stopped past its idle limit and continued goes on: the data that waited is read before silence is judged", async (t) => {
  const server = createServer((_req, res) => {
    res.writeHead(200);
    const sending = setInterval(() => res.write("x".repeat(100)), 50);
    res.on("close", () => clearInterval(sending));
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  t.after(() => (server.closeAllConnections(), server.close()));
  const reader = spawn(process.execPath, ["--import", "tsx", READER, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, String(IDLE_MS)], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => void reader.kill("SIGKILL"));
  let out = "";
  let err = "";
  reader.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  await new Promise<void>((streaming) => reader.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk).includes("streaming") && streaming()));
  reader.kill("SIGSTOP");
  // Stopped for longer than the idle limit: a wait that only has to be long enough, not a race.
  // Not clock-free, and it cannot be: the bug is libuv's order after SIGCONT, a real timer that
  // came due while the process was stopped run before real socket data already waiting. A hand-moved
  // clock (request-limits-clock.test.ts) fires the fix's 0 ms re-check in the same advance, so it
  // passes with the bug and without it.
  await new Promise((later) => setTimeout(later, IDLE_MS * 2));
  reader.kill("SIGCONT");
  const [code] = (await once(reader, "close")) as [number | null];
  // Before, the idle timer came due first after SIGCONT: 'failed: The server at 127.0.0.1 sent no data for 1 s; …'.
  assert.equal(out.trim().split("\n").at(-1), "ok", `${out}${err}`);
  assert.equal(code, 0);
});
