// errorDetail: the words of a model server's (or its proxy's) error body. Hostile size: a page's title and tags were
// found with /<title[^>]*>([^<]*)</i and /<[^>]*>/g, which read from each '<' with no '>' after it to the end
// (quadratic): 64 KB of '<' (the most of an error body remote.ts reads) took 1.6 s at each of its few readings
// of one error, 200,000 of them 22 s.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { errorDetail } from "../../../src/models/openai-wire.ts";

describe("errorDetail", () => {
  it("reads 1 MB of '<' or '<title' with no '>' at once, as the text it is", () => {
    assert.equal(errorDetail("<".repeat(1_000_000), undefined), "<".repeat(300));
    assert.equal(errorDetail(`${"<title".repeat(200_000)} down`, undefined), "<title".repeat(50));
    assert.equal(errorDetail(`<b>${"<".repeat(1_000_000)}> Bad gateway`, undefined), "Bad gateway");
  });

  it("says a page's title, else its text without tags, else the JSON error's message; never the key", () => {
    assert.equal(errorDetail("<html><head><TITLE lang=en>502 Bad Gateway</TITLE></head><body>nginx</body></html>", undefined), "502 Bad Gateway");
    assert.equal(errorDetail("<html><head><title></title></head></html>", undefined), "");
    assert.equal(errorDetail("<html><body><h1>Service\nUnavailable</h1> for sk-x</body></html>", "sk-x"), "Service Unavailable for [the API key]");
    assert.equal(errorDetail("a < b and <title no end", undefined), "a < b and <title no end");
    assert.equal(errorDetail(JSON.stringify({ error: { message: "Loading model" } }), undefined), "Loading model");
  });
});
