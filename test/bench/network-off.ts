/**
 * What `hearth fix --yes` adds to each command's start by running it without the network
 * (tools/command-network.ts): the network and mount namespaces, loopback, the Unix sockets
 * outside covered with /dev/null, the capabilities dropped — against plain `unshare --net`
 * (with a user namespace where this is not root), in the same run, with N sockets bound by
 * the bench itself (each listed as /proc/net/unix would list it). Also the reading of
 * /proc/net/unix with those sockets in it. Median of `--runs` starts of `true`.
 *   node --import tsx test/bench/network-off.ts [--sockets 0,300,1000] [--runs 5]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listedUnixSockets, unshareNetworkOff } from "../../src/tools/command-network.ts";

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const COUNTS = arg("sockets", "0,300,1000").split(",").map(Number);
const RUNS = Number(arg("runs", "5"));
const root = process.getuid?.() === 0;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(file: string, args: readonly string[]): number {
  const start = performance.now();
  const ran = spawnSync(file, [...args], { encoding: "utf8" });
  const ms = performance.now() - start;
  if (ran.status !== 0) throw new Error(`${file} ${args.slice(0, 4).join(" ")} … exited ${ran.status}: ${ran.stderr}`);
  return ms;
}

const folder = mkdtempSync(join(tmpdir(), "hearth-bench-netoff-"));
const servers: Server[] = [];
try {
  const max = Math.max(...COUNTS);
  for (let i = 0; i < max; i++) {
    const server = createServer();
    // Names as a desktop's are: a long-ish folder, a few with a space.
    await new Promise<void>((done) => server.listen(join(folder, i % 50 === 0 ? `vscode ipc ${i}.sock` : `vscode-ipc-${i}-0123456789abcdef.sock`), done));
    servers.push(server);
  }
  const listed = listedUnixSockets().filter((p) => p.startsWith(folder));
  if (listed.length !== max) throw new Error(`/proc/net/unix lists ${listed.length} of the bench's ${max} sockets`);
  const plain: [string, string[]] = ["unshare", [...(root ? [] : ["--user", "--map-root-user"]), "--net", "--", "sh", "-c", "true"]];
  console.log(`${root ? "root" : "own-uid"} form, median of ${RUNS}, ${new Date().toISOString()}`);
  console.log("| sockets | read /proc/net/unix | plain unshare --net | network-off | ratio |");
  console.log("|---:|---:|---:|---:|---:|");
  for (const n of COUNTS) {
    const sockets = listed.slice(0, n);
    const off = unshareNetworkOff("unshare", undefined, () => sockets);
    const [file, args] = off.argv("true");
    const read: number[] = [], base: number[] = [], ours: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      listedUnixSockets();
      read.push(performance.now() - s);
      base.push(time(...plain));
      ours.push(time(file, args));
    }
    const b = median(base), o = median(ours);
    console.log(`| ${n} | ${median(read).toFixed(0)} ms | ${b.toFixed(0)} ms | ${o.toFixed(0)} ms | ${(o / b).toFixed(1)}× |`);
  }
} finally {
  for (const s of servers) s.close();
  rmSync(folder, { recursive: true, force: true });
}
