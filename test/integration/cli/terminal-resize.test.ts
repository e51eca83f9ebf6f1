// hearth's progress line in a terminal made narrower while it runs (a window resized, a tmux
// pane split): test/fixtures/pty-job.py resizes the pseudo-terminal, and the system sends
// hearth SIGWINCH, as a terminal does. A real HTTP server on 127.0.0.1 (HF_ENDPOINT) holds the
// download after its first part until the window is narrower, then sends the rest.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

it("hearth models --download: after the window is made 40 columns wide mid-download, the frames fit in 40 columns (each wider one wrapped and left a line at every redraw)", async (t) => {
  const work = tempDir("hearth-resize-");
  const narrower = join(work, "narrower");
  const body = Buffer.alloc(4 * 1024 * 1024);
  body.write("GGUF", 0);
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Length": body.length });
    res.write(body.subarray(0, 1024 * 1024));
    const sending = setInterval(() => {
      if (!existsSync(narrower)) return;
      clearInterval(sending);
      let at = 1024 * 1024;
      const rest = setInterval(() => (at < body.length ? res.write(body.subarray(at, (at += 256 * 1024))) : (clearInterval(rest), res.end())), 10);
    }, 20);
    res.on("close", () => clearInterval(sending));
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  t.after(() => server.close());
  const steps = [["wait", "% "], ["resize", 24, 40], ["touch", narrower], ["wait", "100%"]];
  const run = spawn("python3", [join(ROOT, "test/fixtures/pty-job.py"), JSON.stringify(steps), process.execPath, CLI, "models", "--download", "qwen3.5-0.8b"], {
    cwd: work, env: { ...process.env, HEARTH_HOME: join(work, "home"), HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` },
  });
  let stdout = "";
  run.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const [status] = (await once(run, "close")) as [number | null];
  assert.equal(status, 0);
  const { code, output } = JSON.parse(stdout) as { code: number | null; output: string };
  assert.equal(code, 0, output);
  const frames = output.split(/\r\n?/).filter((frame) => /^\d+% /.test(frame));
  const last = frames.at(-1)!;
  assert.match(last, /^100% 4\.0 MiB of 4\.0 MiB/, output);
  // Before, every frame kept the width taken at the start (80 columns, less one) after the resize.
  assert.ok(last.length <= 39, `the last frame is ${last.length} columns wide: ${JSON.stringify(last)}`);
  assert.ok(frames[0]!.length > 39, "the first frame, before the resize, was as wide as 80 columns allow");
});
