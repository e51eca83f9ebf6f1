// A link whose text is itself an address with a path (`github.com/org/repo`,
// `https://pypi.org/project/requests`) promises that page. A reply steered by a prompt injection
// can keep the host and change the path — another user's repository, a typo-squatted package —
// and the host alone looks honest. Such a link shows where it really goes; one that goes to the
// page its text names (trailing slash, host case, `www.` and fragment aside) shows nothing more.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import "./dom-env.ts";
import { markdownFragment } from "../../../src/webview/markdown.ts";

/** What the user reads of a reply, with no hover: its text. */
function shown(markdown: string): string {
  return markdownFragment(markdown).textContent ?? "";
}

describe("a link whose text is an address with a path", () => {
  it("shows the path it goes to when it is another on the same host", () => {
    const cases: [string, string][] = [
      ["[github.com/org/repo](https://github.com/evil/repo)", "github.com/evil/repo"],
      ["[https://pypi.org/project/requests](https://pypi.org/project/reqeusts)", "pypi.org/project/reqeusts"],
      ["[www.npmjs.com/package/lodash](https://www.npmjs.com/package/lodahs/)", "www.npmjs.com/package/lodahs/"],
      // A path that starts as the one written but not at a `/`: another repository.
      ["[github.com/org/rep](https://github.com/org/repo-evil)", "github.com/org/repo-evil"],
      // A `/` only once decoded is no segment boundary: the server reads `repo%2F..` as one name.
      ["[github.com/org/repo](https://github.com/org/repo%2F..%2F..%2Fevil)", "github.com/org/repo%2F..%2F..%2Fevil"],
      // A path written after a host on its platform: the user's own host, another path.
      ["[octocat.github.io/docs](https://octocat.github.io/phish)", "octocat.github.io/phish"],
      // The same user's files on raw.githubusercontent.com, another repository.
      ["[raw.githubusercontent.com/python/cpython/main/x.sh](https://raw.githubusercontent.com/python/evil/main/x.sh)", "raw.githubusercontent.com/python/evil/main/x.sh"],
      // A host under the one written, with the path written: another page.
      ["[github.com/org/repo](https://gist.github.com/evil)", "gist.github.com/evil"],
    ];
    for (const [markdown, target] of cases) assert.ok(shown(markdown).includes(`(goes to ${target})`), `${markdown} → ${shown(markdown)}`);
  });

  it("reads a host written with a trailing dot (github.com.) as the host it is, its path shown", () => {
    // The browser reaches github.com at `github.com.`: a note of the host alone reads as the text's.
    const cases: [string, string][] = [
      ["[github.com/org/repo](https://github.com./evil/repo)", "github.com./evil/repo"],
      ["[raw.githubusercontent.com/python/cpython/main/x.sh](https://raw.githubusercontent.com./evil/cpython/main/x.sh)", "raw.githubusercontent.com./evil"],
      ["[github.io](https://evil.github.io./)", "evil.github.io."],
    ];
    for (const [markdown, target] of cases) assert.ok(shown(markdown).includes(`(goes to ${target})`), `${markdown} → ${shown(markdown)}`);
  });

  it("ends an address where the text shows a break: a blank-looking letter, or a ')' that closes prose around it", () => {
    // Read as part of the address, github.com/org/repo would hide that the link goes elsewhere: the eye sees two words.
    const cases: [string, string][] = [
      ["[see https://evil.example/\u2800github.com/org/repo](https://evil.example/)", "evil.example"],
      ["[see https://evil.example/x\u3164github.com/org/repo](https://evil.example/)", "evil.example"],
      ["[(mirror: https://evil.example/x)github.com/org/repo](https://evil.example/x)", "evil.example"],
      ["[see https://evil.example/x\"github.com/org/repo](https://evil.example/x)", "evil.example"],
    ];
    for (const [markdown, target] of cases) assert.ok(shown(markdown).includes(`(goes to ${target})`), `${markdown} → ${shown(markdown)}`);
    // A parenthesis the address opened is its own: the file name after it stays part of it.
    const plain = "[see https://example.com/docs/(v2)notes.md](https://example.com/docs/(v2)notes.md)";
    assert.ok(!shown(plain).includes("goes to"), `${plain} → ${shown(plain)}`);
  });

  it("shows nothing more when it goes to the page its text names or one under it", () => {
    const plain = [
      "[github.com/org/repo](https://github.com/org/repo)",
      "[github.com/org/repo/](https://github.com/org/repo) and [github.com/org/repo](https://github.com/org/repo/)",
      "[GitHub.com/org/repo](https://github.com/org/repo) and [www.github.com/org/repo](https://github.com/org/repo)",
      "[https://pypi.org/project/requests](https://www.pypi.org/project/requests/#history)",
      "[docs.python.org/3/library/os.html](https://docs.python.org/3/library/os.html#os.walk)",
      "https://github.com/org/repo/blob/main/a{b}.py and <https://example.com/ä/x> and www.example.com/a/b",
      // A file name after a %20 or | in the path is part of the address, not a host of its own.
      "https://github.com/o/r/blob/main/My%20Notes.md and https://example.com/a|b.md and [github.com/o/r/blob/main/x~y.py](https://github.com/o/r/blob/main/x~y.py)",
      // A page under the one written (its tree, a file, a section of the docs) is on the way there.
      "[github.com/org/repo](https://github.com/org/repo/tree/main) and [docs.python.org/3/library](https://docs.python.org/3/library/os.html)",
      "[`https://github.com/nodejs/node/releases`](https://github.com/nodejs/node/releases/download/v22.0.0/node.tgz)",
      "[https://pypi.org/project/requests/](https://pypi.org/project/requests/2.32.0/) and [https://github.com/](https://github.com/org/repo)",
      // The query is not the path: a link to the page with a tab or a tracking field open.
      "[github.com/org/repo](https://github.com/org/repo?tab=readme-ov-file)",
      // Not an address with a path: the host named, or prose around it.
      "[github.com](https://github.com/evil/repo) and [the repo on github.com](https://github.com/evil/repo)",
      "[see github.com/org/repo for the code](https://github.com/evil/repo)",
    ];
    for (const markdown of plain) assert.ok(!shown(markdown).includes("goes to"), `${markdown} → ${shown(markdown)}`);
  });
});
