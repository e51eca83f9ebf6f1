// git's wildmatch (WM_PATHNAME) for includeIf "gitdir:…": the cases git's own t3070 covers for paths.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { wildmatches, wildmatchTokens } from "../../../src/github/wildmatch.ts";

const match = (pattern: string, text: string, ignoreCase = false) => wildmatches(wildmatchTokens(pattern), text, ignoreCase);

describe("wildmatch with WM_PATHNAME", () => {
  it("keeps *, ? and classes within one folder name; ** between slashes crosses folders", () => {
    assert.ok(match("/home/*/work/.git", "/home/ana/work/.git"));
    assert.ok(!match("/home/*/.git", "/home/ana/work/.git"));
    assert.ok(match("**/work/**", "/home/ana/work/api/.git"));
    assert.ok(match("**/work/**", "work/x"));
    assert.ok(!match("**/work/**", "/home/ana/network/api/.git"));
    assert.ok(match("/home/ana/**/.git", "/home/ana/.git"));
    assert.ok(match("/w?rk/[a-c]pi/[!x]", "/work/api/y"));
    assert.ok(!match("/w?rk/[a-c]pi/[!x]", "/work/api/x"));
    assert.ok(!match("/w?rk", "/w/rk"));
    assert.ok(match("/Work/API/**", "/work/api/.git", true));
    assert.ok(!match("/Work/API/**", "/work/api/.git"));
    assert.ok(match("/a\\*b", "/a*b") && !match("/a\\*b", "/axb"));
  });

  it("answers at once for a pattern of many ** and * (no backtracking)", () => {
    const text = `/${"d/".repeat(200)}.git`;
    assert.ok(!match(`${"**/".repeat(300)}${"*a".repeat(300)}/nomatch/**`, text));
    assert.ok(match(`${"**/".repeat(300)}.git`, text));
  });
});
