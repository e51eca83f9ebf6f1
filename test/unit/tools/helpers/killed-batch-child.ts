/**
 * A process killed (SIGKILL, as the OOM killer or a closed terminal's kill does) in the middle
 * of a DiskWorkspace batch: argv root, the call that kills it ("sync" or "rename") and which
 * one of them (1-based), then the files to write as path=content pairs. Node's fs calls are
 * replaced (syncBuiltinESMExports, so disk-workspace.ts's own imports see it) by ones that
 * send this process SIGKILL at that call, before it is made.
 */
import { syncBuiltinESMExports } from "node:module";
import fs from "node:fs";
import { DiskWorkspace } from "../../../../src/tools/disk-workspace.ts";

const [root, call, nth, ...pairs] = process.argv.slice(2);
let seen = 0;
const killAt = () => {
  if (++seen === Number(nth)) process.kill(process.pid, "SIGKILL");
};
if (call === "rename") {
  const rename = fs.promises.rename;
  // Only the renames onto the workspace's files count: not the journal's own.
  fs.promises.rename = (from, to) => (/\.hearth-writes-journal-\w+\.json$/.test(String(to)) ? rename(from, to) : (killAt(), rename(from, to)));
} else {
  const open = fs.promises.open;
  fs.promises.open = async (...args: Parameters<typeof open>) => {
    const handle = await open(...args);
    const sync = handle.sync.bind(handle);
    handle.sync = () => (killAt(), sync());
    return handle;
  };
}
syncBuiltinESMExports();
const changes = pairs.map((pair) => {
  const at = pair.indexOf("=");
  return { kind: "write" as const, path: pair.slice(0, at), content: Buffer.from(pair.slice(at + 1)) };
});
await new DiskWorkspace(root!).apply(changes);
process.stdout.write("applied\n");
