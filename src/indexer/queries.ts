/**
 * The questions the agent asks the index, as one async interface. In the runtime the index
 * lives on its own thread (`IndexClient` answers these over a message port); on the CLI and
 * in tests it is a `RepoIndex` in the same thread (`indexQueries` wraps it). Tools and the
 * agent depend on this interface only, so both places run the same code.
 */
import { findDefinitions, findReferences, searchMentions, type DefinitionHit, type MentionHits, type ReferenceHit } from "./lookup.ts";
import { locateEntities, type EntityOptions, type LocatedEntity } from "./entities.ts";
import type { RepoIndex } from "./repo-index.ts";
import { buildRepoMap, type RepoMap, type RepoMapOptions } from "./repo-map.ts";
import { locate, type LocatedFile, type LocateOptions } from "./retrieve.ts";

export interface IndexQueries {
  findDefinitions(name: string, limit?: number): Promise<DefinitionHit[]>;
  findReferences(name: string, limit?: number): Promise<ReferenceHit[]>;
  locate(query: string, options?: LocateOptions): Promise<LocatedFile[]>;
  /** The functions, methods and classes of `files` (from `locate`) the query points at, best first. */
  locateEntities(query: string, files: readonly LocatedFile[], options?: EntityOptions): Promise<LocatedEntity[]>;
  repoMap(options: RepoMapOptions): Promise<RepoMap>;
  /** Files and symbols for an @-mention in the chat input. */
  searchMentions?(query: string, limit?: number): Promise<MentionHits>;
}

/** An in-thread index as `IndexQueries`. */
export function indexQueries(index: RepoIndex): IndexQueries {
  return {
    findDefinitions: async (name, limit) => findDefinitions(index, name, limit),
    findReferences: async (name, limit) => findReferences(index, name, limit),
    locate: async (query, options) => {
      await index.refreshHistory();
      return locate(index, query, options);
    },
    locateEntities: async (query, files, options) => locateEntities(index, query, files, options),
    repoMap: async (options) => buildRepoMap(index, options),
    searchMentions: async (query, limit) => searchMentions(index, query, limit),
  };
}
