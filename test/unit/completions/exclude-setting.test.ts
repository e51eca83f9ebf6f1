// hearth.inlineCompletionsExclude: the user's own files never to complete. A list of glob
// patterns that the built-in secrets list is extended by (`!` takes a file off); a
// repository's .vscode/settings.json may add files but never take one off, or a cloned
// repository could have its .env sent to the completion model.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secretFileReason } from "../../../src/protocol/secret-files.ts";
import { SETTINGS, layeredValue, sanitizeSettings } from "../../../src/protocol/settings.ts";

const spec = SETTINGS.find((s) => s.key === "inlineCompletionsExclude")!;

describe("hearth.inlineCompletionsExclude", () => {
  it("is a list of patterns, empty by default; anything else falls back to it, said", () => {
    assert.deepEqual(sanitizeSettings({}).settings.inlineCompletionsExclude, []);
    assert.deepEqual(sanitizeSettings({ inlineCompletionsExclude: [" *.secret.json ", "", "!.env.development"] }).settings.inlineCompletionsExclude, ["*.secret.json", "!.env.development"]);
    for (const bad of ["*.secret.json", [1, 2], { a: 1 }]) {
      const { settings, problems } = sanitizeSettings({ inlineCompletionsExclude: bad });
      assert.deepEqual(settings.inlineCompletionsExclude, [], JSON.stringify(bad));
      assert.match(problems[0] ?? "", /inlineCompletionsExclude/);
    }
  });

  it("the workspace's patterns add to the user's; its `!` patterns are dropped, trusted or not", () => {
    const layers = { globalValue: ["!.env.development"], workspaceValue: ["config/credentials.yml", "!.env", "!**/*.pem"] };
    assert.deepEqual(layeredValue(spec, layers, true), ["!.env.development", "config/credentials.yml"]);
    assert.deepEqual(layeredValue(spec, layers, false), ["!.env.development", "config/credentials.yml"]);
    assert.deepEqual(layeredValue(spec, { workspaceFolderValue: ["a.txt"], workspaceValue: ["b.txt"] }, true), ["b.txt", "a.txt"]);
    assert.equal(layeredValue(spec, {}, true), undefined);
    assert.deepEqual(layeredValue(spec, { globalValue: ["*.secret.json"], workspaceValue: [1, "!x"] }, true), ["*.secret.json"], "nothing that would make the user's list invalid");
  });
});

describe("secretFileReason with the user's patterns", () => {
  const exclude = ["config/credentials.yml", "*.secret.json", "**/private/**", "!.env.development", "{a,b}.txt"];
  it("a pattern with no slash matches the name, one with a slash the path's end, in a path or a URI", () => {
    for (const path of ["config/credentials.yml", "file:///home/u/app/config/credentials.yml", "deploy/prod.SECRET.json", "x/private/y/z.ts", "private/z.ts", "a.txt", "file:///w/b.txt"]) {
      assert.match(secretFileReason(path, exclude) ?? "", /hearth\.inlineCompletionsExclude/, path);
    }
    for (const path of ["credentials.yml", "config/credentials.yml.bak", "other/config.yml", "secret.json", "privateer/z.ts", "c.txt", ".env.development", "file:///w/.env.development"]) {
      assert.equal(secretFileReason(path, exclude), undefined, path);
    }
  });

  it("the last pattern that matches decides, after the built-in list", () => {
    assert.match(secretFileReason(".env") ?? "", /secrets/);
    assert.equal(secretFileReason(".env", ["!.env"]), undefined);
    assert.match(secretFileReason(".env", ["!.env", ".env"]) ?? "", /inlineCompletionsExclude/);
    assert.equal(secretFileReason("a.secret.json", ["*.secret.json", "!a.secret.json"]), undefined);
  });
});
