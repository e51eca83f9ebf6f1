// `hearth chat` from the built CLI when its runtime is killed from outside while it loads the
// model (the out-of-memory killer's SIGKILL, which leaves no words): it said 'The Hearth runtime
// stopped unexpectedly (signal SIGKILL: killed from outside, most often by the system's
// out-of-memory killer …; close other programs, or use a smaller model or context size) while
// loading the model' — nothing to choose by. It now compares the model file's size with the
// memory free now and names --context where the file fits. The CLI runs as built (a copy of
// out/cli.mjs beside out/chunks) with a stand-in runtime.mjs whose load never ends by itself,
// a real process the test kills with SIGKILL once it reports the load; the model file is a real tiny GGUF.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { it } from "node:test";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { tempDir } from "../../fixtures/temp.ts";

const OUT = resolve(import.meta.dirname, "../../../out");
if (!existsSync(join(OUT, "cli.mjs"))) throw new Error(`${OUT}/cli.mjs is missing: run "npm run build" first`);
const LSP = pathToFileURL(resolve(import.meta.dirname, "../../fixtures/runtime/lsp-stdio.mjs")).href;

/** A stand-in for out/runtime.mjs: answers initialize, reports loading `STANDIN_MODEL`, then says its pid in a log line (after the status, on the same stream) and waits. */
const STAND_IN = `import { send, serveLsp } from ${JSON.stringify(LSP)};
const source = { kind: "file", modelPath: process.env.STANDIN_MODEL };
serveLsp((message) => {
  if (message.method === "initialize") send({ id: message.id, result: { capabilities: {} } });
  if (message.method === "initialized") {
    send({ method: "hearth/status/changed", params: { model: { kind: "loading", source, progress: 0.4 } } });
    send({ method: "window/logMessage", params: { type: 3, message: "stand-in loading, pid " + process.pid } });
  }
});
`;

it("hearth chat: a runtime killed from outside while loading the model names the file's size, the free memory and --context", { timeout: 120_000 }, async (t) => {
  const work = tempDir("hearth-load-killed-");
  const bin = join(work, "bin");
  mkdirSync(bin);
  copyFileSync(join(OUT, "cli.mjs"), join(bin, "cli.mjs"));
  symlinkSync(join(OUT, "chunks"), join(bin, "chunks"));
  symlinkSync(resolve(OUT, "../node_modules"), join(work, "node_modules")); // its packages, found from bin/ upward
  writeFileSync(join(bin, "runtime.mjs"), STAND_IN);
  const model = join(work, "tiny-qwen35.gguf");
  copyFileSync(await ensureTinyModel({ arch: "qwen35" }), model);
  const cli = spawn(process.execPath, [join(bin, "cli.mjs"), "chat", "--verbose", "--no-rules", "--model", model, "--context", "32768", "hi"], {
    cwd: work,
    env: { ...process.env, HEARTH_HOME: join(work, "home"), STANDIN_MODEL: model },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => void cli.kill("SIGKILL"));
  let stderr = "";
  const exited = once(cli, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const pid = await new Promise<number>((found, failed) => {
    cli.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = /stand-in loading, pid (\d+)/.exec(stderr);
      if (match) found(Number(match[1]));
    });
    void exited.then(() => failed(new Error(`hearth chat ended before the load:\n${stderr}`)));
  });
  process.kill(pid, "SIGKILL");
  const [code] = await exited;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /The Hearth runtime stopped unexpectedly \(signal SIGKILL: killed from outside, most often by the system's out-of-memory killer .*\) while loading the model; see the log at .*\.log\. /);
  // The free memory in MiB on a busy machine (under 0.1 GiB); on macOS not said (protocol/memory-advice.ts): the file against all memory.
  // In a container with a memory limit (a CI job's), the limit's figures (protocol/cgroup-limits.ts).
  assert.match(
    stderr,
    process.platform === "darwin"
      ? /\. The model file tiny-qwen35\.gguf is [\d.]+ MiB of this machine's [\d.]+ GiB of memory: with its context and what other programs use it did not fit — set --context below its 32,768 tokens \(or to 0: auto, sized to the free memory\), close other programs, or choose a smaller model or quantization \(--model FILE\), then run it again\.\n/
      : /\. The model file tiny-qwen35\.gguf is [\d.]+ MiB and [\d.]+ [MG]iB of (?:this machine's [\d.]+ GiB of memory is free now \(the runtime stopped\): the file fits, so its context \(or other programs meanwhile\) took the rest — set --context below its 32,768 tokens, or to 0 \(auto: sized to the free memory\)|the [\d.]+ [MG]iB of memory this process is limited to \(a container's memory limit, not the machine's\) is free now \(the runtime stopped\): the file fits, so its context \(or other programs meanwhile\) took the rest — set --context below its 32,768 tokens, or to 0 \(auto: sized to what the limit leaves\), or raise the container's memory limit \(docker run --memory, runArgs in devcontainer\.json, a Kubernetes pod's resources\.limits\.memory\)), then run it again\.\n/,
  );
});
