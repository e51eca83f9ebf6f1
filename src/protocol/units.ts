/**
 * How Hearth writes byte sizes, in one unit everywhere a person reads one (the view, the
 * model picker, the status bar, `hearth models`, the README): GiB (1024³ bytes), the unit
 * operating systems and GPU tools report RAM and VRAM in, so a download can be compared
 * with the memory it needs. Hugging Face lists files in GB (10⁹): 21.2 GB is 19.7 GiB.
 */

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A limit, a round number of bytes: `16 * 2**20` → "16 MB", `1500` → "1500 bytes" (a file's size is formatSize's). */
export function formatLimit(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

/** "19.7 GiB", "0.7 GiB"; under 0.1 GiB in MiB ("35.0 MiB") so small files do not read as zero. */
export function formatSize(bytes: number): string {
  if (bytes < 0.1 * GiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  return `${(bytes / GiB).toFixed(1)} GiB`;
}
