// A home folder opened as the workspace holds credential stores no .gitignore names (.npmrc,
// .aws/credentials, .ssh/id_rsa …): their words — the tokens themselves — must not become
// index terms, go into the cache on disk, or rank them for a query.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { locate } from "../../../src/indexer/index.ts";
import { indexOf, tempDir } from "./helpers/setup.ts";

/** Secret-looking files, each holding one token (lower-case letters: an index term as it is). */
const SECRETS: Record<string, string> = {
  ".npmrc": "//registry.npmjs.org/:_authToken=npmtokenzq",
  ".aws/credentials": "[default]\naws_secret_access_key = awssecretzq\n",
  ".ssh/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\nsshkeyzq\n",
  ".git-credentials": "https://me:gitcredzq@github.com\n",
  ".docker/config.json": '{"auths":{"x":{"auth":"dockerauthzq"}}}\n',
  "proj/.env.local": "API_KEY=envlocalzq\n",
  "proj/keys.py.pem": "pemkeyzq\n",
  ".ssh/deploy.py": "TOKEN = 'sshpyzq'\n",
};

function writeAll(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe("index: files that look like they hold secrets", () => {
  it("a home folder's credential stores are left out, counted, kept out of the cache, and stay out on a watcher's update or unsaved text", async () => {
    const { dir: root, cleanup } = tempDir();
    const { dir: storageDir, cleanup: cleanStorage } = tempDir();
    try {
      writeAll(root, { ...SECRETS, "proj/app.py": "def hello():\n    return 'plainwordzq'\n", ".ssh/id_rsa.pub": "ssh-rsa pubkeyzq\n" });
      const index = await indexOf(root, { history: false, storageDir });
      try {
        const indexed = [...index.files.keys()].sort();
        assert.deepEqual(indexed, [".ssh/id_rsa.pub", "proj/app.py"]);
        const report = await index.build();
        assert.equal(report.skippedByReason.secret, Object.keys(SECRETS).length);
        const located = locate(index, Object.values(SECRETS).join(" "), { top: 10 });
        assert.deepEqual(located.filter((f) => f.score > 0).map((f) => f.path), []);
        const cache = readdirSync(storageDir).map((name) => readFileSync(join(storageDir, name)).toString("latin1")).join("");
        assert.ok(cache.includes("plainwordzq"), "the cache holds the ordinary file's words");
        for (const token of ["npmtokenzq", "awssecretzq", "sshkeyzq", "gitcredzq", "dockerauthzq", "envlocalzq", "pemkeyzq", "sshpyzq"]) assert.ok(!cache.includes(token), `${token} is not in the cache`);
        // Made after the build (the watcher names it), and the editor's unsaved text of one.
        writeAll(root, { ".netrc": "machine h login me password netrczq\n" });
        assert.equal(await index.updateFile(".netrc"), "skipped");
        assert.equal(await index.updateFile(".ssh/deploy.py", "TOKEN = 'typedzq'\n"), "skipped");
        assert.equal(await index.updateFile("proj/.env.local", "API_KEY=typedenvzq\n"), "skipped");
        assert.deepEqual([...index.files.keys()].sort(), [".ssh/id_rsa.pub", "proj/app.py"]);
        assert.equal(index.skipped.get(".netrc")?.reason, "secret");
      } finally {
        await index.close();
      }
    } finally {
      cleanup();
      cleanStorage();
    }
  });
});
