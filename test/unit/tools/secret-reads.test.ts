import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksLikeSecrets } from "../../../src/protocol/secret-files.ts";

describe("secret reads: other names of a secret file, and the credential stores a steered model asks for", () => {
  it("names the credential stores an injected prompt asks for: git's config (a token in a remote URL, actions/checkout's header), kube and docker configs, gcloud's", () => {
    const secret = [
      ".git/config", ".GIT/config", "sub/.git/modules/lib/config", ".kube/config", "kubeconfig", ".docker/config.json",
      "credentials.json", "application_default_credentials.json", ".config/gcloud/credentials.db", ".config/gcloud/access_tokens.db",
      "client_secret_1234.apps.googleusercontent.com.json", ".aws/credentials", ".netrc", ".pypirc", ".npmrc", "id_ed25519", "cert.pem", "store.p12",
      // Windows opens these as the file without the trailing dots and spaces, and `::$DATA` is its main stream.
      "id_rsa.", ".npmrc ", ".env::$DATA", "id_ed25519::$DATA",
    ];
    for (const path of secret) assert.ok(looksLikeSecrets(path), path);
    const ordinary = ["config", "src/config.json", ".github/config.yml", ".docker/daemon.json", "docs/credentials.md", ".kube/cache/discovery.json", "git/config", "package.json", "client.json"];
    for (const path of ordinary) assert.equal(looksLikeSecrets(path), false, path);
  });
});
