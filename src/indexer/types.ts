/**
 * The indexer's data model. Everything here is plain data (no tree-sitter objects), so it
 * crosses worker threads with structured clone and persists with `v8.serialize`.
 * Positions are zero-based rows and columns, as in LSP.
 */

/** Languages with a tree-sitter grammar and a tags query. */
export type LanguageId =
  | "typescript"
  | "tsx"
  | "javascript"
  | "python"
  | "go"
  | "rust"
  | "java"
  | "c"
  | "cpp";

/** A definition found by a tags query. */
export interface Definition {
  readonly name: string;
  /** From the query capture `@definition.<kind>`: function, method, class, interface, type, … */
  readonly kind: string;
  /** Zero-based row and column of the name. */
  readonly line: number;
  readonly col: number;
  /** Zero-based rows spanned by the whole definition node. */
  readonly startLine: number;
  readonly endLine: number;
  /** The first line of the definition, trimmed and capped: what the repo map shows. */
  readonly signature: string;
  /**
   * What the index masked in `signature` (secret-values.ts: "GitHub token"), for find_symbol's
   * note; absent when nothing was. The signature's own text can read like a mask (a test's
   * expected output): only this says a value was masked.
   */
  readonly masked?: readonly string[];
  /** Name of the innermost enclosing definition (class, impl, namespace …), if any. */
  readonly scope?: string;
}

/** A reference (call, type use, import, …) found by a tags query. */
export interface Reference {
  readonly name: string;
  /** From `@reference.<kind>`: call, type, class, import, implementation, … */
  readonly kind: string;
  readonly line: number;
  readonly col: number;
  /** Name of the innermost enclosing definition, if any. */
  readonly scope?: string;
}

import type { PackedReferences } from "./references.ts";

/** What the index keeps per indexed file. */
export interface FileRecord {
  /** Repository-relative path with forward slashes. */
  readonly path: string;
  /** Null for text files in languages without a grammar: they count by path and words. */
  readonly language: LanguageId | null;
  /** sha1 of the bytes, hex. */
  readonly hash: string;
  readonly size: number;
  /** NaN when the stamps were too close to the read to prove anything later (file-stamp.ts). */
  readonly mtimeMs: number;
  /** The file's change time where its file system keeps one; absent in caches written before it was kept. */
  readonly ctimeMs?: number;
  readonly definitions: readonly Definition[];
  /** References in source order, packed (see references.ts: `unpackReferences`). */
  readonly references: PackedReferences;
  /** First lines of import / include / use statements, for completion context. */
  readonly imports: readonly string[];
  /**
   * Search terms, space-separated: of the text (identifiers split, lower-cased, capped; see
   * text.ts), the path and definition names. One string rather than an array: a cache of
   * 20,000 files would otherwise hold millions of small strings to deserialize.
   */
  readonly words: string;
  /** Weighted occurrences of each term in `words`, same order (path and definition terms boosted). */
  readonly wordCounts: Uint32Array;
  /** Set when the text was not valid UTF-8 (decoded with replacement characters). */
  readonly invalidUtf8?: boolean;
  /** Set when the parse hit the time limit: the record holds words only. */
  readonly parseTimedOut?: boolean;
  /**
   * Set by a lazy build: a file in a language with a grammar whose words are counted but
   * which tree-sitter has not parsed yet (no definitions, references or imports; definition
   * names not boosted). `RepoIndex.complete` parses it; a full build never keeps one.
   */
  readonly symbolsPending?: boolean;
}

/** Why a file was left out of the index. */
export type SkipReason =
  | "ignored"
  | "excluded-dir"
  /**
   * The workspace folder itself is git's own (a bare repository, a .git folder opened): nothing
   * in it is the project's. One inside the folder (a fixture's remote.git) is "excluded-dir".
   */
  | "git-folder"
  | "too-large"
  | "binary"
  | "minified"
  | "generated"
  | "unreadable"
  | "symlink-loop"
  /** A symbolic link whose real path is outside the repository root: never followed. */
  | "link-outside"
  /** A link to a folder the scan already entered through another link: entered once. */
  | "link-duplicate"
  /** A pipe, socket or device: no text to read (reading a pipe would wait for a writer). */
  | "not-regular"
  /** A file that looks like it holds secrets by its name (protocol/secret-files.ts: .npmrc, .aws/credentials, .ssh/id_rsa): its words are the keys. */
  | "secret"
  /** Another name (a hard link) of a file that looks like it holds secrets: its text is that file's (secret-links.ts). */
  | "secret-link"
  | "parse-timeout"
  | "parse-error";

export interface SkippedFile {
  readonly path: string;
  readonly reason: SkipReason;
  readonly detail?: string;
  /** For skips decided by content: the metadata seen, so an unchanged file is not re-read. */
  readonly size?: number;
  readonly mtimeMs?: number;
  readonly ctimeMs?: number;
}

/** Limits and filters; every field has a default (see `defaultIndexOptions`). */
export interface IndexLimits {
  /** Files larger than this are skipped as "too-large" (default 1 MB). */
  readonly maxFileBytes: number;
  /** Per-file parse + query time limit in milliseconds (default 3000: a 1 MB file takes ~0.5 s
   *  on an idle core, and the limit is wall time, so it needs room on a loaded machine). */
  readonly parseTimeoutMs: number;
  /** Directory names never entered (default: node_modules, .git, vendor, dist, build …). */
  readonly excludeDirs: readonly string[];
  /** Honour .gitignore files (nested) and .hearthignore (default true). */
  readonly useGitignore: boolean;
  /**
   * Files indexed at most (default 100,000: the Linux kernel has ~70,000); past it the scan
   * keeps the files nearest the root and the report says it stopped. A home folder opened
   * by mistake would otherwise take many minutes and gigabytes.
   */
  readonly maxFiles: number;
}

/** Result of parsing one file: a record, or a reason it was skipped. */
export type ParseOutcome =
  | { readonly ok: true; readonly record: FileRecord }
  | { readonly ok: false; readonly skip: SkippedFile };
