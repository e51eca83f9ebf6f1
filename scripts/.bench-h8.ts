import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const { DiskWorkspace } = await import("/work/main/src/tools/disk-workspace.ts");
const { planPatch } = await import(process.argv[2]!);
const root = mkdtempSync(join(tmpdir(), "bench-"));
mkdirSync(join(root, "src"));
let patch = "";
for (let i = 0; i < 8000; i++) { writeFileSync(join(root, "src", `f${i}.ts`), `x${i}\n`); patch += `diff --git a/src/f${i}.ts b/lib/f${i}.ts\nsimilarity index 100%\nrename from src/f${i}.ts\nrename to lib/f${i}.ts\n`; }
const t = performance.now();
const plan = await planPatch(new DiskWorkspace(root), patch);
console.log(plan.ok, plan.changes.length, Math.round(performance.now() - t), "ms");
rmSync(root, { recursive: true, force: true });
