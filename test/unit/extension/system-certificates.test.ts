// The system's certificate authorities handed to the runtime (extension/system-certificates.ts):
// a company CA that IT put in the system's store (here: a test CA made with openssl, given as
// the store's text) is trusted by a Node process started with the environment the extension
// builds, and so is the CA of the file the user's NODE_EXTRA_CA_CERTS already named. Real HTTPS
// servers on 127.0.0.1; the child is a plain Node (the runtime is one), its fetch the runtime's.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { addSystemCertificates, systemCertificates } from "../../../src/extension/system-certificates.ts";
import { networkProblem, setExtraCertificates, USER_EXTRA_CA_VARIABLE } from "../../../src/protocol/network-problem.ts";
import { makeCertificates, type TestCertificates } from "../../fixtures/certificates.ts";
import { fillDisk, smallDisk } from "../../fixtures/small-disk.ts";
import { tempDir } from "../../fixtures/temp.ts";

const company = makeCertificates(["IP:127.0.0.1"]);
const users = makeCertificates(["IP:127.0.0.1"]);

async function server(t: TestContext, certs: TestCertificates): Promise<string> {
  const https = createServer({ key: certs.key, cert: certs.cert }, (_req, res) => res.end("reached"));
  await new Promise<void>((listening) => https.listen(0, "127.0.0.1", listening));
  t.after(() => {
    https.close();
    https.closeAllConnections();
  });
  return `https://127.0.0.1:${(https.address() as AddressInfo).port}/`;
}

/** What a Node started with `env`'s NODE_EXTRA_CA_CERTS gets from `url`: the body, or the error's code. */
function fetchedBy(env: NodeJS.ProcessEnv, url: string): Promise<string> {
  const script = `fetch(${JSON.stringify(url)}).then((r) => r.text()).then(console.log, (e) => console.log(e.cause?.code ?? e.message))`;
  // This machine may name a CA file for every process: only the environment under test counts.
  const childEnv = { PATH: process.env.PATH, ...(env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: env.NODE_EXTRA_CA_CERTS } : {}) };
  return new Promise((done, fail) => execFile(process.execPath, ["-e", script], { env: childEnv }, (error, stdout) => (error ? fail(error) : done(stdout.trim()))));
}

describe("the system's certificates handed to the runtime", () => {
  it("a company CA in the system's store and the user's NODE_EXTRA_CA_CERTS file are both trusted by the runtime's Node", async (t) => {
    const [companyUrl, usersUrl] = [await server(t, company), await server(t, users)];
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: users.ca };
    assert.equal(await fetchedBy(env, companyUrl), "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "without the system's certificates it is not trusted");
    const folder = join(tempDir("hearth-system-ca-"), "globalStorage");
    addSystemCertificates(env, folder, readFileSync(company.ca, "utf8"));
    assert.equal(await fetchedBy(env, companyUrl), "reached");
    assert.equal(await fetchedBy(env, usersUrl), "reached");
    assert.equal(env[USER_EXTRA_CA_VARIABLE], users.ca);
    assert.equal(statSync(env.NODE_EXTRA_CA_CERTS!).mode & 0o777, 0o600);
    assert.equal(statSync(folder).mode & 0o777, 0o700);
  });

  it("with no NODE_EXTRA_CA_CERTS of the user's: the system's alone; said as given when still not enough", async (t) => {
    const companyUrl = await server(t, company);
    const env: NodeJS.ProcessEnv = {};
    addSystemCertificates(env, tempDir("hearth-system-ca-"), readFileSync(company.ca, "utf8"));
    assert.equal(await fetchedBy(env, companyUrl), "reached");
    assert.equal(env[USER_EXTRA_CA_VARIABLE], "");
    setExtraCertificates(env);
    const cert = Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    const said = networkProblem("https://cdn.example/x", new TypeError("fetch failed", { cause: cert })) ?? "";
    assert.match(said, /The certificates this system trusts \(which VS Code gave Hearth's runtime\) do not hold it\. Give that authority's certificate/);
    assert.doesNotMatch(said, /runtime-ca-certificates/, "Hearth's own file is not offered as the user's");
    setExtraCertificates({});
  });

  it("leaves the environment as it was when the user's file cannot be read or there is nothing to add", () => {
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: "/nonexistent/company.pem" };
    addSystemCertificates(env, tempDir("hearth-system-ca-"), readFileSync(company.ca, "utf8"));
    assert.deepEqual(env, { NODE_EXTRA_CA_CERTS: "/nonexistent/company.pem" });
    const none: NodeJS.ProcessEnv = {};
    addSystemCertificates(none, tempDir("hearth-system-ca-"), "");
    assert.deepEqual(none, {});
  });

  it("on a disk that fills up while the file is written: the environment as it was, and no half-written file left beside it", (t) => {
    const folder = smallDisk(t, { size: "64k" });
    if (!folder) return;
    // Room for the user's certificates but not for the system's list after them.
    writeFileSync(join(folder, "runtime-ca-certificates.pem"), "an older window's whole file\n");
    fillDisk(folder);
    const env: NodeJS.ProcessEnv = {};
    addSystemCertificates(env, folder, `${readFileSync(company.ca, "utf8")}\n${"x".repeat(256 * 1024)}`);
    assert.deepEqual(env, {}, "the runtime is started as before, with Node's own list");
    assert.deepEqual(readdirSync(folder).sort(), ["filler", "runtime-ca-certificates.pem"], "no .tmp left to take the disk's last pages");
    assert.equal(readFileSync(join(folder, "runtime-ca-certificates.pem"), "utf8"), "an older window's whole file\n", "the file another window wrote is kept whole");
  });

  it("reads this Linux system's bundle", { skip: process.platform !== "linux" || !existsSync("/etc/ssl/certs/ca-certificates.crt") ? "no Debian-style bundle here" : false }, () => {
    assert.match(systemCertificates(), /-----BEGIN CERTIFICATE-----/);
  });
});
