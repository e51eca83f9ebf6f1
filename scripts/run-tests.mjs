// Runs one layer of Hearth's tests with node's own test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs unit|integration|e2e [filter]
// Node 20's `--test` takes no globs and looks for .js only, so the files are listed here.
// The spec reporter prints each test and node's closing summary; this script then prints
// one plain "<layer>: N passed, N failed" line from that summary.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const layer = process.argv[2];
const filter = process.argv[3];
const suffix = { unit: ".test.ts", integration: ".test.ts", e2e: ".e2e.ts" }[layer];
if (!suffix) {
  console.error("usage: node scripts/run-tests.mjs unit|integration|e2e [filter]");
  process.exit(2);
}

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return path.endsWith(suffix) && (!filter || path.includes(filter)) ? [path] : [];
  });
}

const files = find(join("test", layer)).sort();
if (files.length === 0) {
  console.error(`no ${layer} test files found`);
  process.exit(1);
}
const args = [
  "--import", "tsx",
  "--test",
  // A handle leaked by a library (a pipe of a killed child) must not keep a finished test
  // file's process alive until CI's time limit.
  "--test-force-exit",
  // The e2e tests share one machine-heavy workbench at a time; the rest run in parallel.
  ...(layer === "e2e" ? ["--test-concurrency=1"] : []),
  // A test that waits for something that never comes (no timeout of its own) would hold the
  // whole layer until CI's time limit with nothing named; node 20 applies this to each test
  // file as a whole, so a hung file fails, named, after 30 minutes (the longest, a webview stream property
  // test, took 5 in CI and 13 at load 12 beside other work, 15 at load 20 once jsdom no longer kept its
  // documents: streaming-markdown.test.ts). Node 22 and later (CI's tests run
  // on node 20; its node 24 only serves code-server) apply it to each test and hook instead: a hung
  // test still fails, named, after 30 minutes, but a file hung outside any test is not bounded.
  ...(layer === "e2e" ? [] : ["--test-timeout=1800000"]),
  "--test-reporter=spec", "--test-reporter-destination=stdout",
  ...files,
];
// Some integration tests (remote-backend, remote-does-not-fit) run a real llama-server, compiled
// from source once per machine (10-30 minutes): build it here, in the open, with its progress on
// stderr, rather than inside a test, where it would spend the file's 30 minutes. A failed build
// is reported by those tests.
if (layer === "integration" && files.some((f) => readFileSync(f, "utf8").includes("llama-server/setup.sh"))) {
  spawnSync("bash", [join("test", "fixtures", "llama-server", "setup.sh")], { stdio: ["ignore", "ignore", "inherit"] });
}
// Some unit tests need Debian packages (python3-jinja2, python3-fusepy for the case-insensitive
// FUSE disk of test/fixtures/folding-disk.ts, gnupg and pinentry-curses, git-crypt): installed here when missing where apt and root
// are (CI), so those tests run there instead of skipping; elsewhere they skip, saying why.
if (layer === "unit" && files.some((f) => /jinja2|fixtures\/folding-disk|pinentry|git-crypt/.test(readFileSync(f, "utf8")))) {
  spawnSync("bash", [join("test", "fixtures", "debian-packages.sh")], { stdio: ["ignore", "ignore", "inherit"] });
}
// Every temp folder the tests (and the processes they start) make lands in one folder of
// this run, removed at the end; what a test left behind is named, so a leak is visible.
const runTmp = mkdtempSync(join(tmpdir(), `hearth-test-${layer}-`));
const child = spawn(process.execPath, args, {
  stdio: ["inherit", "pipe", "inherit"],
  env: { ...process.env, TMPDIR: runTmp, TMP: runTmp, TEMP: runTmp },
});
// node's spec reporter prints "ℹ pass N", "ℹ fail N", "ℹ skipped N" once all files ran, and
// then the details of every failure again: many failures push those lines far from the end,
// so they are picked out line by line as the output streams, not looked for in its tail.
const totals = new Map();
let partial = "";
child.stdout.setEncoding("utf8"); // a "ℹ" split between two reads stays whole
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const lines = (partial + chunk).split("\n");
  partial = lines.pop() ?? "";
  for (const line of lines) {
    // Node 22 and later colour it where FORCE_COLOR is set, into a pipe too ("\x1b[34mℹ pass 2\x1b[39m").
    const m = /^\u2139 (\w+) (\d+)$/.exec(line.replace(/\x1b\[[\d;]*m/g, "").replace(/\r$/, ""));
    if (m) totals.set(m[1], Number(m[2]));
  }
});
child.on("exit", (code, signal) => {
  const count = (name) => totals.get(name) ?? 0;
  const [passed, failed, skipped, cancelled] = ["pass", "fail", "skipped", "cancelled"].map(count);
  const extra = [skipped ? `${skipped} skipped` : "", cancelled ? `${cancelled} cancelled` : ""].filter(Boolean).join(", ");
  const left = readdirSync(runTmp).filter((name) => !name.startsWith("tsx-")); // tsx's compile cache
  if (left.length > 0) console.log(`\n${left.length} temp entr${left.length === 1 ? "y" : "ies"} left behind by the ${layer} tests (removed now): ${left.slice(0, 20).join(", ")}`);
  rmSync(runTmp, { recursive: true, force: true });
  console.log(`\n${layer}: ${passed} passed, ${failed + cancelled} failed${extra ? `, ${extra}` : ""}`);
  process.exit(code ?? (signal ? 1 : 0));
});
