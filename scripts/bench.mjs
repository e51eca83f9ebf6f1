// `npm run bench -- NAME` runs test/bench/NAME.ts (TypeScript through tsx); no NAME lists them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const name = process.argv[2];
const available = readdirSync(join("test", "bench")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));
if (!name || !existsSync(join("test", "bench", `${name}.ts`))) {
  console.error(`usage: npm run bench -- <${available.join("|")}>`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ["--import", "tsx", join("test", "bench", `${name}.ts`), ...process.argv.slice(3)], { stdio: "inherit" });
process.exit(result.status ?? 1);
