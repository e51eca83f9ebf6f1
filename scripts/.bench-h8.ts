const { planPatch } = await import(process.argv[2]!);
const n = Number(process.argv[3]);
const files = new Map<string, Uint8Array>();
let patch = "";
for (let i = 0; i < n; i++) { files.set(`src/f${i}.ts`, new TextEncoder().encode(`x${i}\n`)); patch += `diff --git a/src/f${i}.ts b/lib/f${i}.ts\nsimilarity index 100%\nrename from src/f${i}.ts\nrename to lib/f${i}.ts\n`; }
const ws = { root: "/nonexistent-h8", resolve: async (p: string) => p, read: async (p: string) => files.get(p)!, stat: async (p: string) => (files.has(p) ? { type: "file", size: 1, mtimeMs: 0 } : p === "src" ? { type: "directory", size: 0, mtimeMs: 0 } : undefined) };
const t = performance.now();
const plan = await planPatch(ws, patch);
console.log(plan.ok, plan.changes.length, Math.round(performance.now() - t), "ms");
