/**
 * hearth fix's patch step (agent/fix-line-ends.ts) runs the repository's clean filters, and
 * after the run's commands: a filter driver defined or changed during the run (through a config
 * file a command could still write, one an include.path names) is not run; one there at the
 * start is. Real git, a real HTTP server on 127.0.0.1 that counts what the filters ask of it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { repositoryLineEnds } from "../../../src/agent/fix-line-ends.ts";
import { filterDefinitions } from "../../../src/indexer/read-only-git.ts";

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" });

it("a filter driver defined or changed after the run's start is not run by the patch step; one there at the start is", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "hearth-line-ends-filters-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end("ok");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  git(root, "init", "-q");
  // Included config, which the namespace does not make read-only: where a command could still write.
  git(root, "config", "filter.mine2.clean", "cat");
  writeFileSync(join(root, "included"), "");
  git(root, "config", "include.path", join(root, "included"));
  git(root, "config", "filter.mine.clean", `curl -s ${url}/mine >/dev/null; cat`);
  writeFileSync(join(root, ".gitattributes"), "mine.txt filter=mine\nlate.txt filter=late\nchanged.txt filter=mine2\n");
  git(root, "add", ".gitattributes");
  git(root, "commit", "-q", "-m", "start");
  const atStart = await filterDefinitions(root);
  assert.deepEqual([...atStart.keys()].sort(), ["mine", "mine2"]);

  // During the run: a new driver, and one changed, through the included file.
  writeFileSync(join(root, "included"), `[filter "late"]\n\tclean = curl -s ${url}/late >/dev/null; cat\n[filter "mine2"]\n\tclean = curl -s ${url}/changed >/dev/null; cat\n`);
  const files = ["mine.txt", "late.txt", "changed.txt"].map((path) => ({ path, bytes: Buffer.from("a\r\nb\r\n") }));
  for (const file of files) writeFileSync(join(root, file.path), file.bytes);
  await repositoryLineEnds(root, { filtersAtStart: atStart })(files);
  assert.deepEqual(hits.sort(), ["/mine"], "only the driver there at the start ran");
  // Without the start's definitions (as before), each runs.
  hits.length = 0;
  await repositoryLineEnds(root)(files);
  assert.deepEqual(hits.sort(), ["/changed", "/late", "/mine"]);
});
