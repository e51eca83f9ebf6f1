import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { RepoIndex, type RepoIndexOptions } from "../../../../src/indexer/index.ts";

/** The queries folder in the checkout (the build copies it to out/queries). */
export const QUERIES_DIR = fileURLToPath(new URL("../../../../src/indexer/queries", import.meta.url));
/** Worker entry that loads the TypeScript sources through tsx. */
export const TSX_WORKER = new URL("./tsx-worker.mjs", import.meta.url);
/** Root of the indexer's fixture repositories. */
export const FIXTURES = fileURLToPath(new URL("../../../fixtures/indexer", import.meta.url));

/**
 * Builds an index of `root` on the calling thread (no workers: quicker for small trees). A
 * fixture folder is inside Hearth's own repository: its history (Hearth's commits) is left
 * out, so rankings do not depend on how this checkout was cloned or what was committed since.
 */
export async function indexOf(root: string, extra: Partial<RepoIndexOptions> = {}): Promise<RepoIndex> {
  const inFixtures = !relative(FIXTURES, root).startsWith("..");
  const index = new RepoIndex({ root, queriesDir: QUERIES_DIR, ...(inFixtures ? { history: false } : {}), ...extra });
  await index.build();
  return index;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "hearth-indexer-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
