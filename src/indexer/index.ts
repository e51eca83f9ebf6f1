/**
 * The repository indexer's public surface. See README.md in this folder for the design.
 * Library code: no `vscode`, no node-llama-cpp; the runtime and the CLI wire it up.
 */
export { RepoIndex, DEFAULT_LIMITS, leftOutMessage, shallowHistoryMessage, stoppedMessage } from "./repo-index.ts";
export { cacheMissMessage } from "./cache.ts";
export { IndexClient } from "./index-client.ts";
export { endOnceWrittenIfReadsHeld, endAtExitIfReadsHeld } from "./held-reads.ts";
export { indexQueries } from "./queries.ts";
export type { IndexQueries } from "./queries.ts";
export type { IndexClientOptions } from "./index-client.ts";
export type { RepoIndexOptions, BuildOptions, IndexProgress, IndexReport, UpdateResult } from "./repo-index.ts";
export type { WorkerOptions } from "./pool.ts";
export { locate, analyzeQuery, DEFAULT_WEIGHTS } from "./retrieve.ts";
export type { LocateOptions, LocateWeights, LocatedFile, FocusHints, QueryAnalysis } from "./retrieve.ts";
export { locateEntities, ENTITY_KINDS } from "./entities.ts";
export { MAX_QUERY_CHARS } from "./query-evidence.ts";
export { locateLazily, candidateFiles, neighbourFiles } from "./lazy-locate.ts";
export type { LazyLocateOptions, LazyLocateResult } from "./lazy-locate.ts";
export type { LocatedEntity, EntityOptions } from "./entities.ts";
export { buildRepoMap, fitRepoMap, estimateTokens } from "./repo-map.ts";
export type { RepoMap, RepoMapEntry, RepoMapOptions, TokenCounter } from "./repo-map.ts";
export { findDefinitions, findReferences, fileOutline, searchMentions } from "./lookup.ts";
export type { DefinitionHit, MentionHits, ReferenceHit } from "./lookup.ts";
export { contextAt } from "./snippets.ts";
export { shownPath } from "./text.ts";
export { unpackReferences, referenceCount } from "./references.ts";
export type { PackedReferences } from "./references.ts";
export type { CompletionContext, ContextOptions, ContextSnippet } from "./snippets.ts";
export { LANGUAGES, languageForPath, DEFAULT_EXCLUDED_DIRS } from "./languages.ts";
export { scanRepository, isPathExcluded, isOutside } from "./scan.ts";
export type { ScanOptions, ScanResult, ScannedFile } from "./scan.ts";
export type * from "./types.ts";
