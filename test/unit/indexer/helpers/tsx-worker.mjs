// Worker entry for running the TypeScript sources without a build (tests, bench): Node
// does not carry tsx's loader into worker threads, so this registers it and then loads
// the real entry, src/indexer/worker-entry.ts. The built extension uses out/indexer-worker.js.
import { register } from "tsx/esm/api";

register();
await import(new URL("../../../../src/indexer/worker-entry.ts", import.meta.url).href);
