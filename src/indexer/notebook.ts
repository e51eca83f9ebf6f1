/**
 * What the index reads of a Jupyter notebook: its cells' sources (code and markdown), not the
 * JSON around them nor the cells' outputs. Read as the file's text, a notebook with one figure
 * (`"image/png"`: a line of 20-200 KB of base64) was skipped as "minified", so its code was in
 * no search; one without figures gave its terms to JSON keys (`cell_type`, `execution_count`),
 * a printed DataFrame's HTML (`td`, `tr`, `dataframe`) and its numbers, first seen first up to
 * the 400 a file keeps, and ranked for words its outputs repeat.
 */

/** Whether the index reads `path` as a notebook. */
export function isNotebookPath(path: string): boolean {
  return /\.ipynb$/i.test(path);
}

/**
 * The sources of a notebook's cells, one after another, each ending in a line end; undefined
 * for text that is not a notebook's JSON (an object with a `cells` list), which is then
 * indexed as any other text file is.
 */
export function notebookSources(text: string): string | undefined {
  let notebook: unknown;
  try {
    notebook = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof notebook !== "object" || notebook === null || !Array.isArray((notebook as { cells?: unknown }).cells)) return undefined;
  const sources: string[] = [];
  for (const cell of (notebook as { cells: unknown[] }).cells) {
    const source = typeof cell === "object" && cell !== null ? (cell as { source?: unknown }).source : undefined;
    // nbformat allows a cell's source as one string or as a list of its lines.
    const text = typeof source === "string" ? source : Array.isArray(source) ? source.filter((s) => typeof s === "string").join("") : "";
    if (text !== "") sources.push(text.endsWith("\n") ? text : text + "\n");
  }
  return sources.join("\n");
}
