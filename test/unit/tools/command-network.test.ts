/**
 * Commands without the network (tools/command-network.ts), with real parts: a real HTTP server
 * on 127.0.0.1 in this process — outside the command's network namespace — that a command run
 * with `networkOff` must not reach and reaches without it; a command that listens and connects
 * on loopback inside the namespace; the model's note on a failure for want of network; and the
 * probe's refusal where unshare is refused (a stand-in unshare that fails as AppArmor's does).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { type NetworkOff, NO_NETWORK_NOTE, networkOnNotice, probeNetworkOff, unreachedServices, unshareNetworkOff } from "../../../src/tools/command-network.ts";
import { runShell } from "../../../src/tools/run-command.ts";
import { runCommandTool } from "../../../src/tools/run-command.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

const NODE = JSON.stringify(process.execPath);
const probe = process.platform === "linux" ? await probeNetworkOff() : undefined;
// A system that refuses namespaces skips; loopback not brought up inside is Hearth's failure, tested (the loopback case fails).
const loopbackDown = probe?.ok === false && probe.why.startsWith("loopback");
const off: NetworkOff | undefined = probe?.ok ? probe.off : loopbackDown ? unshareNetworkOff() : undefined;
const skip = off ? false : `no network namespace here: ${probe && !probe.ok ? probe.why : process.platform}`;

/** A real HTTP server on 127.0.0.1 that counts the requests it got. */
async function countingServer(): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end("reached");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

const never = new AbortController().signal;

describe("commands run without the network", { skip }, () => {
  it("cannot reach a server on the machine's 127.0.0.1, which the same command reaches with the network", async (t) => {
    const { server, port, hits } = await countingServer();
    t.after(() => server.close());
    const fetchIt = `${NODE} -e 'fetch("http://127.0.0.1:${port}/key").then(async (r) => console.log("got " + await r.text()), (e) => { console.error("failed: " + (e.cause?.code ?? e.message)); process.exit(7); })'`;
    const without = await runShell(fetchIt, tempDir(), 60_000, never, undefined, { networkOff: off });
    assert.equal(without.exitCode, 7, without.output);
    assert.match(without.output, /failed: (ECONNREFUSED|ENETUNREACH)/);
    assert.equal(hits(), 0, "the server outside the namespace got nothing");
    const withIt = await runShell(fetchIt, tempDir(), 60_000, never);
    assert.equal(withIt.exitCode, 0, withIt.output);
    assert.match(withIt.output, /got reached/);
    assert.equal(hits(), 1);
  });

  it("listens and connects on loopback inside (tests that bind 127.0.0.1 still work)", async () => {
    const script = `const net = require("node:net"); const s = net.createServer((c) => c.end("pong")).listen(0, "127.0.0.1", () => { net.connect(s.address().port, "127.0.0.1").on("data", (d) => { console.log(String(d)); process.exit(0); }); });`;
    const ran = await runShell(`${NODE} -e '${script}'`, tempDir(), 60_000, never, undefined, { networkOff: off });
    assert.equal(ran.exitCode, 0, ran.output);
    assert.equal(ran.output, "pong\n");
  });

  it("tells the model why a command failed for want of network, and only then", async () => {
    const ctx = { ...workspaceWith().ctx, networkOff: off };
    // A host name: getaddrinfo fails (EAI_AGAIN / ENOTFOUND), as pip's, npm's or curl's would.
    const lookup = `${NODE} -e 'require("node:dns").lookup("pypi.org", (e) => { console.error(e ? e.message : "resolved"); process.exit(e ? 1 : 0); })'`;
    const failed = await runTool(runCommandTool, { command: lookup }, ctx);
    assert.equal(failed.ok, true);
    assert.match(failed.text, /getaddrinfo/);
    assert.ok(failed.text.includes(NO_NETWORK_NOTE), failed.text);
    // An address outside: the namespace has no route.
    const connect = `${NODE} -e 'require("node:net").connect(443, "192.0.2.1").on("error", (e) => { console.error(e.message); process.exit(1); })'`;
    const unreachable = await runTool(runCommandTool, { command: connect }, ctx);
    assert.match(unreachable.text, /ENETUNREACH/);
    assert.ok(unreachable.text.includes(NO_NETWORK_NOTE), unreachable.text);
    // A failure that is not the network's, and a run with the network: no note.
    const other = await runTool(runCommandTool, { command: "echo 'AssertionError: 2 != 3' >&2; exit 1" }, ctx);
    assert.ok(!other.text.includes("network is off"), other.text);
    const withNetwork = await runTool(runCommandTool, { command: "echo 'getaddrinfo EAI_AGAIN pypi.org' >&2; exit 1" }, { ...ctx, networkOff: undefined });
    assert.ok(!withNetwork.text.includes("network is off"), withNetwork.text);
  });
});

describe("where the system refuses a network namespace", () => {
  it("the probe says why (unshare refused, not installed, not Linux)", { skip: process.platform !== "linux" }, async () => {
    const bin = tempDir();
    // What util-linux's unshare says where AppArmor (Ubuntu 24.04) or a container refuses it.
    const refusing = join(bin, "unshare");
    writeFileSync(refusing, "#!/bin/sh\necho 'unshare: write failed /proc/self/uid_map: Operation not permitted' >&2\nexit 1\n");
    chmodSync(refusing, 0o755);
    const refused = await probeNetworkOff({ unshare: refusing });
    assert.equal(refused.ok, false);
    assert.match(!refused.ok ? refused.why : "", /^the system refused a network namespace \(unshare: write failed \/proc\/self\/uid_map: Operation not permitted\): unprivileged user namespaces are off or restricted here/);
    assert.match(networkOnNotice(refused as { why: string; how: string }), /^commands run WITH the network: the system refused .*To run them without it, allow unprivileged user namespaces \(Ubuntu 24\.04: sudo sysctl kernel\.apparmor_restrict_unprivileged_userns=0.*; pass --allow-network/);
    const missing = await probeNetworkOff({ unshare: join(bin, "no-such-unshare") });
    assert.match(!missing.ok ? missing.why : "", /unshare \(util-linux\) is not installed/);
    const mac = await probeNetworkOff({ platform: "darwin" });
    assert.match(!mac.ok ? mac.why : "", /only on Linux .*this is macOS/);
    // No sysctl advice where there is no such thing.
    assert.doesNotMatch(networkOnNotice(mac as { why: string; how: string }), /sysctl|AppArmor/);
    assert.match(networkOnNotice(mac as { why: string; how: string }), /To run them without it, run hearth fix in a container or VM without network; pass --allow-network/);
  });
});

// Hearth run by a user who is not root (the usual case): that test run as nobody (setpriv, when this test runs as root).
const asNobody = process.platform === "linux" && process.getuid?.() === 0 && spawnSync("setpriv", ["--version"]).status === 0 && off;

describe("run by a user who is not root", { skip: asNobody ? false : "needs root (to become nobody with setpriv) and a network namespace" }, () => {
  it("a command keeps the user's uid and meets file permissions as outside (not root in its namespace), loopback up, the user's Unix-socket daemon outside masked", (t) => {
    // Under /tmp itself: the test runner's own temp folder is root's alone, which nobody cannot enter.
    const dir = mkdtempSync("/tmp/hearth-network-nobody-");
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    const own = join(dir, "own"); // nobody's HOME and TMPDIR (tsx's cache)
    mkdirSync(own, { mode: 0o777 });
    chmodSync(own, 0o777);
    writeFileSync(join(dir, "locked"), "secret");
    chmodSync(join(dir, "locked"), 0o000);
    chownSync(join(dir, "locked"), 65534, 65534); // the user's own file, mode 000: only root (of a namespace too) reads it
    const src = resolve(import.meta.dirname, "../../../src/tools");
    const script = join(dir, "probe.mts");
    writeFileSync(script, `import { probeNetworkOff } from ${JSON.stringify(join(src, "command-network.ts"))};
import { runShell } from ${JSON.stringify(join(src, "run-command.ts"))};
const probe = await probeNetworkOff();
if (!probe.ok) { console.log("refused: " + probe.why); process.exit(0); }
const loop = \`const net = require("node:net"); const s = net.createServer((c) => c.end("pong")).listen(0, "127.0.0.1", () => net.connect(s.address().port, "127.0.0.1").on("data", (d) => { console.log(String(d)); process.exit(0); }));\`;
// A daemon of the user's own outside, on a Unix socket (systemd --user's, a tmux server's): the command must not reach it.
const daemon = (await import("node:net")).createServer((c) => c.end("acted"));
await new Promise((done) => daemon.listen(${JSON.stringify(join(own, "d.sock"))}, done));
const connect = \`const c = require("node:net").connect(${JSON.stringify(join(own, "d.sock"))}); c.on("data", (d) => { console.log("daemon: " + d); process.exit(0); }); c.on("error", (e) => { console.log("refused: " + e.code); process.exit(0); });\`;
const ran = await runShell(\`id -u; cat ${join(dir, "locked")} 2>&1 || echo no-read; "$NODE_BIN" -e '\${loop}'; "$NODE_BIN" -e '\${connect}'\`, ${JSON.stringify(dir)}, 60000, new AbortController().signal, undefined, { networkOff: probe.off });
daemon.close();
console.log(ran.output);
`);
    const run = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", process.execPath, "--import", "tsx", script], {
      cwd: resolve(import.meta.dirname, "../../.."), encoding: "utf8", env: { ...process.env, HOME: own, TMPDIR: own, NODE_BIN: process.execPath }, timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    if (run.stdout.startsWith("refused: ")) return t.skip(`this system gives nobody no user namespace: ${run.stdout.trim()}`);
    // cat's refusal goes to stdout (2>&1) before echo runs: stderr is another pipe, read in no set order against stdout.
    assert.match(run.stdout, /Permission denied\nno-read\n/, "a file the user may not read stays unreadable");
    assert.match(run.stdout, /^65534\n/, "the command runs as the user, not as root of its namespace");
    assert.match(run.stdout, /pong/);
    assert.match(run.stdout, /refused: ECONNREFUSED/, "the user's own daemon outside, on a Unix socket, is masked");
    assert.doesNotMatch(run.stdout, /daemon: acted/);
  });
});

describe("a failed command's output that names a covered socket", () => {
  // covered() matches names only: no namespace is made here.
  const sockets = ["/run/docker.sock", "/var/run/postgresql/.s.PGSQL.5432", "/work/app/dev.sock"];
  const covered = unshareNetworkOff("unshare", "own-uid", () => sockets).covered!;
  const noted = (output: string, cwd?: string): string[] => unreachedServices(output, covered(output, cwd));

  it("is about the socket only where a failure to reach it is said near its name", () => {
    // A listing (ls -l, find -type s) in a command that failed for another reason: no service note.
    const listing = "srw-rw---- 1 root docker 0 Dec  7 21:00 /run/docker.sock\nsrwxrwxrwx 1 postgres postgres 0 Dec  7 21:00 /var/run/postgresql/.s.PGSQL.5432\n" + "drwxr-xr-x 2 root root 40 Dec  7 21:00 /run/user\n".repeat(5) + "FAILED tests/test_app.py::test_sum - AssertionError: assert 3 == 4\n";
    assert.deepEqual(noted(listing), []);
    assert.deepEqual(noted("srw-rw---- 1 u u 0 dev.sock\n\n\n\nmake: *** [test] Error 1", "/work/app"), []);
    // A refusal on the same line, on the line before (libpq), two lines after (a Python traceback): noted.
    assert.deepEqual(noted('psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: Connection refused'), ["/var/run/postgresql/.s.PGSQL.5432"]);
    assert.deepEqual(noted('could not connect to server: No such file or directory\n\tIs the server running locally and accepting connections on Unix domain socket "/run/postgresql/.s.PGSQL.5432"?'), ["/var/run/postgresql/.s.PGSQL.5432"]);
    assert.deepEqual(noted('  File "t.py", line 3, in <module>\n    s.connect("/run/docker.sock")\nConnectionRefusedError: [Errno 111] Connection refused'), ["/run/docker.sock"]);
    assert.deepEqual(noted("rm: cannot remove 'dev.sock': Device or resource busy", "/work/app"), ["/work/app/dev.sock"]);
    // The listing with a refusal far from its names: only what is near counts.
    assert.deepEqual(noted(`${listing}\nError: connect ECONNREFUSED /run/docker.sock`), ["/run/docker.sock"]);
  });
});
