/**
 * A Jupyter notebook's base64 outputs as read_file shows them. Jupyter writes each figure
 * (`"image/png": "iVBORw0…"`) as one JSON string on one line, 20-200 KB each; shown as text it
 * filled most of a read (a 250 KB notebook of three figures: 38,770 of a read's 48,000
 * characters after its first figure, every read on), and base64 costs a model about a token
 * per 2-3 characters. Such a line is shown with its data left out and a note; the line keeps
 * its number, so the lines around it are read and edited as written.
 */

/** A JSON string of at least this many base64 characters, alone on its line (after its key). */
const MIN_DATA_CHARS = 1_000;
const DATA_LINE = new RegExp(`^(\\s*(?:"([^"\\\\]{1,100})"\\s*:\\s*)?)"((?:[A-Za-z0-9+/=]|\\\\n){${MIN_DATA_CHARS},})"(,?\\s*)$`);

/** Whether read_file reads `path` as a notebook. */
export function isNotebookPath(path: string): boolean {
  return /\.ipynb$/i.test(path);
}

/** A notebook's line with its base64 data left out; undefined for a line that holds none. */
export function dataLeftOut(line: string): string | undefined {
  const m = DATA_LINE.exec(line);
  if (!m) return undefined;
  const kb = Math.max(1, Math.round((m[3]!.replace(/\\n/g, "").length * 3) / 4 / 1024));
  const what = m[2] !== undefined ? `${m[2]} output` : "output";
  return `${m[1]}"[Hearth: ${kb} KB of base64 ${what} data left out]"${m[4]}`;
}

/** The note under a read that left out `lines`' data. */
export function dataLeftOutNote(path: string, lines: readonly number[]): string {
  const which = lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.slice(0, 5).join(", ")}${lines.length > 5 ? ` and ${lines.length - 5} more` : ""}`;
  return (
    `[Hearth: ${path} is a Jupyter notebook; ${which} ${lines.length === 1 ? "holds" : "hold"} base64 output data (figures), shown with the data left out: ` +
    "it is not text to read. Change the notebook with edit_file: its old_text cannot include such a line, and write_file would need the data it has not seen.]"
  );
}
