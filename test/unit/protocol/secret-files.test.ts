// The built-in list of files that look like they hold secrets (protocol/secret-files.ts):
// the credential stores a workspace, or a home folder opened as one, may hold.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globStepsTaken } from "../../../src/protocol/glob.ts";
import { looksLikeSecrets, secretFileReason } from "../../../src/protocol/secret-files.ts";

describe("looksLikeSecrets: credential stores", () => {
  it("gcloud's legacy_credentials (every file of an account's folder), git's config.worktree, service-account keys, the AWS CLI's cached credentials", () => {
    const secret = [
      ".config/gcloud/legacy_credentials/me@example.com/adc.json", ".config/gcloud/legacy_credentials/me@example.com/.boto",
      "gcloud/legacy_credentials/ci-bot@proj.iam.gserviceaccount.com/adc.json", "home/.config/gcloud/legacy_credentials/a/b/c.json",
      ".git/config.worktree", "sub/.git/modules/lib/config.worktree", ".git/worktrees/feature/config.worktree",
      "service-account.json", "deploy/service-account-prod.json", "service_account_key.json", "serviceAccountKey.json",
      ".aws/sso/cache/0a1b2c.json", ".aws/cli/cache/role-session.json",
      // Already on it: npm's, PyPI's, netrc, git's credential store, keys and key stores.
      ".npmrc", ".pypirc", ".netrc", ".git-credentials", "id_ed25519", "a.p12", "a.pfx", "a.jks", "release.keystore", "credentials.json", ".aws/credentials", ".ssh/work_key",
    ];
    for (const path of secret) assert.ok(looksLikeSecrets(path), path);
    const ordinary = [
      ".config/gcloud/configurations/config_default", ".config/gcloud/active_config", "legacy_credentials/notes.md", "docs/gcloud/legacy.md",
      "config.worktree", "src/config.worktree", "docs/service-account.md", "service.json", "account.json", ".aws/config", ".aws/sso/README.md",
    ];
    for (const path of ordinary) assert.equal(looksLikeSecrets(path), false, path);
  });
});

describe("looksLikeSecrets: paths and URIs", () => {
  it("reads # and ? in a path as part of its names; only a URI has a query or fragment", () => {
    for (const path of ["dir#1/.env", "a#b.env", "keys/x?.pem", "C:\\w\\a#b.env", "/home/me/notes#2/id_rsa", "file:///w/a.env#L3", "vscode-remote://ssh-remote+h/w/a%23b.env"]) {
      assert.ok(looksLikeSecrets(path), path);
    }
    for (const path of ["file:///w/notes.md?x=.env", "file:///w/notes.md#.env", "notes#.md"]) assert.equal(looksLikeSecrets(path), false, path);
  });
});

describe("looksLikeSecrets: patterns with characters beyond U+FFFF", () => {
  it("an inlineCompletionsExclude pattern holding an emoji matches the file it names", () => {
    for (const [path, pattern] of [["notes/\u{1F511}.txt", "\u{1F511}.txt"], ["notes/\u{1F511}a.txt", "**/\u{1F511}*.txt"], ["a/\u{1F512}/k.txt", "\u{1F512}/*.txt"], ["a/x.\u{1F512}", "*.{md,\u{1F512}}"]] as const) {
      assert.ok(looksLikeSecrets(path, [pattern]), `${path} ${pattern}`);
    }
    assert.equal(looksLikeSecrets("notes/a.txt", ["\u{1F511}.txt"]), false);
  });
});

describe("looksLikeSecrets: Windows names", () => {
  it("trailing dots, spaces and ::$DATA are dropped on a name tens of thousands of characters long, in one pass", () => {
    // A name of 400,000 dots and spaces before a letter: a pattern that retried from each
    // position would take some 10^11 steps; the answer comes back, and it is right.
    const filler = ". ".repeat(200_000);
    assert.equal(looksLikeSecrets(`${filler}x`), false);
    assert.equal(looksLikeSecrets(`a${filler}.env`), true);
    assert.equal(looksLikeSecrets(`.env${filler}`), true);
    assert.equal(looksLikeSecrets(`.env${"::$DATA. ".repeat(50_000)}`), true);
    assert.equal(looksLikeSecrets(`notes.txt${"::$DATA. ".repeat(50_000)}`), false);
    assert.equal(looksLikeSecrets(`id_rsa${"::$data".repeat(3)}::$dat`), false);
  });
});

// hearth.inlineCompletionsExclude comes from a workspace's settings too, and the paths from its
// folders: a pattern must never take a path step by step through every way to split it. The
// work is counted (globStepsTaken: each character read, each state looked at), not timed.
describe("secretFileReason: patterns a repository wrote", () => {
  /** The reason, and the automaton's steps to find it. */
  const counted = (path: string, patterns: readonly string[]): { reason: string | undefined; steps: number } => {
    const before = globStepsTaken();
    const reason = secretFileReason(path, patterns);
    return { reason, steps: globStepsTaken() - before };
  };

  it("answers at once, and right, for patterns that would backtrack without end", () => {
    const deep = `${Array.from({ length: 40 }, (_, i) => `d${i % 3}`).join("/")}/file.txt`;
    const name = `src/${"a".repeat(200)}`;
    const cases: [string, string, boolean][] = [
      // A regex for 25 `**/` tries every way to share 40 folders among them: some 10^17 ways.
      [deep, `${"**/".repeat(25)}x`, false],
      [deep, `${"**/".repeat(25)}file.txt`, true],
      // `*a` 30 times against a name of 200 `a`s: every way to share them among 30 stars.
      [name, `${"*a".repeat(30)}*b`, false],
      [name, `${"*a".repeat(30)}*`, true],
      [`${"a/".repeat(60)}b`, `${"**/a/".repeat(20)}**/b`, true],
    ];
    for (const [path, pattern, secret] of cases) {
      const { reason, steps } = counted(path, [pattern]);
      assert.equal(reason !== undefined, secret, pattern);
      // Some 16 a character here: each set of states worked out once.
      assert.ok(steps <= 50 * path.length, `${pattern}: ${steps} steps`);
    }
  });

  // A workspace may add 200 patterns of 500 characters (f8f6e99), each checked at every
  // completion: one of them took the automaton some 2 s against a path 40 folders deep (once
  // for each tail of the path, every state at every character), so 200 froze the editor for minutes.
  // Each pattern now costs some 6 steps a character of the path (1,717 characters).
  it("answers at once for the 200 longest patterns a workspace may add, against a deep path", () => {
    const deep = `${Array.from({ length: 40 }, (_, i) => `${"d".repeat(40)}${i}`).join("/")}/file.ts`;
    const stars = `**/${"*d".repeat(248)}q`;
    const patterns = Array.from({ length: 200 }, (_, i) => (i % 2 ? `${"**/".repeat(165)}x${i}` : `${stars.slice(0, 498 - String(i).length)}${i}`));
    assert.ok(patterns.every((pattern) => pattern.length <= 500));
    for (const pattern of patterns) {
      const { reason, steps } = counted(deep, [pattern]);
      assert.equal(reason, undefined, pattern);
      assert.ok(steps <= 20 * deep.length, `${pattern.slice(0, 20)}…: ${steps} steps`);
    }
    assert.equal(secretFileReason(deep, patterns), undefined);
    assert.match(secretFileReason(deep, [...patterns, `${"**/".repeat(166)}file.ts`]) ?? "", /matches "\*\*\//);
    assert.match(secretFileReason(deep, [...patterns, `**/${"*d".repeat(40)}39/**`]) ?? "", /matches/);
  });

  it("keeps what each part of a pattern means", () => {
    const matches = (path: string, pattern: string) => secretFileReason(path, [pattern]) !== undefined;
    assert.ok(matches("src/app.secret.json", "*.secret.json"));
    assert.ok(matches("a/b/config/credentials.yml", "config/credentials.yml"));
    assert.ok(!matches("a/b/myconfig/credentials.yml", "config/credentials.yml"), "whole folder names");
    assert.ok(matches("secrets/x/y/z.txt", "secrets/**"));
    assert.ok(matches("deploy/secrets/z.txt", "**/secrets/*.txt"));
    assert.ok(matches("secrets/z.txt", "**/secrets/*.txt"), "`**/` may stand for no folder");
    assert.ok(!matches("secrets/x/z.txt", "secrets/*.txt"), "`*` stays within a folder");
    assert.ok(matches("k1.txt", "k?.txt"));
    assert.ok(!matches("k/.txt", "k?.txt"));
    assert.ok(matches("prod.yaml", "prod.{yml,yaml}"));
    assert.ok(!matches("prod.json", "prod.{yml,yaml}"));
    assert.ok(matches("a{b.txt", "a{b.txt"), "a `{` without `}` is itself");
    assert.ok(matches("A.PEM", "*.pem"), "case is ignored");
    assert.ok(matches("a(1)+[x].txt", "a(1)+[x].txt"), "regex characters are themselves");
    assert.ok(matches("./src/x.key2", "./src/*.key2"));
  });
});

describe("looksLikeSecrets: a home folder's shell histories and browser profiles", () => {
  it("shell and REPL histories (a command's token, a password typed as an argument) and every file of a browser's profiles", () => {
    const secret = [
      ".bash_history", ".zsh_history", ".python_history", ".psql_history", ".mysql_history", ".node_repl_history", ".sqlite_history", ".local/share/fish/fish_history",
      ".mozilla/firefox/abc.default-release/logins.json", ".mozilla/firefox/abc.default-release/key4.db", ".mozilla/firefox/abc.default-release/cookies.sqlite",
      ".config/google-chrome/Default/Login Data", ".config/google-chrome/Default/Cookies", ".config/google-chrome/Local State", ".config/chromium/Default/Web Data",
      ".config/BraveSoftware/Brave-Browser/Default/Cookies", ".config/microsoft-edge/Default/Login Data", ".thunderbird/x.default/logins.json",
      "Library/Application Support/Google/Chrome/Default/Cookies", "Library/Application Support/Firefox/Profiles/x.default/logins.json",
      "AppData/Local/Google/Chrome/User Data/Default/Login Data", "AppData/Roaming/Mozilla/Firefox/Profiles/x/logins.json", "C:\\Users\\me\\AppData\\Local\\Microsoft\\Edge\\User Data\\Default\\Cookies",
      "Library/Application Support/Chromium/Default/Cookies", "snap/chromium/common/chromium/Default/Login Data", ".var/app/com.google.Chrome/config/google-chrome/Default/Cookies",
      ".var/app/org.chromium.Chromium/config/chromium/Local State", "Library/Thunderbird/Profiles/x.default/logins.json", "AppData/Roaming/Thunderbird/Profiles/x/key4.db",
      ".config/vivaldi/Default/Login Data", "Library/Application Support/Vivaldi/Default/Cookies", "C:\\Users\\me\\AppData\\Local\\Vivaldi\\User Data\\Default\\Web Data",
    ];
    for (const path of secret) assert.ok(looksLikeSecrets(path), path);
    const ordinary = [
      "history.py", "src/bash_history.ts", "docs/zsh_history.md", "chromium/src/base/files/file.cc", "google-chrome/README.md", "firefox/browser/app/profile/firefox.js",
      ".mozilla/README", "mozilla/firefox/notes.md", "tools/.config/chromium-build.json",
      "vivaldi/README.md", "src/chromium/config/flags.ts", "docs/thunderbird/profiles.md", "thunderbird/profiles/README", "snap/chromium/snapcraft.yaml", "config/chromium/args.gn",
    ];
    for (const path of ordinary) assert.equal(looksLikeSecrets(path), false, path);
  });
});

describe("looksLikeSecrets: more of a home folder's token stores", () => {
  it("MySQL's, rclone's, Hugging Face's, Copilot's, Databricks', cloudflared's, ngrok's, flyctl's, doctl's, Firebase's, wrangler's and coding agents' credentials", () => {
    const secret = [
      ".my.cnf", ".mylogin.cnf", ".config/rclone/rclone.conf", ".huggingface/token", ".cache/huggingface/token", ".cache/huggingface/stored_tokens",
      ".config/github-copilot/hosts.json", ".config/github-copilot/apps.json", ".databrickscfg", ".cloudflared/6ff42ae2-765d-4adf-8112-31c55c1551ef.json",
      ".ngrok2/ngrok.yml", ".config/ngrok/ngrok.yml", ".fly/config.yml", ".config/doctl/config.yaml", ".config/configstore/firebase-tools.json",
      ".wrangler/config/default.toml", ".claude/.credentials.json", ".codex/auth.json",
    ];
    for (const path of secret) assert.ok(looksLikeSecrets(path), path);
    const ordinary = [
      "my.cnf", "docs/rclone.conf.md", "huggingface/README.md", "src/token.ts", "tokenizer/token", "config/default.toml", "ngrok.yml", "fly.toml", "config.yml",
      ".cloudflared/config.yml", ".claude/settings.json", ".codex/config.toml", ".wrangler/state/v3/d1.json", "configstore/README.md",
    ];
    for (const path of ordinary) assert.equal(looksLikeSecrets(path), false, path);
  });
});

describe("looksLikeSecrets: a project's own secret values", () => {
  it("direnv's .envrc and Terraform's variable values and state, whose passwords no value mask knows; their templates stay ordinary", () => {
    const secret = [".envrc", "deploy/.envrc", "terraform.tfvars", "infra/prod.auto.tfvars", "infra/prod.tfvars.json", "terraform.tfstate", "infra/terraform.tfstate.backup", "envs/Staging.TFVARS"];
    for (const path of secret) assert.ok(looksLikeSecrets(path), path);
    const ordinary = [".envrc.example", "terraform.tfvars.example", "variables.tf", "main.tf", "infra/outputs.tf", "docs/tfvars.md", "envrc.md", "tfstate/README.md"];
    for (const path of ordinary) assert.equal(looksLikeSecrets(path), false, path);
  });
});

describe("looksLikeSecrets: VPN profiles", () => {
  it("an OpenVPN profile (.ovpn: its key and its tls-auth / tls-crypt static key inline, which no value mask knows) is a secrets file", () => {
    for (const path of ["client.ovpn", "Downloads/work-vpn.OVPN", "vpn/profiles/us-east.ovpn"]) assert.ok(looksLikeSecrets(path), path);
    for (const path of ["docs/ovpn.md", "openvpn/server.md", "ovpn/README"]) assert.equal(looksLikeSecrets(path), false, path);
  });
});
