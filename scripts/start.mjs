// `npm start [-- FOLDER] [--dev] [--port N]`: builds and packages Hearth, then opens a VS
// Code workbench with it installed on FOLDER (default: this repository).
//   - desktop VS Code when `code` is on PATH: installs the VSIX there and opens the folder;
//   - otherwise code-server on 127.0.0.1 (installed on first use by test/e2e/setup.sh,
//     cached outside the clone), printing the URL to open; Ctrl-C stops it.
// --dev links this folder as the extension instead of packaging (no VSIX, seconds faster).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, symlinkSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as cs from "./code-server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const args = process.argv.slice(2);
const dev = args.includes("--dev");
const portArg = args.indexOf("--port");
const port = portArg === -1 ? undefined : Number(args[portArg + 1]);
const folder = resolve(args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--port") ?? root);
const target = `${process.platform}-${process.arch}`;
const vsix = join(root, `${pkg.name}-${pkg.version}-${target}.vsix`);

function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { stdio: "inherit", cwd: root, ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function newestSource() {
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [statSync(join(dir, e.name)).mtimeMs]));
  return Math.max(...["src", "media", "native"].flatMap((d) => walk(join(root, d))), statSync(join(root, "package.json")).mtimeMs);
}

function packageIfStale() {
  if (existsSync(vsix) && statSync(vsix).mtimeMs > newestSource()) {
    console.log(`[start] ${vsix} is up to date`);
    return;
  }
  console.log("[start] building and packaging Hearth (a few minutes the first time)…");
  run(process.execPath, [join(root, "scripts/package.mjs")]);
}

function hasCode() {
  return spawnSync("code", ["--version"], { stdio: "ignore" }).status === 0;
}

if (!dev && hasCode()) {
  packageIfStale();
  run("code", ["--install-extension", vsix, "--force"]);
  run("code", [folder]);
  console.log(`[start] opened ${folder} in VS Code with Hearth installed`);
  process.exit(0);
}

if (dev) run(process.execPath, [join(root, "esbuild.mjs")]);
else packageIfStale();
run("bash", [join(root, "test/e2e/setup.sh")], { stdio: ["ignore", "ignore", "inherit"] });

// A persistent profile, so settings made in the workbench survive the next `npm start`;
// the extensions folder is made anew so the current build is the one installed.
const profileRoot = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "hearth-start");
rmSync(join(profileRoot, "extensions"), { recursive: true, force: true });
const profile = cs.startProfile(profileRoot);
if (dev) symlinkSync(root, join(profile.dirs.extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`));
else cs.installVsix(profile, vsix);

const chosenPort = port ?? (await cs.freePort());
const server = cs.launchCodeServer(profile, folder, chosenPort);
server.stderr.pipe(process.stderr);
const stop = () => {
  cs.killGroup(server);
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
await cs.waitForHealth(chosenPort, server);
console.log(`\n[start] Hearth is running in VS Code (code-server) on ${folder}`);
console.log(`[start] open http://127.0.0.1:${chosenPort}/?folder=${encodeURIComponent(folder)}`);
console.log("[start] press Ctrl-C to stop\n");
server.on("exit", (code) => process.exit(code ?? 0));
