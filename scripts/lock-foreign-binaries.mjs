// Adds node-llama-cpp's binary packages for other platforms to package-lock.json.
//
// Why: the npm registry this project is developed against serves only the linux
// @node-llama-cpp/* packages, so `npm install` leaves the darwin/win32/riscv ones out of
// the lock, and `npm ci` then fails everywhere with "Missing: … from lock file". Entries
// marked optional with their os/cpu are skipped on other platforms without a download,
// and fetched by name@version where they apply. Run after any `npm install` that rewrites
// the lock: `node scripts/lock-foreign-binaries.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORMS = {
  "linux-riscv64": { os: "linux", cpu: "riscv64", libc: "glibc" },
  "mac-arm64-metal": { os: "darwin", cpu: "arm64" },
  "mac-x64": { os: "darwin", cpu: "x64" },
  "win-arm64": { os: "win32", cpu: "arm64" },
  "win-x64": { os: "win32", cpu: "x64" },
  "win-x64-cuda": { os: "win32", cpu: "x64" },
  "win-x64-cuda-ext": { os: "win32", cpu: "x64" },
  "win-x64-vulkan": { os: "win32", cpu: "x64" },
};

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const llama = lock.packages["node_modules/node-llama-cpp"];
let added = 0;
for (const [name, range] of Object.entries(llama.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  const platform = PLATFORMS[name.replace("@node-llama-cpp/", "")];
  if (lock.packages[key] || !platform) continue;
  lock.packages[key] = {
    version: range,
    cpu: [platform.cpu],
    ...(platform.libc ? { libc: [platform.libc] } : {}),
    license: "MIT",
    optional: true,
    os: [platform.os],
    engines: { node: ">=20.0.0" },
  };
  added++;
}
// npm orders entries with localeCompare("en"); do the same so the diff shows only the additions.
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b, "en")));
writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
console.log(`lock-foreign-binaries: added ${added} entries`);
