/**
 * Ways out of the network namespace `hearth fix --yes` runs commands in (tools/command-network.ts),
 * with real parts: a Unix socket "daemon" this test starts outside (a stand-in for docker.sock or
 * systemd --user acting for the caller), which on any connection makes a request to a real HTTP
 * server on 127.0.0.1 outside; root inside going back to the host's network with nsenter, or
 * taking a mask away with umount; and what commands keep (a root command writing a file another
 * user owns, a command's own Unix socket).
 */
import assert from "node:assert/strict";
import { chmodSync, chownSync, readFileSync, writeFileSync } from "node:fs";
import { type Server, createServer, get } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type NetworkOff, probeNetworkOff, unshareNetworkOff } from "../../../src/tools/command-network.ts";
import { runShell } from "../../../src/tools/run-command.ts";
import { tempDir } from "./helpers/setup.ts";

const NODE = JSON.stringify(process.execPath);
const probe = process.platform === "linux" ? await probeNetworkOff() : undefined;
const off: NetworkOff | undefined = probe?.ok ? probe.off : undefined;
const skip = off ? false : `no network namespace here: ${probe && !probe.ok ? probe.why : process.platform}`;
const root = process.getuid?.() === 0;
const never = new AbortController().signal;

/** A real HTTP server on 127.0.0.1 outside the namespace that counts the requests it got. */
async function countingServer(): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end("reached");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

/** A daemon on a Unix socket outside that, for whoever connects, fetches from `port` and answers "acted". */
async function actingDaemon(port: number): Promise<{ path: string; close: () => void }> {
  const path = join(tempDir("hearth-daemon-"), "d.sock");
  const daemon = createNetServer((c) => {
    get(`http://127.0.0.1:${port}/for-the-caller`, (res) => {
      res.resume();
      res.on("end", () => c.end("acted"));
    });
  });
  await new Promise<void>((done) => daemon.listen(path, done));
  chmodSync(path, 0o777); // as docker.sock is to its group: anyone here may connect
  return { path, close: () => daemon.close() };
}

/** A command that connects to the Unix socket `path`: "daemon: acted", or exit 7 with the error's code. */
const connectTo = (path: string) => `${NODE} -e 'const c = require("node:net").connect(process.argv[1]); c.on("data", (d) => { console.log("daemon: " + d); process.exit(0); }); c.on("error", (e) => { console.log("refused: " + e.code); process.exit(7); });' ${JSON.stringify(path)}`;

describe("a daemon outside on a Unix socket cannot act for a command with the network off", { skip }, () => {
  it("the command's connect is refused and the HTTP server sees nothing; with the network the daemon acts", async (t) => {
    const { server, port, hits } = await countingServer();
    const daemon = await actingDaemon(port);
    t.after(() => (daemon.close(), server.close()));
    const without = await runShell(connectTo(daemon.path), tempDir(), 60_000, never, undefined, { networkOff: off });
    assert.equal(without.exitCode, 7, without.output);
    assert.match(without.output, /refused: ECONNREFUSED/);
    assert.equal(hits(), 0, "the daemon outside made no request for the command");
    const withIt = await runShell(connectTo(daemon.path), tempDir(), 60_000, never);
    assert.equal(withIt.exitCode, 0, withIt.output);
    assert.match(withIt.output, /daemon: acted/);
    assert.equal(hits(), 1);
  });

  it("a socket that cannot be masked refuses the command, naming it and --allow-network; the probe says so", async (t) => {
    const { server, port, hits } = await countingServer();
    const daemon = await actingDaemon(port);
    t.after(() => (daemon.close(), server.close()));
    // A mount(8) that fails on the daemon's socket, as one on a system refusing this bind mount would, given alone or in
    // mount -a's table (its line is left out there); the real one for the others.
    const bin = tempDir("hearth-failing-mount-");
    const path = process.env.PATH;
    writeFileSync(join(bin, "mount"), `#!/bin/sh\nfor a do [ "$a" = ${JSON.stringify(daemon.path)} ] && { echo 'mount: permission denied' >&2; exit 32; }; done\n[ "$1" = -a ] && [ "$2" = -T ] && { grep -vF ${JSON.stringify(daemon.path)} "$3" > "$3.left"; set -- -a -T "$3.left"; }\nPATH=${JSON.stringify(path ?? "")} exec mount "$@"\n`);
    chmodSync(join(bin, "mount"), 0o755);
    process.env.PATH = `${bin}:${path ?? ""}`;
    t.after(() => (process.env.PATH = path));
    const ran = await runShell(connectTo(daemon.path), tempDir(), 60_000, never, undefined, { networkOff: off });
    assert.equal(ran.exitCode, 126, ran.output);
    assert.ok(ran.output.includes(`hearth: not run: the Unix socket ${daemon.path}, where a program outside the network namespace listens`), ran.output);
    assert.match(ran.output, /could not be blocked inside it \(mount --bind failed\); stop what listens there, or pass --allow-network to run commands with the network/);
    assert.doesNotMatch(ran.output, /daemon: acted/);
    assert.equal(hits(), 0);
    const said = await probeNetworkOff();
    assert.equal(said.ok, false);
    assert.ok(!said.ok && said.why.startsWith(`the Unix socket ${daemon.path}, where a program outside`), JSON.stringify(said));
    assert.equal(hits(), 0);
  });

  it("a command's own Unix socket works: a server and a client inside, on a path in its temp folder", async () => {
    const script = `const net = require("node:net"); const p = require("node:path").join(require("node:fs").mkdtempSync("own-"), "s.sock"); const s = net.createServer((c) => c.end("pong")).listen(p, () => net.connect(p).on("data", (d) => { console.log(String(d)); process.exit(0); }));`;
    const ran = await runShell(`${NODE} -e '${script}'`, tempDir(), 60_000, never, undefined, { networkOff: off });
    assert.equal(ran.exitCode, 0, ran.output);
    assert.equal(ran.output, "pong\n");
  });
  it("the probe tries the whole form: without a mount namespace allowed it says the system refused", async () => {
    const bin = tempDir();
    // An unshare that refuses --mount, as a system allowing only network namespaces would.
    writeFileSync(join(bin, "unshare"), `#!/bin/sh\nfor a do [ "$a" = --mount ] && { echo 'unshare: unshare failed: Operation not permitted' >&2; exit 1; }; done\nexec unshare "$@"\n`);
    chmodSync(join(bin, "unshare"), 0o755);
    const refused = await probeNetworkOff({ unshare: join(bin, "unshare") });
    assert.equal(refused.ok, false);
    assert.match(!refused.ok ? refused.why : "", /^the system refused a network namespace \(unshare: unshare failed: Operation not permitted\)/);
    assert.ok(unshareNetworkOff(undefined, undefined, () => []).argv("true")[1].includes("--mount"));
  });
});

describe("Hearth run as root (CI, devcontainers)", { skip: skip || (root ? false : "needs root: Hearth running as root uses the root form") }, () => {
  it("root inside cannot go back to the host's network with nsenter, nor take a mask away with umount", async (t) => {
    const { server, port, hits } = await countingServer();
    const daemon = await actingDaemon(port);
    t.after(() => (daemon.close(), server.close()));
    const fetchIt = `${NODE} -e 'fetch("http://127.0.0.1:${port}/key").then(() => console.log("sent"), (e) => { console.log("not sent: " + (e.cause?.code ?? e.message)); process.exit(7); })'`;
    const ran = await runShell(`nsenter --net=/proc/1/ns/net ${fetchIt} 2>&1; echo "nsenter: $?"; nsenter -t 1 -n ${fetchIt} 2>&1; echo "nsenter -t: $?"; umount ${JSON.stringify(daemon.path)} 2>&1; echo "umount: $?"; ${connectTo(daemon.path)}`, tempDir(), 60_000, never, undefined, { networkOff: off });
    assert.doesNotMatch(ran.output, /sent\n|daemon: acted/, ran.output);
    assert.match(ran.output, /nsenter: [1-9]/);
    assert.match(ran.output, /nsenter -t: [1-9]/);
    assert.match(ran.output, /umount: [1-9]/);
    assert.match(ran.output, /refused: ECONNREFUSED/);
    assert.equal(hits(), 0, "nothing reached the server outside");
  });

  it("root inside cannot set the kernel's core_pattern (a program the kernel runs outside at a crash), nor anything under /sys; outside they stay writable", async () => {
    // The value it has, written back: without the read-only mounts this succeeds (and changes nothing).
    const ran = await runShell(`v=$(cat /proc/sys/kernel/core_pattern); printf '%s\\n' "$v" > /proc/sys/kernel/core_pattern 2>&1 && echo core_pattern written; for f in /sys/fs/cgroup/*/notify_on_release /sys/kernel/uevent_helper; do [ -e "$f" ] && { cat "$f" > "$f" 2>/dev/null && echo "$f written"; }; done; echo done`, tempDir(), 60_000, never, undefined, { networkOff: off });
    assert.match(ran.output, /core_pattern: Read-only file system/, ran.output);
    assert.doesNotMatch(ran.output, /written/, ran.output);
    assert.match(ran.output, /done\n$/);
    const outside = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => / \/(sys|proc) /.test(l));
    assert.ok(outside.length > 0 && outside.every((l) => / rw[, ]/.test(l)), outside.join("\n"));
  });

  it("where /proc/sys cannot be made read-only the command is refused, and the probe says so with the way out", async (t) => {
    const bin = tempDir("hearth-failing-remount-");
    const path = process.env.PATH;
    writeFileSync(join(bin, "mount"), `#!/bin/sh\ncase "$*" in *remount*) echo 'mount: permission denied' >&2; exit 32;; esac\nPATH=${JSON.stringify(path ?? "")} exec mount "$@"\n`);
    chmodSync(join(bin, "mount"), 0o755);
    process.env.PATH = `${bin}:${path ?? ""}`;
    t.after(() => (process.env.PATH = path));
    const ran = await runShell("echo ran", tempDir(), 60_000, never, undefined, { networkOff: off });
    assert.equal(ran.exitCode, 126, ran.output);
    assert.match(ran.output, /^hearth: not run: the kernel's settings \(\/proc\/sys, \/sys\) could not be made read-only inside the namespace \(mount -o remount,bind,ro failed on \/\S+\), .*core_pattern\); run hearth fix as a user other than root, or pass --allow-network/);
    assert.doesNotMatch(ran.output, /^ran$/m);
    const said = await probeNetworkOff();
    assert.equal(said.ok, false);
    assert.match(!said.ok ? said.why : "", /^the kernel's settings \(\/proc\/sys, \/sys\) could not be made read-only inside the namespace/);
    assert.equal(!said.ok ? said.how : "", "run hearth fix as a user other than root");
  });

  it("a root command still writes, chowns and chmods files another user owns (a devcontainer's uid 1000)", async () => {
    const dir = tempDir();
    const theirs = join(dir, "theirs.txt");
    writeFileSync(theirs, "old\n");
    chownSync(theirs, 1000, 1000);
    chmodSync(theirs, 0o644);
    const ran = await runShell("echo new > theirs.txt && touch made && chown 1000:1000 made && chmod 600 theirs.txt && id -u", dir, 60_000, never, undefined, { networkOff: off });
    assert.equal(ran.exitCode, 0, ran.output);
    assert.equal(ran.output, "0\n");
    assert.equal(readFileSync(theirs, "utf8"), "new\n");
  });

});
