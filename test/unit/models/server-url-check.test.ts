// hearth.serverUrl / --server written as users write them, checked before any connection
// (checkModelSource): each refusal says what to write instead, and never shows a password.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkModelSource } from "../../../src/models/model-slot.ts";

async function check(url: string) {
  return checkModelSource({ kind: "server", url }, new Set());
}

describe("a server URL that does not parse says what to write", () => {
  const cases: Array<[string, RegExp]> = [
    ["localhost:8080", /^"localhost:8080" is not a server URL: write its scheme too: http:\/\/localhost:8080$/],
    ["127.0.0.1:8080/v1", /^"127\.0\.0\.1:8080\/v1" is not a server URL: write its scheme too: http:\/\/127\.0\.0\.1:8080\/v1$/],
    ["http://::1:8080/v1", /is not a server URL: write an IPv6 address in brackets, the port after them: http:\/\/\[::1\]:8080\/v1$/],
    ["http://fd00::2:8080", /is not a server URL: write an IPv6 address in brackets/],
    ["http://[fe80::1%eth0]:8080/v1", /is not a server URL: an IPv6 address with a zone \(%eth0\) cannot be used \(URLs take none\): use the server's other address/],
    ["http://[fe80::1%25eth0]:8080/v1", /an IPv6 address with a zone/],
    ["http://localhost:99999/v1", /is not a server URL: port 99999 is out of range \(1 to 65535\)$/],
    ["http://[::1]:70000/v1", /port 70000 is out of range/],
  ];
  for (const [url, expected] of cases) {
    it(url, async () => {
      const state = await check(url);
      assert.equal(state.kind, "error");
      assert.match((state as { message: string }).message, expected);
      assert.equal((state as { fix?: string }).fix, "openSettings");
    });
  }

  it("a password written without a scheme is refused as credentials, never shown", async () => {
    const state = await check("alice:s3cret@localhost:8080/v1");
    assert.equal(state.kind, "error");
    assert.match((state as { message: string }).message, /holds a user name or password/);
    assert.doesNotMatch(JSON.stringify(state), /s3cret/);
  });

  it("a password after a scheme written without its // (http:/alice:pw@…) is refused as credentials, never shown", async () => {
    const state = await check("http:/alice:s3cret@gpu-box:8080/v1");
    assert.equal(state.kind, "error");
    assert.match((state as { message: string }).message, /holds a user name or password/);
    assert.doesNotMatch(JSON.stringify(state), /s3cret/);
  });

  it("a query or fragment is refused before any connection, the query never shown", async () => {
    // Before: taken, then every request went to "/v1?key=…/v1/models" and failed as a 404 for /v1.
    const state = await check("http://gpu-box:8080/v1?key=s3cret");
    assert.equal(state.kind, "error");
    assert.match((state as { message: string }).message, /^"http:\/\/gpu-box:8080\/v1\?…" is not a server URL: it has a query or fragment/);
    assert.doesNotMatch(JSON.stringify(state), /s3cret/);
    const fragment = await check("http://127.0.0.1:8080/v1#");
    assert.match((fragment as { message: string }).message, /^"http:\/\/127\.0\.0\.1:8080\/v1#…" is not a server URL: it has a query or fragment/);
    const both = await check("http://alice:pw@gpu-box:8080/v1?key=s3cret");
    assert.match((both as { message: string }).message, /holds a user name or password/);
    assert.doesNotMatch(JSON.stringify(both), /s3cret|alice|pw@/);
  });

  for (const url of ["http://[::1]:8080/v1", "http://127.0.0.1:8080", "https://gpu-box.lan/v1", "http://LOCALHOST.:8080/v1", "http:/localhost:8080/v1", "http:localhost:8080"]) {
    it(`${url} is taken`, async () => {
      assert.equal((await check(url)).kind, "configured");
    });
  }
});
