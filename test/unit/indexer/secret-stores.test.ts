// A home folder opened as the workspace holds credential stores no .gitignore names (.npmrc,
// .aws/credentials, .ssh/id_rsa …): their words — the tokens themselves — must not become
// index terms, go into the cache on disk, or rank them for a query.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findDefinitions, locate } from "../../../src/indexer/index.ts";
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

describe("index: secret values written into ordinary files", () => {
  it("a token hard-coded in a source file is no search term, is not in the cache, and ranks nothing; its definition is still indexed", async () => {
    const root = tempDir().dir;
    const { dir: storageDir, cleanup: cleanStorage } = tempDir();
    const github = `ghp_${"q7Rk2LmZ9vXa".repeat(3)}`;
    const aws = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Kd3Lm2P";
    try {
      writeAll(root, {
        "settings.py": `GITHUB_TOKEN = "${github}"\nAWS_SECRET_ACCESS_KEY = "${aws}"\n\ndef client():\n    return plainwordzq\n`,
        "notify.py": `HOOK = "${github}"\n\ndef notifyzq():\n    return HOOK\n`,
      });
      const index = await indexOf(root, { history: false, storageDir });
      try {
        const words = index.files.get("settings.py")?.words.split(" ") ?? [];
        assert.ok(words.includes("plainwordzq") && words.includes("githubtoken"), "the file's other words are indexed");
        // As the index words them: lower-case, split at punctuation.
        const secretWords = ["ghpq7rk2lmz9vxaq7rk2lmz9vxaq7rk2lmz9vxa", "wjalrxutnfemi", "k7mdeng", "bpxrficyzq9kd3lm2p"];
        assert.deepEqual(words.filter((w) => secretWords.includes(w)), []);
        // Nor do the mask's own words stand in for it: notify.py says nothing of a secret or a mask, and a query naming them must not rank it.
        const notifyWords = index.files.get("notify.py")?.words.split(" ") ?? [];
        assert.ok(notifyWords.includes("notifyzq"), "notify.py is indexed");
        assert.deepEqual(notifyWords.filter((w) => ["mask", "masked", "secret"].includes(w)), []);
        assert.deepEqual(locate(index, "secret masked", { top: 5 }).filter((f) => f.score > 0).map((f) => f.path), ["settings.py"]);
        assert.deepEqual(locate(index, `${github} ${aws}`, { top: 5 }).filter((f) => f.score > 0).map((f) => f.path), []);
        assert.ok(findDefinitions(index, "GITHUB_TOKEN", 5).some((d) => d.path === "settings.py"), "its definition is indexed");
        const cache = readdirSync(storageDir).map((name) => readFileSync(join(storageDir, name)).toString("latin1")).join("");
        assert.ok(cache.includes("plainwordzq"), "the cache holds the file's words");
        for (const word of [...secretWords, github, aws]) assert.ok(!cache.includes(word), `${word} is not in the cache`);
      } finally {
        await index.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
      cleanStorage();
    }
  });
});
