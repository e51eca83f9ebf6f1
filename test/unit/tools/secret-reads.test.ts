import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { looksLikeSecrets } from "../../../src/protocol/secret-files.ts";
import { RepoIndex, indexQueries } from "../../../src/indexer/index.ts";
import { nodeScanFs, type ScanFs } from "../../../src/indexer/scan-fs.ts";
import { secretInodes } from "../../../src/indexer/secret-links.ts";
import { findSymbolTool } from "../../../src/tools/find-symbol.ts";
import { gitDiffTool } from "../../../src/tools/git-diff.ts";
import { searchTool } from "../../../src/tools/search.ts";
import { secretFileRead, secretFileWrite } from "../../../src/tools/secret-reads.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { tempDir, workspaceWith } from "./helpers/setup.ts";

describe("secret reads: other names of a secret file, and the credential stores a steered model asks for", () => {
  it("a hard link to .env under another name (notes.txt) asks as .env does, for a read and for a write; a hard-linked ordinary file does not", async () => {
    const root = tempDir("hearth-secret-");
    mkdirSync(join(root, "config"));
    writeFileSync(join(root, "config/.env.local"), "DB_PASSWORD=hunter2\n");
    linkSync(join(root, "config/.env.local"), join(root, "notes.txt"));
    writeFileSync(join(root, "a.txt"), "plain\n");
    linkSync(join(root, "a.txt"), join(root, "b.txt"));
    assert.match((await secretFileRead(root, "notes.txt")) ?? "", /^it reads notes\.txt, another name \(a hard link\) of config\/\.env\.local: it looks like it holds secrets/);
    assert.match((await secretFileRead(root, "./notes.txt")) ?? "", /another name \(a hard link\) of config\/\.env\.local/);
    assert.match((await secretFileWrite(root, "notes.txt")) ?? "", /^it changes notes\.txt, another name \(a hard link\) of config\/\.env\.local: /);
    assert.equal(await secretFileRead(root, "b.txt"), undefined);
    assert.equal(await secretFileRead(root, "missing.txt"), undefined);
  });

  it("a file in node_modules is not looked up by its other names: pnpm hard-links every package file from its store, and each read would walk the workspace", async () => {
    const root = tempDir("hearth-secret-");
    writeFileSync(join(root, ".env"), "API_KEY=sk-live-123\n");
    mkdirSync(join(root, "node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad"), { recursive: true });
    linkSync(join(root, ".env"), join(root, "node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/index.js"));
    symlinkSync(".pnpm/left-pad@1.3.0/node_modules/left-pad", join(root, "node_modules/left-pad"));
    assert.equal(await secretFileRead(root, "node_modules/left-pad/index.js"), undefined);
    assert.equal(await secretFileRead(root, "node_modules/.pnpm/left-pad@1.3.0/node_modules/left-pad/index.js"), undefined);
    // Outside node_modules the same file asks.
    linkSync(join(root, ".env"), join(root, "notes.txt"));
    assert.match((await secretFileRead(root, "notes.txt")) ?? "", /another name \(a hard link\) of \.env/);
  });

  it("a file in a Python environment's site-packages or a pixi environment is not looked up by its other names: uv and pixi hard-link every installed file from their caches, and each read would walk the workspace", async () => {
    const root = tempDir("hearth-secret-");
    writeFileSync(join(root, ".env"), "API_KEY=sk-live-123\n");
    mkdirSync(join(root, ".venv/lib/python3.12/site-packages/requests"), { recursive: true });
    linkSync(join(root, ".env"), join(root, ".venv/lib/python3.12/site-packages/requests/api.py"));
    assert.equal(await secretFileRead(root, ".venv/lib/python3.12/site-packages/requests/api.py"), undefined);
    // pixi (conda packages) hard-links a whole environment, the standard library and headers too.
    mkdirSync(join(root, ".pixi/envs/default/lib/python3.12/json"), { recursive: true });
    linkSync(join(root, ".env"), join(root, ".pixi/envs/default/lib/python3.12/json/decoder.py"));
    assert.equal(await secretFileRead(root, ".pixi/envs/default/lib/python3.12/json/decoder.py"), undefined);
    // Outside it the same file asks.
    linkSync(join(root, ".env"), join(root, "api.py"));
    assert.match((await secretFileRead(root, "api.py")) ?? "", /another name \(a hard link\) of \.env/);
  });

  it("a hard link to a credential store or a private key in the home folder (~/.aws/credentials, ~/.ssh/<any name>) asks, named by its home path", async () => {
    const root = tempDir("hearth-secret-");
    const home = tempDir("hearth-home-");
    mkdirSync(join(home, ".aws"));
    writeFileSync(join(home, ".aws/credentials"), "aws_secret_access_key=abc\n");
    linkSync(join(home, ".aws/credentials"), join(root, "notes.txt"));
    // A key under a name of the user's choosing (ssh-keygen -f ~/.ssh/github_deploy), and its public half.
    mkdirSync(join(home, ".ssh"));
    writeFileSync(join(home, ".ssh/github_deploy"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    writeFileSync(join(home, ".ssh/github_deploy.pub"), "ssh-ed25519 AAAA\n");
    linkSync(join(home, ".ssh/github_deploy"), join(root, "deploy.txt"));
    linkSync(join(home, ".ssh/github_deploy.pub"), join(root, "deploy.pub.txt"));
    // The Azure CLI's token cache (az login).
    mkdirSync(join(home, ".azure"));
    writeFileSync(join(home, ".azure/msal_token_cache.json"), '{"RefreshToken": {"x": {"secret": "0.AX-refresh"}}}\n');
    linkSync(join(home, ".azure/msal_token_cache.json"), join(root, "cache.json"));
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      assert.match((await secretFileRead(root, "notes.txt")) ?? "", /^it reads notes\.txt, another name \(a hard link\) of ~\/\.aws\/credentials: it looks like it holds secrets/);
      assert.match((await secretFileRead(root, "deploy.txt")) ?? "", /another name \(a hard link\) of ~\/\.ssh\/github_deploy: /);
      assert.equal(await secretFileRead(root, "deploy.pub.txt"), undefined);
      assert.match((await secretFileRead(root, "cache.json")) ?? "", /^it reads cache\.json, another name \(a hard link\) of ~\/\.azure\/msal_token_cache\.json: it looks like it holds secrets/);
    } finally {
      process.env.HOME = saved;
    }
  });

  it("reads in a workspace where every file is hard-linked (a store's links outside node_modules) walk its folders once, until a folder changes", async () => {
    const root = tempDir("hearth-secret-");
    writeFileSync(join(root, ".env"), "API_KEY=sk-live-123\n");
    const folders = [".store", "src", "src/lib", "docs"];
    for (const folder of folders) mkdirSync(join(root, folder));
    for (let i = 0; i < 6; i++) {
      writeFileSync(join(root, ".store", `f${i}.ts`), `export const f${i} = ${i};\n`);
      linkSync(join(root, ".store", `f${i}.ts`), join(root, i % 2 ? "src/lib" : "src", `f${i}.ts`));
    }
    // Folders last changed an hour ago: a change in the same instant as a walk could go unseen, so a folder changed that recently is walked again.
    const past = new Date(Date.now() - 3_600_000);
    for (const folder of ["", ...folders]) utimesSync(join(root, folder), past, past);
    let readdirs = 0;
    const fs: ScanFs = { ...nodeScanFs, readdir: (abs) => { if (abs.startsWith(root)) readdirs++; return nodeScanFs.readdir(abs); } };
    // .env has one name yet: nothing for a read to be another name of.
    for (let i = 0; i < 5; i++) assert.equal((await secretInodes(root, fs)).size, 0);
    assert.equal(readdirs, folders.length + 1, "one walk of the 5 folders for 5 lookups");
    for (let i = 0; i < 6; i++) assert.equal(await secretFileRead(root, `${i % 2 ? "src/lib" : "src"}/f${i}.ts`), undefined);
    // A new name of .env deep in the tree changes its folder: the next lookup walks again and finds it.
    linkSync(join(root, ".env"), join(root, "src/lib/notes.txt"));
    readdirs = 0;
    assert.deepEqual([...(await secretInodes(root, fs)).values()], [".env"]);
    assert.equal(readdirs, folders.length + 1);
    assert.match((await secretFileRead(root, "src/lib/notes.txt")) ?? "", /another name \(a hard link\) of \.env/);
    // A secret file made in a folder after the lookups (its name found only by a new walk).
    writeFileSync(join(root, "docs/id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    linkSync(join(root, "docs/id_ed25519"), join(root, "src/key.ts"));
    assert.match((await secretFileRead(root, "src/key.ts")) ?? "", /another name \(a hard link\) of docs\/id_ed25519/);
  });

  it("a hard link to gcloud's per-account credentials in the home folder (legacy_credentials/<account>/adc.json) asks, named by its home path", async () => {
    const root = tempDir("hearth-secret-");
    const home = tempDir("hearth-home-");
    const account = join(home, ".config/gcloud/legacy_credentials/me@example.com");
    mkdirSync(account, { recursive: true });
    writeFileSync(join(account, "adc.json"), '{"client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty", "refresh_token": "1//0gx"}\n');
    writeFileSync(join(account, ".boto"), "[OAuth2]\nclient_secret = d-FL95Q19q7MQmFpd7hHD0Ty\n");
    linkSync(join(account, "adc.json"), join(root, "adc-copy.json"));
    linkSync(join(account, ".boto"), join(root, "boto.cfg"));
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      assert.match((await secretFileRead(root, "adc-copy.json")) ?? "", /another name \(a hard link\) of ~\/\.config\/gcloud\/legacy_credentials\/me@example\.com\/adc\.json: /);
      assert.match((await secretFileRead(root, "boto.cfg")) ?? "", /another name \(a hard link\) of ~\/\.config\/gcloud\/legacy_credentials\/me@example\.com\/\.boto: /);
    } finally {
      process.env.HOME = saved;
    }
  });

  it("a search over folders leaves out a hard link to a git-ignored .env, and names it", async () => {
    const { root, ctx } = workspaceWith({ ".gitignore": ".env\n", ".env": "STRIPE_KEY=sk_live_123\n", "src/pay.ts": "const key = process.env.STRIPE_KEY;\n" });
    linkSync(join(root, ".env"), join(root, "notes.txt"));
    const r = await runTool(searchTool, { pattern: "STRIPE" }, ctx);
    assert.equal(r.ok, true, r.text);
    assert.deepEqual((r.data as { hits: { path: string }[] }).hits.map((h) => h.path), ["src/pay.ts"]);
    assert.doesNotMatch(r.text, /sk_live/);
    assert.match(r.text, /Not searched: 1 file that looks like it holds secrets \(notes\.txt \(another name of \.env\)\)/);
  });

  it("git_diff leaves out a new file that is another name of a git-ignored .env, and a tracked one made one since; given as the path, shown", async () => {
    const { root, ctx } = workspaceWith({ ".gitignore": ".env\n", ".env": "API_KEY=sk-live-123\n", "README.md": "# shop\n", "app.py": "x = 1\n" });
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=u", "-c", "user.email=u@u", ...args], { cwd: root });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "base");
    linkSync(join(root, ".env"), join(root, "notes.txt"));
    rmSync(join(root, "README.md"));
    linkSync(join(root, ".env"), join(root, "README.md"));
    writeFileSync(join(root, "app.py"), "x = 2\n");
    const r = await runTool(gitDiffTool, {}, ctx);
    assert.equal(r.ok, true, r.text);
    assert.match(r.text, /^\+x = 2$/m);
    assert.doesNotMatch(r.text, /sk-live/);
    // Which file, and why: README.md's name says nothing of secrets.
    assert.match(r.text, /Not shown: the changes to 2 files that look like they hold secrets \(README\.md \(another name of \.env\), notes\.txt \(another name of \.env\)\)/);
    assert.match((await runTool(gitDiffTool, { path: "notes.txt" }, ctx)).text, /^\+API_KEY=sk-live-123$/m);
  });

  it("a link into .git (a folder link to .git, a file link to .git/config) asks as git's config does: reads of .git are not refused as writes are", async () => {
    const root = tempDir("hearth-secret-");
    mkdirSync(join(root, ".git"));
    writeFileSync(join(root, ".git/config"), "[remote \"origin\"]\n\turl = https://bot:ghp_TOKEN@github.com/shop/shop.git\n");
    symlinkSync(".git", join(root, "gitdir"));
    symlinkSync(".git/config", join(root, "repo.cfg"));
    assert.match((await secretFileRead(root, "gitdir/config")) ?? "", /^it reads gitdir\/config, a link to \.git\/config: it looks like it holds secrets/);
    assert.match((await secretFileRead(root, "repo.cfg")) ?? "", /^it reads repo\.cfg, a link to \.git\/config: /);
    assert.equal(await secretFileRead(root, "gitdir/HEAD"), undefined);
  });

  it("find_symbol shows no definition's line from a file that became another name of .env after it was indexed (settings.py), and names it", async () => {
    const { root, ctx } = workspaceWith({ ".gitignore": ".env\n", "settings.py": "API_KEY = 'sk-live-123'\n", "app.py": "API_KEY = None\n" });
    const index = new RepoIndex({ root, queriesDir: join(import.meta.dirname, "../../../src/indexer/queries") });
    await index.build();
    // The index leaves out a hard link to a secret file it finds (indexer/secret-links.ts); one made since, unreported, is filtered here.
    linkSync(join(root, "settings.py"), join(root, ".env"));
    try {
      const r = await runTool(findSymbolTool, { name: "API_KEY" }, { ...ctx, index: indexQueries(index) });
      assert.equal(r.ok, true, r.text);
      assert.match(r.text, /^Definitions of API_KEY:\napp\.py:1: variable: API_KEY = None$/m);
      assert.doesNotMatch(r.text, /sk-live/);
      assert.match(r.text, /\[Not shown: 1 definition in a file that looks like it holds secrets \(settings\.py, another name of \.env\)/);
    } finally {
      await index.close();
    }
  });

  it("names the credential stores an injected prompt asks for: git's config (a token in a remote URL, actions/checkout's header), kube and docker configs, gcloud's", () => {
    const secret = [
      ".git/config", ".GIT/config", "sub/.git/modules/lib/config", ".kube/config", "kubeconfig", ".docker/config.json",
      "credentials.json", "application_default_credentials.json", ".config/gcloud/credentials.db", ".config/gcloud/access_tokens.db",
      "client_secret_1234.apps.googleusercontent.com.json", ".aws/credentials", ".netrc", ".pypirc", ".npmrc", "id_ed25519", "cert.pem", "store.p12",
      // Tokens other tools keep in the home folder, read when a home folder is opened as the workspace.
      ".config/gh/hosts.yml", ".cargo/credentials.toml", ".m2/settings.xml", ".gradle/gradle.properties", ".composer/auth.json",
      ".vault-token", ".terraformrc", ".s3cfg", ".boto",
      // The Azure CLI's tokens and service principals' secrets; `terraform login`'s token.
      ".azure/msal_token_cache.json", ".azure/msal_token_cache.bin", ".azure/accessTokens.json", ".azure/service_principal_entries.json",
      ".terraform.d/credentials.tfrc.json",
      // Windows opens these as the file without the trailing dots and spaces, and `::$DATA` is its main stream.
      "id_rsa.", ".npmrc ", ".env::$DATA", "id_ed25519::$DATA",
      // Windows drops the dots and spaces after the stream too (`.env::$DATA.` opens `.env::$DATA`), and before it.
      ".env::$DATA.", ".env::$DATA . ", ".env.::$DATA", ".ssh./id_work::$DATA ",
    ];
    for (const path of secret) assert.ok(looksLikeSecrets(path), path);
    const ordinary = [
      "config", "src/config.json", ".github/config.yml", ".docker/daemon.json", "docs/credentials.md", ".kube/cache/discovery.json", "git/config", "package.json", "client.json",
      // A project's own files of the same names: committed, not a person's tokens.
      "gradle.properties", "settings.xml", "auth.json", ".github/hosts.yml", "gh/config.yml", ".azure/config", "azure/accessTokens.json",
    ];
    for (const path of ordinary) assert.equal(looksLikeSecrets(path), false, path);
  });
});
