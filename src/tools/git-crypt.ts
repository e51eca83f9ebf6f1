/**
 * git-crypt's clean filter, done here without running it: in an unlocked git-crypt checkout
 * the work tree holds a secret file decrypted and the repository its encrypted form. Hearth's
 * read-only git empties the repository's own filter drivers (indexer/read-only-git.ts: a
 * checkout's config can name any program), so where git must read such a file again (its times
 * changed: a touch, a copied checkout, just after `git-crypt unlock`) it compares the plain
 * bytes with the encrypted blob and calls the file changed. git-crypt's encryption is
 * deterministic (AES-256-CTR, its nonce the file's HMAC-SHA1), so the blob the filter would
 * store is made here from the checkout's own key (.git/git-crypt/keys/NAME, which `git-crypt
 * unlock` wrote) and compared: the file is unchanged exactly when that is the index's blob.
 */
import { createCipheriv, createHash, createHmac } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** The two keys of one git-crypt key entry (its newest version). */
export interface GitCryptKey {
  readonly aes: Buffer;
  readonly hmac: Buffer;
}

/** How git-crypt's encrypted files begin, and its key files. */
const FILE_HEADER = Buffer.from("\0GITCRYPT\0", "latin1");
const KEY_HEADER = "\0GITCRYPTKEY";
/** Key file fields (git-crypt's key.hpp): the end of a list, a key's AES key (32 bytes) and HMAC key (64 bytes). */
const FIELD_END = 0;
const FIELD_AES = 3;
const FIELD_HMAC = 5;

/**
 * The keys `git-crypt unlock` left in the git folder `gitDir` (git-crypt/keys/default, and one
 * per named key); none where the checkout is locked or no git-crypt repository. A file that is
 * not a key in git-crypt's format 2 is passed over.
 */
export async function gitCryptKeys(gitDir: string): Promise<GitCryptKey[]> {
  const folder = join(gitDir, "git-crypt", "keys");
  const names = await readdir(folder).catch(() => [] as string[]);
  const keys: GitCryptKey[] = [];
  for (const name of names) {
    const key = parseKey(await readFile(join(folder, name)).catch(() => Buffer.alloc(0)));
    if (key) keys.push(key);
  }
  return keys;
}

/** The newest entry of a git-crypt key file (format 2: a header's fields, then entries of fields, each field an id, a length and bytes). */
function parseKey(file: Buffer): GitCryptKey | undefined {
  let at = 0;
  const u32 = (): number => {
    if (at + 4 > file.length) throw new RangeError("cut short");
    const value = file.readUInt32BE(at);
    at += 4;
    return value;
  };
  const fields = (): Map<number, Buffer> => {
    const out = new Map<number, Buffer>();
    for (let id = u32(); id !== FIELD_END; id = u32()) {
      const length = u32();
      if (at + length > file.length) throw new RangeError("cut short");
      out.set(id, file.subarray(at, (at += length)));
    }
    return out;
  };
  try {
    if (file.subarray(0, KEY_HEADER.length).toString("latin1") !== KEY_HEADER) return undefined;
    at = KEY_HEADER.length;
    if (u32() !== 2) return undefined;
    fields();
    // Entries come newest first.
    const entry = fields();
    const [aes, hmac] = [entry.get(FIELD_AES), entry.get(FIELD_HMAC)];
    return aes?.length === 32 && hmac?.length === 64 ? { aes, hmac } : undefined;
  } catch {
    return undefined;
  }
}

/** The bytes git-crypt's clean filter makes of `plain` with `key`: its header, the 12-byte nonce, the ciphertext. */
export function gitCryptEncrypted(plain: Buffer, key: GitCryptKey): Buffer {
  const nonce = createHmac("sha1", key.hmac).update(plain).digest().subarray(0, 12);
  // git-crypt's counter block: the nonce, then the block number (32 bits, big-endian, from 0), as Node's CTR counts for a file under 64 GB.
  const cipher = createCipheriv("aes-256-ctr", key.aes, Buffer.concat([nonce, Buffer.alloc(4)]));
  return Buffer.concat([FILE_HEADER, nonce, cipher.update(plain), cipher.final()]);
}

/** Whether `plain` (a file's bytes on disk) is what the blob `indexBlob` holds encrypted with one of `keys`. */
export function sameEncrypted(plain: Buffer, indexBlob: string, keys: readonly GitCryptKey[]): boolean {
  return keys.some((key) => blobId(gitCryptEncrypted(plain, key), indexBlob) === indexBlob);
}

/** The id git gives a blob of `bytes`, SHA-1 or SHA-256 as `like` (an id of the same repository) is. */
function blobId(bytes: Buffer, like: string): string {
  return createHash(like.length === 64 ? "sha256" : "sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
