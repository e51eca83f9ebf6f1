// serverUrlProblem: what Hearth: Use Server URL…'s box says as one types (and the model slot
// after "is not a server URL:"), for URLs as users write them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverUrlProblem } from "../../../src/protocol/server-url.ts";

describe("serverUrlProblem", () => {
  const problems: Array<[string, RegExp]> = [
    ["localhost:8080", /^write its scheme too: http:\/\/localhost:8080$/],
    ["http://::1:8080/v1", /^write an IPv6 address in brackets, the port after them: http:\/\/\[::1\]:8080\/v1$/],
    ["http://[fe80::1%eth0]:8080", /^an IPv6 address with a zone \(%eth0\) cannot be used/],
    ["http://127.0.0.1:65536/v1", /^port 65536 is out of range \(1 to 65535\)$/],
    ["ftp://gpu-box/v1", /^it must start with http:\/\/ or https:\/\/ \(got ftp:\)$/],
    ["http://alice:s3cret@gpu-box:8080/v1", /^it holds a user name or password, which Hearth does not take from the URL: remove them and use Hearth: Set Server API Key…/],
    ["alice:s3cret@gpu-box:8080", /^it holds a user name or password/],
    ["http://", /^expected e\.g\. http:\/\/127\.0\.0\.1:8080\/v1$/],
    // Hearth adds /v1/models after the path: a query or a fragment made every request a 404 "for /v1".
    ["http://127.0.0.1:8080/v1?api-version=2024-10-21", /^it has a query or fragment \(\?… or #…\), which Hearth cannot keep: .*: remove it/],
    ["https://gpu-box/v1/chat/completions?key=s3cret", /^it has a query or fragment/],
    ["gpu-box:8080/v1?key=s3cret", /^it has a query or fragment/],
    ["http://127.0.0.1:8080/v1#", /^it has a query or fragment/],
    ["http://127.0.0.1:8080/v1?", /^it has a query or fragment/],
    // A scheme written without its // is still the scheme: never advice that repeats it ("http://http:/…").
    ["ftp:/gpu-box/v1", /^it must start with http:\/\/ or https:\/\/ \(got ftp:\)$/],
    ["http:/::1:8080/v1", /^write an IPv6 address in brackets, the port after them: http:\/\/\[::1\]:8080\/v1$/],
    ["http:/127.0.0.1:65536/v1", /^port 65536 is out of range/],
    ["http:/alice:s3cret@gpu-box:8080/v1", /^it holds a user name or password/],
  ];
  for (const [text, expected] of problems) {
    it(`${text}: says what to write`, () => {
      const problem = serverUrlProblem(text);
      assert.match(problem ?? "(none)", expected);
      assert.doesNotMatch(problem ?? "", /s3cret/);
    });
  }

  // http:/host and http:host: WHATWG URLs (so fetch) read them as http://host, and Hearth took them before it gave advice.
  for (const text of ["http://127.0.0.1:8080/v1", "http://[::1]:8080/v1", "https://gpu-box.lan", " http://localhost:11434/v1 ", "http://[::ffff:127.0.0.1]:8080", "http:/localhost:8080/v1", "http:localhost:8080", "HTTPS:/gpu-box/v1"]) {
    it(`${text}: no problem`, () => assert.equal(serverUrlProblem(text), undefined));
  }
});
