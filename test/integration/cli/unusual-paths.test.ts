// The built CLI for a user whose home folder and project path hold spaces, letters outside
// ASCII, an apostrophe and CJK ("/home/José Müller's 家/projets/café"), on a system speaking
// German: the model (a real tiny GGUF, loaded by node-llama-cpp from such a path), the model
// and index storage under that home, and the index and history of a checkout there.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { ensureTinyModel } from "../../fixtures/models/index.ts";
import { committedRepo } from "../../fixtures/git-repos.ts";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

it("loads a model, keeps its storage and indexes a checkout under a home like /home/José Müller's 家, in German", async () => {
  const home = join(tempDir("hearth-unusual-"), "José Müller's 家");
  const models = join(home, "modèles");
  mkdirSync(models, { recursive: true });
  const model = join(models, "tiny qwen é.gguf");
  copyFileSync(await ensureTinyModel({ arch: "qwen35", vocab: "small" }), model);
  const project = committedRepo(join(home, "projets", "café"), { "calc.py": "def add(a, b):\n    return a - b\n" });
  // C.UTF-8 is in every glibc; LANGUAGE=de then has git and the shell speak German where their catalogues are installed.
  const env = { ...process.env, HOME: home, HEARTH_HOME: join(home, ".hearth"), XDG_CACHE_HOME: join(home, ".cache"), LC_ALL: "C.UTF-8", LANGUAGE: "de" };
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: project, encoding: "utf8", timeout: 120_000, env });

  const status = run("status", "--model", model, "--load", "--threads", "1", "--no-gpu-probe");
  assert.equal(status.status, 0, status.stderr + status.stdout);
  assert.match(status.stdout, /^Model: {2}Hearth tiny qwen35, /m);

  const indexed = run("index");
  assert.equal(indexed.status, 0, indexed.stderr + indexed.stdout);
  assert.match(indexed.stdout, new RegExp(`^Indexed ${project.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`, "m"));
  assert.match(indexed.stdout, /^Files: +1 \(python 1\)$/m);
  assert.match(indexed.stdout, /^History: +1 commit /m);
  // The cache went under the user's own home, not beside the checkout.
  assert.ok(existsSync(join(home, ".cache", "hearth", "index")), "the index cache is under XDG_CACHE_HOME");
});
