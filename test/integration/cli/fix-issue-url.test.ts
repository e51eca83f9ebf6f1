// `hearth fix https://github.com/…/issues/N` from the built CLI (out/cli.mjs): the issue is
// fetched from a real HTTP server on 127.0.0.1 ($GITHUB_API_URL, with $GH_ENTERPRISE_TOKEN, the token of any API but api.github.com) and
// its text is what the agent gets — the trajectory's start record and the model's prompt.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "out/cli.mjs");
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);

/** Runs the CLI without blocking this process's event loop (the issue server answers from it). */
function run(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")));
  return new Promise((done) => child.on("close", (code) => done({ code, stderr })));
}

describe("hearth fix with a GitHub issue URL", () => {
  it("fetches the issue with the environment's token and gives its text to the agent", async () => {
    const auth: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      auth.push(req.headers.authorization);
      res.setHeader("content-type", "application/json");
      if (req.url === "/repos/acme/calc/issues/7") return res.end(JSON.stringify({ title: "add() subtracts", body: "add(2, 3) returns -1", comments: 1 }));
      if (req.url === "/repos/acme/calc/issues/7/comments?per_page=10") return res.end(JSON.stringify([{ user: { login: "ana" }, body: "Seen in 1.2." }]));
      res.statusCode = 404;
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const repo = tempDir("hearth-fix-url-repo-");
      cpSync(join(ROOT, "test/fixtures/agent/python-calc"), repo, { recursive: true });
      execFileSync("git", ["init", "-q"], { cwd: repo });
      execFileSync("git", ["remote", "add", "origin", "git@github.com:acme/calc.git"], { cwd: repo });
      const work = tempDir("hearth-fix-url-out-");
      const model = join(work, "model.json");
      writeFileSync(model, JSON.stringify({ name: "scripted-fixer", turns: [{ toolCalls: [{ name: "finish", arguments: { summary: "read it" } }] }] }));
      const env = { HEARTH_HOME: join(work, "home"), GITHUB_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, GH_ENTERPRISE_TOKEN: "ghp_env", GITHUB_ENTERPRISE_TOKEN: "" };
      const { code, stderr } = await run(["fix", "--repo", repo, "https://github.com/acme/calc/issues/7", "--model", model, "--yes", "--no-index", "--state-dir", join(work, "state"), "--out", join(work, "fix.diff")], env, work);
      assert.equal(code, 1, stderr); // finished without a change: not fixed
      assert.match(stderr, /fetching acme\/calc#7/);
      const start = JSON.parse(readFileSync(join(work, "fix.diff.trajectory.jsonl"), "utf8").split("\n")[0]!);
      assert.equal(start.issue, "add() subtracts (acme/calc#7)\n\nadd(2, 3) returns -1\n\nComment by ana:\nSeen in 1.2.");
      assert.deepEqual(auth, ["Bearer ghp_env", "Bearer ghp_env"]);
    } finally {
      server.close();
    }
  });
});
