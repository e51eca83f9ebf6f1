/**
 * The Unix sockets `hearth fix --yes` covers in its commands' mount namespace
 * (tools/command-network.ts), many at once: a desktop has hundreds (a GNOME session, VS Code's
 * IPC), and each command's start covers every one. Real sockets bound by this test outside; a
 * mount(8) in front of the real one counts how often it is started (a process per socket cost
 * seconds at each command's start). Inside, every socket is covered (connecting is refused) and
 * /dev/shm is the one outside.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { NO_NETWORK_NOTE, type NetworkOffForm, listedUnixSockets, probeNetworkOff, servicesOffNotice, unshareNetworkOff } from "../../../src/tools/command-network.ts";
import { runCommandTool, runShell } from "../../../src/tools/run-command.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

const NODE = JSON.stringify(process.execPath);
const probe = process.platform === "linux" ? await probeNetworkOff() : undefined;
const skip = probe?.ok ? false : `no network namespace here: ${probe && !probe.ok ? probe.why : process.platform}`;
const never = new AbortController().signal;

/** `count` Unix sockets listening in a temp folder outside; some names hold a space, as a desktop's may. */
async function sockets(count: number): Promise<{ paths: string[]; close: () => void }> {
  const folder = tempDir("hearth-many-sockets-");
  const servers: Server[] = [];
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(folder, i % 40 === 0 ? `vscode ipc ${i}.sock` : `vscode-ipc-${i}.sock`);
    const server = createServer((c) => c.end("reached"));
    await new Promise<void>((done) => server.listen(path, done));
    servers.push(server);
    paths.push(path);
  }
  return { paths, close: () => servers.forEach((s) => s.close()) };
}

/** A command that connects to each path given and prints how many it reached and how many were refused. */
const connectAll = (paths: readonly string[]) => `${NODE} -e 'const net = require("node:net"); const ps = JSON.parse(process.argv[1]); let reached = 0, refused = 0; let n = ps.length; for (const p of ps) net.connect(p).on("data", () => reached++).on("close", () => { if (--n === 0) console.log("reached " + reached + " refused " + refused); }).on("error", () => refused++);' '${JSON.stringify(paths)}'`;

describe("many Unix sockets outside, covered at each command's start", { skip }, () => {
  const forms: NetworkOffForm[] = process.getuid?.() === 0 ? ["root", "own-uid"] : ["own-uid"];
  for (const form of forms) {
    it(`${form} form: 200 sockets are all covered by a few mount(8) processes, not one each; /dev/shm is the one outside`, async (t) => {
      const many = await sockets(200);
      t.after(many.close);
      // mount(8) counted, then the real one.
      const bin = tempDir("hearth-counting-mount-");
      const counted = join(bin, "started");
      writeFileSync(join(bin, "mount"), `#!/bin/sh\necho x >> ${JSON.stringify(counted)}\nPATH=${JSON.stringify(process.env.PATH ?? "")} exec mount "$@"\n`);
      chmodSync(join(bin, "mount"), 0o755);
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path ?? ""}`;
      t.after(() => (process.env.PATH = path));
      const shared = `/dev/shm/hearth-sockets-test-${process.pid}`;
      writeFileSync(shared, "outside");
      t.after(() => rmSync(shared, { force: true }));

      const starts = (): number => readFileSync(counted, "utf8").split("\n").filter(Boolean).length;
      // With no socket to cover: the root form's own mounts (the kernel's settings made read-only).
      writeFileSync(counted, "");
      const none = await runShell("true", tempDir(), 60_000, never, undefined, { networkOff: unshareNetworkOff("unshare", form, () => []) });
      assert.equal(none.exitCode, 0, none.output);
      const before = starts();
      writeFileSync(counted, "");
      const off = unshareNetworkOff("unshare", form, () => many.paths);
      const ran = await runShell(`${connectAll(many.paths)}; cat ${shared}`, tempDir(), 120_000, never, undefined, { networkOff: off });
      assert.equal(ran.exitCode, 0, ran.output);
      assert.match(ran.output, /reached 0 refused 200/);
      assert.match(ran.output, /outside/, "the command's /dev/shm is the one outside");
      // The tmpfs for the table, the table's mount -a, the umount (umount(8), not counted), and one each for the 5 names with a space.
      assert.ok(starts() - before <= 8, `mount(8) was started ${starts() - before} times more for 200 sockets than for none`);
      // Outside, nothing changed: the sockets still answer.
      const outside = await runShell(connectAll(many.paths.slice(0, 3)), tempDir(), 60_000, never);
      assert.match(outside.output, /reached 3 refused 0/);
    });
  }
});

/** What psql says where nothing answers on its socket, from a real connect to `path`. */
const psqlTo = (path: string) => `${NODE} -e 'require("node:net").connect(process.argv[1]).on("data", (d) => { console.log("server: " + d); process.exit(0); }).on("error", (e) => { console.error("psql: error: connection to server on socket \\"" + process.argv[1] + "\\" failed: " + (e.code === "ECONNREFUSED" ? "Connection refused" : e.message) + "\\n\\tIs the server running locally and accepting connections on that socket?"); process.exit(2); })' ${JSON.stringify(path)}`;

describe("the machine's PostgreSQL, on its Unix socket, under network off", { skip }, () => {
  it("the test's failure tells the model the service is closed to it, not down, and the way out; the user is told which services at the start", async (t) => {
    const folder = join(tempDir("hearth-postgres-"), "postgresql");
    mkdirSync(folder);
    const path = join(folder, ".s.PGSQL.5432");
    const postgres = createServer((c) => c.end("ready"));
    await new Promise<void>((done) => postgres.listen(path, done));
    t.after(() => postgres.close());
    assert.ok(listedUnixSockets().includes(path));

    const ctx = { ...workspaceWith().ctx, networkOff: probe?.ok ? probe.off : undefined };
    const failed = await runTool(runCommandTool, { command: psqlTo(path) }, ctx);
    assert.match(failed.text, /Connection refused/);
    assert.ok(failed.text.includes(`[${path}: a service of this machine`), failed.text);
    assert.match(failed.text, /closes the machine's own services to them too.*The service is not down: do not try to start, install or reconfigure it, nor remove its socket\..*the user can rerun with --allow-network\.\]/s);
    assert.ok(!failed.text.includes(NO_NETWORK_NOTE));
    // Its port on the machine's 127.0.0.1 alike (psql's words for it).
    const tcp = await runTool(runCommandTool, { command: `echo 'psql: error: connection to server at "localhost" (127.0.0.1), port 5432 failed: Connection refused' >&2; exit 2` }, ctx);
    assert.match(tcp.text, /\[PostgreSQL's port on 127\.0\.0\.1 \(5432\): a service of this machine/);
    // With the network the same command reaches it, and nothing is said.
    const reached = await runTool(runCommandTool, { command: psqlTo(path) }, { ...ctx, networkOff: undefined });
    assert.match(reached.text, /server: ready/);
    // A failure that names no service, and a refused port of the command's own: no such note.
    const own = await runTool(runCommandTool, { command: `echo 'connect ECONNREFUSED 127.0.0.1:8000' >&2; exit 1` }, ctx);
    assert.doesNotMatch(own.text, /a service of this machine/);

    const notice = servicesOffNotice();
    assert.ok(notice?.includes(`PostgreSQL (${path})`), notice);
    assert.match(notice!, /^commands run without the network, and this machine's own services are out of their reach too.*Tests that use these services fail in this run; pass --allow-network to run the commands with the network and these services$/);
    assert.equal(servicesOffNotice([join(folder, "vscode-ipc.sock")]), undefined, "no known service: nothing said");
  });
});

describe("socket names as the kernel lists them in /proc/net/unix", { skip }, () => {
  it("two spaces in a row, a space at the end, a newline: each is listed as bound and covered inside", async (t) => {
    const folder = tempDir("hearth-odd-sockets-");
    const names = ["two  spaces.sock", "line\nbreak.sock", "end.sock ", "x (deleted)"];
    const servers = await Promise.all(names.map(async (name) => {
      const server = createServer((c) => c.end("reached"));
      await new Promise<void>((done) => server.listen(join(folder, name), done));
      return server;
    }));
    t.after(() => servers.forEach((s) => s.close()));
    const paths = names.map((name) => join(folder, name));
    const listed = listedUnixSockets().filter((p) => p.startsWith(folder));
    assert.deepEqual(listed.sort(), [...paths].sort());
    const inside = await runShell(connectAll(paths), tempDir(), 60_000, never, undefined, { networkOff: probe?.ok ? probe.off : undefined });
    assert.match(inside.output, /reached 0 refused 4/);
    const outside = await runShell(connectAll(paths), tempDir(), 60_000, never);
    assert.match(outside.output, /reached 4 refused 0/);
  });
});

describe("a server the user left running in the project, on a socket there", { skip }, () => {
  it("a test that removes its path and binds it again fails (Device or resource busy, address already in use), and the model is told why", async (t) => {
    const { root, ctx } = workspaceWith({ "package.json": "{}" });
    const path = join(root, "dev.sock");
    const dev = createServer((c) => c.end("dev"));
    await new Promise<void>((done) => dev.listen(path, done));
    t.after(() => dev.close());
    // As a test suite's setup does: remove a stale socket, listen on it.
    const setup = `rm -f dev.sock; ${NODE} -e 'require("node:net").createServer().listen("dev.sock", () => process.exit(0)).on("error", (e) => { console.error(e.message); process.exit(1); })'`;
    const failed = await runTool(runCommandTool, { command: setup }, { ...ctx, networkOff: probe?.ok ? probe.off : undefined });
    assert.match(failed.text, /rm: cannot remove 'dev\.sock': Device or resource busy/);
    assert.match(failed.text, /listen EADDRINUSE: address already in use dev\.sock/);
    assert.ok(failed.text.includes(`[${path}: a service of this machine (a database such as PostgreSQL, MySQL or Redis, Docker, a server left running in the project, …) listens there`), failed.text);
    assert.match(failed.text, /a socket's path can be neither removed nor bound again here \('Device or resource busy', 'address already in use'\)\..*nor remove its socket\..*--allow-network\.\]/s);
    // A name that only ends like it is not taken for it.
    const other = await runTool(runCommandTool, { command: "echo 'cannot open mydev.sock' >&2; exit 1" }, { ...ctx, networkOff: probe?.ok ? probe.off : undefined });
    assert.doesNotMatch(other.text, /a service of this machine/);
  });
});

describe("a socket bound by a name relative to its program's folder", { skip }, () => {
  it("is listed as the kernel gives it ('dev.sock'), found from its holder's folder, and covered inside", async (t) => {
    const folder = tempDir("hearth-relative-socket-");
    // A server started in that folder that binds "dev.sock", as a dev server left running in a project does.
    const server = spawn(process.execPath, ["-e", `require("node:net").createServer((c) => c.end("acted")).listen("dev.sock", () => console.log("up"))`], { cwd: folder, stdio: ["ignore", "pipe", "inherit"] });
    t.after(() => server.kill());
    await new Promise<void>((done) => server.stdout.once("data", () => done()));
    const path = join(folder, "dev.sock");
    assert.match(readFileSync("/proc/net/unix", "utf8"), / dev\.sock\n/, "the kernel lists the name as bound");
    assert.ok(listedUnixSockets().includes(path));
    const inside = await runShell(connectAll([path]), tempDir(), 60_000, never, undefined, { networkOff: probe?.ok ? probe.off : undefined });
    assert.match(inside.output, /reached 0 refused 1/);
    const outside = await runShell(connectAll([path]), tempDir(), 60_000, never);
    assert.match(outside.output, /reached 1 refused 0/);
  });
});

describe("a socket whose name is not UTF-8", { skip }, () => {
  it("is listed with its real bytes and covered inside (read as UTF-8, byte 0xE9 became U+FFFD and the socket was left open)", async (t) => {
    const folder = tempDir("hearth-bytes-socket-");
    // Python binds a path of bytes: "caf\xe9.sock", not UTF-8 (Latin-1's é), as an older program's locale may write it.
    const server = spawn("python3", ["-c", `import os, socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.bind(os.fsencode(sys.argv[1]) + b"/caf\\xe9.sock")\ns.listen()\nprint("up", flush=True)\nwhile True:\n    c, _ = s.accept()\n    c.sendall(b"acted")\n    c.close()\n`, folder], { stdio: ["ignore", "pipe", "inherit"] });
    t.after(() => server.kill());
    await new Promise<void>((done) => server.stdout.once("data", () => done()));
    // Listed as the bytes written \ooo each, which the covering script turns back into the bytes.
    const bytes = Buffer.concat([Buffer.from(`${folder}/caf`), Buffer.from([0xe9]), Buffer.from(".sock")]);
    assert.ok(listedUnixSockets().includes([...bytes].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("")));
    // The command connects to the real bytes (Python again: node's strings are UTF-8).
    const connect = `python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(os.fsencode(sys.argv[1]) + b"/caf\\xe9.sock"); print("reached", s.recv(10))
except OSError as e:
    print("refused", e)' ${JSON.stringify(folder)}`;
    const inside = await runShell(connect, tempDir(), 60_000, never, undefined, { networkOff: probe?.ok ? probe.off : undefined });
    assert.match(inside.output, /^refused/m, inside.output);
    const outside = await runShell(connect, tempDir(), 60_000, never);
    assert.match(outside.output, /reached b'acted'/, outside.output);
  });
});
