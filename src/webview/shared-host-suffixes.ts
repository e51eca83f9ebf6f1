/**
 * Platforms that give each of their users a host of their own under the platform's name:
 * `octocat.github.io` is octocat's site, not GitHub's, and `evil.github.io` is anyone's. A
 * link whose text names `github.io` and goes to `evil.github.io` goes to another site, as one
 * to `evil.example` would (`link-targets.ts`).
 *
 * A short list chosen by hand, after the kind of entry the private section of the Public Suffix
 * List (https://publicsuffix.org/list/, "PRIVATE DOMAINS") holds: the hosting platforms a
 * developer's reply links to most (pages, previews, buckets, app hosts, blogs), each a suffix
 * there too. It is not that list, which has thousands of entries: a host under a suffix missing
 * here is read as the site of the host above it, as `gist.github.com` is GitHub's. Not
 * `githubusercontent.com`, which the list has (to keep cookies apart): its hosts are GitHub's
 * own (`avatars.`, `objects.`, `raw.`), and on `raw.` the users are the path's (PATH_USER_HOSTS).
 */
const SUFFIXES = `
github.io gitlab.io bitbucket.io codeberg.page readthedocs.io
vercel.app netlify.app pages.dev workers.dev r2.dev deno.dev fly.dev onrender.com
herokuapp.com web.app firebaseapp.com appspot.com azurewebsites.net azurestaticapps.net
cloudapp.net cloudfront.net s3.amazonaws.com glitch.me surge.sh pythonanywhere.com
blogspot.com wixsite.com ngrok.io ngrok-free.app trycloudflare.com
`;

const SHARED: ReadonlySet<string> = new Set(SUFFIXES.split(/\s+/).filter((suffix) => suffix !== ""));

/**
 * S3's regional bucket hosts (`bucket.s3.us-east-1.amazonaws.com`, `s3-us-west-2`, `s3.dualstack.…`,
 * `s3-website-…`), one suffix per region: the list names them one by one.
 */
const S3_REGIONAL = /^s3(?:[.-](?:dualstack|website))?[.-][a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com$/;

/**
 * Hosts whose users are the first segment of the path: `raw.githubusercontent.com/octocat/…`
 * serves octocat's files, `…/evil/…` anyone's.
 */
const PATH_USER_HOSTS: ReadonlySet<string> = new Set(["raw.githubusercontent.com", "gist.githubusercontent.com"]);

/**
 * The site `host` is on when it is a platform user's: the user's host (`docs.octocat.github.io`
 * is on `octocat.github.io`). Undefined for any other host, the platform's own name included.
 */
export function userSite(host: string): string | undefined {
  const labels = host.split(".");
  for (let at = 1; at < labels.length; at++) {
    const suffix = labels.slice(at).join(".");
    if (SHARED.has(suffix) || S3_REGIONAL.test(suffix)) return labels.slice(at - 1).join(".");
  }
  return undefined;
}

/** Whether `host`'s files are its users' by the first segment of their path. */
export function hasPathUsers(host: string): boolean {
  return PATH_USER_HOSTS.has(host);
}
