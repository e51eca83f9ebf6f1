// A workspace file that is a hard link to one of the home folder's credential stores is that
// store under a name that says nothing: it is found by its identity, for every store the
// secrets list names (protocol/secret-files.ts), not only the first ones listed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { linkSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { HOME_PROFILES, HOME_STORES, inProfileFolder, looksLikeSecrets } from "../../../src/protocol/secret-files.ts";
import { secretFileRead } from "../../../src/tools/secret-reads.ts";
import { tempDir } from "../tools/helpers/setup.ts";

/**
 * Writes each of `stores` (home-relative paths) in a new home folder, hard-links it into a new
 * workspace as notes<i>.txt, and checks, with HOME there, that each is on the secrets list and
 * that reading its link asks, naming the store by its home path.
 */
async function assertHardLinksAsk(stores: readonly string[]): Promise<void> {
  const root = tempDir("hearth-secret-");
  const home = tempDir("hearth-home-");
  stores.forEach((store, i) => {
    mkdirSync(dirname(join(home, store)), { recursive: true });
    writeFileSync(join(home, store), `token${i}\n`);
    linkSync(join(home, store), join(root, `notes${i}.txt`));
  });
  const saved = process.env.HOME;
  process.env.HOME = home;
  try {
    for (const [i, store] of stores.entries()) {
      assert.ok(looksLikeSecrets(store), store);
      assert.match((await secretFileRead(root, `notes${i}.txt`)) ?? "", new RegExp(`another name \\(a hard link\\) of ~/${store.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `), store);
    }
  } finally {
    process.env.HOME = saved;
  }
}

describe("secret links: the home folder's credential stores", () => {
  it("a hard link to a history, MySQL's, Hugging Face's, rclone's or a coding agent's login in the home folder asks, named by its home path", async () => {
    await assertHardLinksAsk([".bash_history", ".my.cnf", ".databrickscfg", ".cache/huggingface/token", ".config/rclone/rclone.conf", ".claude/.credentials.json", ".codex/auth.json", ".config/github-copilot/hosts.json"]);
  });

  it("so does a hard link to s3cmd's, boto's, Terraform's, the old Docker login's, Maven's master password, or a wrangler or cloudflared login", async () => {
    await assertHardLinksAsk([".s3cfg", ".boto", ".terraformrc", ".dockercfg", ".m2/settings-security.xml", ".wrangler/config/default.toml", ".config/.wrangler/config/default.toml", ".cloudflared/6ff42ae2-765d-4adf-8112-31c55c1551ef.json"]);
  });

  it("every home store looked up is on the secrets list", () => {
    for (const store of HOME_STORES) assert.ok(looksLikeSecrets(store), store);
  });
});

describe("secret links: browsers' and mail clients' profiles in the home folder", () => {
  // Their key files by name in each profile (Firefox's `xyz.default-release`, Chrome's `Default`,
  // `Profile 1`), on Linux, macOS and Windows paths, in the case they have on disk.
  const KEYS = [
    ".mozilla/firefox/abc.default-release/logins.json", ".mozilla/firefox/abc.default-release/key4.db", ".mozilla/firefox/abc.default-release/cookies.sqlite",
    "snap/firefox/common/.mozilla/firefox/u1.default/key4.db", ".thunderbird/xyz.default/logins.json", ".config/google-chrome/Default/Login Data", ".config/google-chrome/Profile 1/Cookies",
    ".config/google-chrome/Default/Network/Cookies", ".config/google-chrome/Local State", ".config/chromium/Default/Web Data",
    ".config/BraveSoftware/Brave-Browser/Default/Login Data", ".config/microsoft-edge/Default/Cookies",
    "Library/Application Support/Google/Chrome/Default/Login Data", "Library/Application Support/Firefox/Profiles/x.default-release/logins.json",
    "Library/Application Support/BraveSoftware/Brave-Browser/Profile 2/Cookies", "Library/Application Support/Microsoft Edge/Default/Web Data",
    "AppData/Local/Google/Chrome/User Data/Default/Login Data", "AppData/Roaming/Mozilla/Firefox/Profiles/x.default-release/key4.db",
    "AppData/Local/Microsoft/Edge/User Data/Default/Network/Cookies", "AppData/Local/BraveSoftware/Brave-Browser/User Data/Local State",
    // Chromium on macOS and Windows and as Ubuntu's snap, Chrome and Chromium from Flathub, Thunderbird on macOS, Windows and Flathub, Vivaldi.
    "Library/Application Support/Chromium/Default/Login Data", "AppData/Local/Chromium/User Data/Profile 3/Cookies", "snap/chromium/common/chromium/Default/Login Data",
    "snap/chromium/common/chromium/Local State", ".var/app/com.google.Chrome/config/google-chrome/Default/Network/Cookies",
    ".var/app/org.chromium.Chromium/config/chromium/Default/Login Data", "Library/Thunderbird/Profiles/ab12.default-release/logins.json",
    "AppData/Roaming/Thunderbird/Profiles/ab12.default-release/key4.db", ".var/app/org.mozilla.Thunderbird/.thunderbird/ab12.default/logins.json",
    ".config/vivaldi/Default/Login Data", "Library/Application Support/Vivaldi/Profile 1/Cookies", "AppData/Local/Vivaldi/User Data/Local State",
  ];

  it("a hard link to a saved password, cookie or decryption key file asks, from any workspace, named by its home path", async () => {
    await assertHardLinksAsk(KEYS);
  });

  it("every profile key file looked up is on the secrets list, its folder of profiles one the walk of a home folder does not enter", () => {
    for (const { folder, keys, shared = [] } of HOME_PROFILES) {
      assert.ok(inProfileFolder(folder), folder);
      for (const path of [...keys.map((key) => `${folder}/Default/${key}`), ...shared.map((name) => `${folder}/${name}`)]) assert.ok(looksLikeSecrets(path), path);
    }
  });
});
