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
 * Azure Static Web Apps' regional hosts (`app.2.azurestaticapps.net`, a preview's
 * `app-branch.westeurope.azurestaticapps.net`) are each one there, as here.
 */
const SUFFIXES = `
github.io gitlab.io bitbucket.io codeberg.page readthedocs.io
vercel.app netlify.app pages.dev workers.dev r2.dev deno.dev fly.dev onrender.com
herokuapp.com web.app firebaseapp.com appspot.com azurewebsites.net azurestaticapps.net
cloudapp.net cloudfront.net s3.amazonaws.com glitch.me surge.sh pythonanywhere.com
blogspot.com wixsite.com ngrok.io ngrok-free.app trycloudflare.com
1.azurestaticapps.net 2.azurestaticapps.net 3.azurestaticapps.net 4.azurestaticapps.net
5.azurestaticapps.net 6.azurestaticapps.net 7.azurestaticapps.net centralus.azurestaticapps.net
eastasia.azurestaticapps.net eastus2.azurestaticapps.net westeurope.azurestaticapps.net
westus2.azurestaticapps.net
`;

/**
 * Blogger's country domains (`octocat.blogspot.de`): the list named them until Blogger sent
 * them all on to blogspot.com, and each host is still a user's blog. `blogspot.` and these endings.
 */
const BLOGSPOT_COUNTRIES = `
ae al am ba be bg bj ca cf ch cl co.at co.id co.il co.ke co.nz co.uk co.za com.ar com.au com.br
com.by com.co com.cy com.ee com.eg com.es com.mt com.ng com.tr com.uy cv cz de dk fi fr gr hk hr
hu ie in is it jp kr li lt lu md mk mr mx my nl no pe pt qa re ro rs ru se sg si sk sn td tw ug
vn
`;

const SHARED: ReadonlySet<string> = new Set([
  ...SUFFIXES.split(/\s+/).filter((suffix) => suffix !== ""),
  ...BLOGSPOT_COUNTRIES.split(/\s+/).filter((ending) => ending !== "").map((ending) => `blogspot.${ending}`),
]);

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
