import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { relativeTo } from "../../../src/runtime/index-wiring.ts";

describe("workspace paths of editor events", () => {
  const root = join("/", "work", "project");
  const uri = (...parts: string[]): string => pathToFileURL(join(root, ...parts)).href;

  // The scan indexes a file named `..foo.ts` at the root; its saves, edits and watcher events
  // were dropped as if it lay outside the workspace (and completions treated it so), because
  // its relative path starts with "..".
  it("keeps names that start with two dots at the root", () => {
    assert.equal(relativeTo(root, uri("..foo.ts")), "..foo.ts");
    assert.equal(relativeTo(root, uri("...")), "...");
    assert.equal(relativeTo(root, uri("..config", "a.py")), "..config/a.py");
  });

  it("leaves out the root itself, what is above or beside it, and other schemes", () => {
    assert.equal(relativeTo(root, pathToFileURL(root).href), undefined);
    assert.equal(relativeTo(root, pathToFileURL(join("/", "work", "other", "a.ts")).href), undefined);
    assert.equal(relativeTo(root, pathToFileURL(join("/", "work")).href), undefined);
    assert.equal(relativeTo(root, pathToFileURL(join("/", "work", "project-2", "a.ts")).href), undefined);
    assert.equal(relativeTo(root, "untitled:Untitled-1"), undefined);
    assert.equal(relativeTo(root, uri("src", "a.ts")), "src/a.ts");
  });
});
