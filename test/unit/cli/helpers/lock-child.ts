// `hearth fix`'s checkout lock taken in a process of its own: argv state folder, checkout,
// and "reused" to first leave a lock naming this very pid (what a run killed in an earlier
// container leaves when the next container gives the new run the same pid). Prints
// "locked" (and releases), or the refusal.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CheckoutBusyError, lockCheckout } from "../../../../src/cli/checkout-lock.ts";

const [state, repo, mode] = process.argv.slice(2) as [string, string, string | undefined];
if (mode === "reused") {
  // The earlier run's lock, as it left it: same state folder, same checkout, same pid.
  lockCheckout(state, repo);
  const [name] = readdirSync(join(state, "locks"));
  writeFileSync(join(state, "locks", name!), JSON.stringify({ pid: process.pid, started: new Date(Date.now() - 3_600_000).toISOString() }));
}
try {
  lockCheckout(state, repo).release();
  process.stdout.write("locked\n");
} catch (error) {
  if (!(error instanceof CheckoutBusyError)) throw error;
  process.stdout.write(`refused: ${error.message}\n`);
}
