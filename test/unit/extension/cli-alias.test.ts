// The shell line the walkthrough's CLI step (media/walkthrough/cli.md) and the README give for
// running the hearth CLI from the installed extension, run in a real bash against a real
// extensions folder laid out as VS Code leaves it: after an update the old version's folder
// stays beside the new one until VS Code restarts, and a platform VSIX's folder carries its
// target (hearth.hearth-0.10.0-linux-x64).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { it } from "node:test";
import { tempDir } from "../../fixtures/temp.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const walkthrough = readFileSync(join(ROOT, "media/walkthrough/cli.md"), "utf8");
// The code block's first line defines `hearth`; the lines after it use it.
const line = /```sh\n([^\n]+)\n/.exec(walkthrough)?.[1] ?? "";

/** A home whose ~/.vscode/extensions holds `versions`, installed in that order (a day apart), each a cli.mjs that prints its version and the arguments it got. */
function home(versions: string[]): string {
  const dir = tempDir("hearth-cli-alias-");
  versions.forEach((version, i) => {
    const folder = join(dir, ".vscode/extensions", `hearth.hearth-${version}`);
    mkdirSync(join(folder, "out"), { recursive: true });
    writeFileSync(join(folder, "out/cli.mjs"), `console.log(JSON.stringify({ version: ${JSON.stringify(version)}, args: process.argv.slice(2) }));\n`);
    const installed = new Date(Date.UTC(2026, 0, 1 + i));
    utimesSync(folder, installed, installed);
  });
  return dir;
}

/** Defines `hearth` with the walkthrough's line in bash (aliases on, as in an interactive shell) and runs `hearth models "a b"`. */
function run(dir: string): { version: string; args: string[] } {
  const script = `shopt -s expand_aliases\n${line}\nhearth models "a b"\n`;
  const ran = spawnSync("bash", ["-c", script], { env: { ...process.env, HOME: dir }, encoding: "utf8" });
  assert.equal(ran.status, 0, ran.stderr);
  return JSON.parse(ran.stdout) as { version: string; args: string[] };
}

it("the walkthrough's line runs the CLI with the arguments given, and the README gives the same line", () => {
  assert.match(line, /hearth/, walkthrough);
  assert.ok(readFileSync(join(ROOT, "README.md"), "utf8").includes(line), `README.md gives another line than media/walkthrough/cli.md: ${line}`);
  assert.deepEqual(run(home(["0.1.0"])), { version: "0.1.0", args: ["models", "a b"] });
});

it("with two versions installed (an update before VS Code restarts, or Install Another Version…): the one installed last runs, and gets only the arguments given", () => {
  // Before, the alias's glob gave node both cli.mjs files: node ran the first by name (0.10.0 sorts
  // before 0.9.0, so by name is not by version) with the other's path as its command.
  assert.deepEqual(run(home(["0.9.0", "0.10.0-linux-x64"])), { version: "0.10.0-linux-x64", args: ["models", "a b"] });
  assert.deepEqual(run(home(["0.10.0", "0.9.0"])), { version: "0.9.0", args: ["models", "a b"] });
});
