/**
 * The certificate authorities this system trusts, handed to the runtime. VS Code trusts them
 * (`http.systemCertificates`), but the runtime is a plain Node, which trusts only its own
 * bundled list and NODE_EXTRA_CA_CERTS: a company CA that IT put in the system's store (the
 * usual way, for TLS inspection) let the editor reach the internet while every model download
 * failed with "unable to get local issuer certificate". The extension host writes them, with
 * the certificates of the file NODE_EXTRA_CA_CERTS already names, to one file of this user's
 * and starts the runtime with NODE_EXTRA_CA_CERTS naming it (the agent's commands inherit it:
 * npm, pip through Node tools, the same). CA certificates are public; the file is this user's
 * alone (0600, in VS Code's storage for Hearth) so that no one else can add an authority to it.
 *
 * No "vscode" import: unit tests call it with a made-up folder and store.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import { PRIVATE_FILE, PRIVATE_FOLDER } from "../protocol/make-folders.ts";
import { LINUX_CA_BUNDLES, USER_EXTRA_CA_VARIABLE } from "../protocol/network-problem.ts";

/**
 * The system's CA certificates (PEM text), as this process can read them: Node's own list of
 * them where it has one (tls.getCACertificates, Node 22.15 and later), else on Linux the
 * distribution's bundle; "" where neither (macOS and Windows under an older VS Code).
 */
export function systemCertificates(platform: NodeJS.Platform = process.platform): string {
  const list = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof list === "function") {
    try {
      const pems = list("system");
      if (pems.length > 0) return pems.join("\n");
    } catch {
      // A Node built without the system store: the bundle below, if any.
    }
  }
  if (platform !== "linux") return "";
  for (const file of LINUX_CA_BUNDLES) {
    try {
      const text = readFileSync(file, "utf8");
      if (text.includes("-----BEGIN CERTIFICATE-----")) return text;
    } catch {
      // Not this distribution's place.
    }
  }
  return "";
}

/**
 * Sets `env` (the runtime's) up so the runtime trusts `system` (PEM text) besides the file
 * `env.NODE_EXTRA_CA_CERTS` names: one file in `folder` with both, named by
 * NODE_EXTRA_CA_CERTS; the user's own value is kept in {@link USER_EXTRA_CA_VARIABLE}. Leaves
 * `env` as it is where there is nothing to add, the user's file cannot be read (Node says
 * so at the runtime's start, as it would have), or the file cannot be written.
 */
export function addSystemCertificates(env: NodeJS.ProcessEnv, folder: string, system: string): void {
  if (!system.includes("-----BEGIN CERTIFICATE-----")) return;
  const named = env.NODE_EXTRA_CA_CERTS?.trim() || undefined;
  let own = "";
  if (named) {
    try {
      own = readFileSync(named, "utf8");
    } catch {
      return;
    }
  }
  const file = join(folder, "runtime-ca-certificates.pem");
  // Another window may be writing it now: a whole file, renamed into place.
  const temp = `${file}.${process.pid}.tmp`;
  try {
    if (!existsSync(folder)) mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER });
    writeFileSync(temp, `${own.trimEnd()}\n${system.trim()}\n`, { mode: PRIVATE_FILE });
    chmodSync(temp, PRIVATE_FILE);
    renameSync(temp, file);
  } catch {
    // A full disk stopped the write midway: its part would keep the pages the user needs.
    rmSync(temp, { force: true });
    return;
  }
  env[USER_EXTRA_CA_VARIABLE] = named ?? "";
  env.NODE_EXTRA_CA_CERTS = file;
}
