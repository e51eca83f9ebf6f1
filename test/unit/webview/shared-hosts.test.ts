// A platform that gives each user a host under its own name (`octocat.github.io`, `myapp.vercel.app`,
// a bucket under `s3.amazonaws.com`) is not one site: a reply steered by a prompt injection can write
// `[github.io](https://evil.github.io)`, and a link to a user's host is no link to the platform.
// Such a link shows where it goes; a link whose text names the user's own host does not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import "./dom-env.ts";
import { markdownFragment } from "../../../src/webview/markdown.ts";

/** What the user reads of a reply, with no hover: its text. */
function shown(markdown: string): string {
  return markdownFragment(markdown).textContent ?? "";
}

describe("hosts under a platform's shared suffix are their users' own sites", () => {
  it("a link whose text names the platform, or another user of it, shows the user's host it goes to", () => {
    const cases: [string, string][] = [
      ["[github.io](https://evil.github.io/)", "evil.github.io"],
      ["[octocat.github.io](https://evil.github.io/hello)", "evil.github.io"],
      ["[vercel.app](https://evil.vercel.app/)", "evil.vercel.app"],
      ["[netlify.app](https://evil.netlify.app/x)", "evil.netlify.app"],
      ["[pages.dev](https://evil.pages.dev/)", "evil.pages.dev"],
      ["[herokuapp.com](https://evil.herokuapp.com/)", "evil.herokuapp.com"],
      ["[gitlab.io](https://evil.gitlab.io/)", "evil.gitlab.io"],
      ["[blogspot.com](https://evil.blogspot.com/)", "evil.blogspot.com"],
      ["[s3.amazonaws.com](https://evil.s3.amazonaws.com/key)", "evil.s3.amazonaws.com"],
      ["[amazonaws.com](https://evil.s3.us-east-1.amazonaws.com/key)", "evil.s3.us-east-1.amazonaws.com"],
      ["[azurewebsites.net](https://evil.azurewebsites.net/)", "evil.azurewebsites.net"],
      ["[web.app](https://evil.web.app/)", "evil.web.app"],
      ["[firebaseapp.com](https://evil.firebaseapp.com/)", "evil.firebaseapp.com"],
      // Blogger's country domains (Blogger sends them on to blogspot.com; each is a user's blog).
      ["[blogspot.de](https://evil.blogspot.de/)", "evil.blogspot.de"],
      ["[blogspot.co.uk](https://evil.blogspot.co.uk/)", "evil.blogspot.co.uk"],
      ["[blogspot.com.br](https://evil.blogspot.com.br/)", "evil.blogspot.com.br"],
      // Azure Static Web Apps' regional hosts: the user's app is the label above the region.
      ["[2.azurestaticapps.net](https://evil.2.azurestaticapps.net/)", "evil.2.azurestaticapps.net"],
      ["[westeurope.azurestaticapps.net](https://evil-main.westeurope.azurestaticapps.net/)", "evil-main.westeurope.azurestaticapps.net"],
      // A user's host under another user's: the platform's user is the one right under its suffix.
      ["[docs.octocat.github.io](https://evil.github.io/)", "evil.github.io"],
      ["[www.github.io](https://evil.github.io/)", "evil.github.io"],
    ];
    for (const [markdown, host] of cases) assert.ok(shown(markdown).includes(`(goes to ${host})`), `${markdown} → ${shown(markdown)}`);
  });

  it("a link to raw.githubusercontent.com shows the user whose files it serves when its text names another", () => {
    const cases: [string, string][] = [
      ["[raw.githubusercontent.com/python/cpython/main/README.rst](https://raw.githubusercontent.com/evil/cpython/main/README.rst)", "raw.githubusercontent.com/evil"],
      ["[https://raw.githubusercontent.com/nodejs/node/main/install.sh](https://raw.githubusercontent.com/evil/node/main/install.sh)", "raw.githubusercontent.com/evil"],
      ["[raw.githubusercontent.com](https://raw.githubusercontent.com/evil/x/main/install.sh)", "raw.githubusercontent.com/evil"],
    ];
    for (const [markdown, target] of cases) assert.ok(shown(markdown).includes(`(goes to ${target})`), `${markdown} → ${shown(markdown)}`);
    const honest = "[raw.githubusercontent.com/python/cpython/main/README.rst](https://raw.githubusercontent.com/python/cpython/main/README.rst) and https://raw.githubusercontent.com/Python/cpython/main/x.py";
    assert.ok(!shown(honest).includes("goes to"), shown(honest));
  });

  it("a link whose text names the user's own host, or a host under it, shows nothing more", () => {
    const plain = [
      "[octocat.github.io](https://octocat.github.io/hello) and https://octocat.github.io/x",
      "[octocat.github.io](https://docs.octocat.github.io/) and [www.octocat.github.io](https://octocat.github.io/)",
      "[myapp.vercel.app](https://myapp.vercel.app/) and [site.netlify.app](https://site.netlify.app/)",
      "[bucket.s3.amazonaws.com](https://bucket.s3.amazonaws.com/key) and [proj.pages.dev](https://preview.proj.pages.dev/)",
      "[gitlab-org.gitlab.io](https://gitlab-org.gitlab.io/x) and [app.herokuapp.com](https://app.herokuapp.com/)",
      // The platform's own hosts are still its own: GitHub's gist, Python's docs.
      "[github.com](https://gist.github.com/x) and [python.org](https://docs.python.org/3/) and [github.io](https://github.io/)",
      "[octocat.blogspot.de](https://octocat.blogspot.de/2024/05/post.html) and [happy-sea-0a1b2c.2.azurestaticapps.net](https://happy-sea-0a1b2c.2.azurestaticapps.net/)",
      // githubusercontent.com's hosts are GitHub's own (avatars, objects, camo): no user has one.
      "[githubusercontent.com](https://avatars.githubusercontent.com/u/583231) and [githubusercontent.com](https://objects.githubusercontent.com/x)",
    ];
    for (const markdown of plain) assert.ok(!shown(markdown).includes("goes to"), `${markdown} → ${shown(markdown)}`);
  });
});
