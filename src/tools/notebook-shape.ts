/**
 * Whether a notebook's JSON is still a notebook. Valid JSON is not enough: Jupyter refuses to
 * open a notebook whose code cell has no `outputs` list or whose `cell_type` is unknown
 * ("Notebook validation failed"), and a line of a cell's `source` list written without its
 * "\n" joins the next line (`"import numpy as np",` then `"import pandas as pd\n"` is one
 * line, `import numpy as npimport pandas as pd`), which no JSON check sees.
 */

const CELL_TYPES = new Set(["code", "markdown", "raw"]);

/** The first way `value` (a notebook's parsed JSON) is no nbformat 4 notebook, in words; undefined when it is one. */
export function notebookShapeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return "it is not a JSON object";
  if (typeof value.nbformat !== "number") return 'it has no "nbformat" number';
  if (!isObject(value.metadata)) return 'it has no "metadata" object';
  if (!Array.isArray(value.cells)) return 'it has no "cells" list';
  for (const [i, cell] of value.cells.entries()) {
    const problem = cellProblem(cell);
    if (problem !== undefined) return `cell ${i + 1} ${problem}`;
  }
  return undefined;
}

function cellProblem(cell: unknown): string | undefined {
  if (!isObject(cell)) return "is not an object";
  if (typeof cell.cell_type !== "string" || !CELL_TYPES.has(cell.cell_type)) return `has "cell_type" ${JSON.stringify(cell.cell_type)}, not "code", "markdown" or "raw"`;
  if (!isObject(cell.metadata)) return 'has no "metadata" object';
  if (cell.cell_type === "code") {
    if (!Array.isArray(cell.outputs)) return 'is a code cell without an "outputs" list ([] for none)';
    if (cell.execution_count !== null && typeof cell.execution_count !== "number") return 'is a code cell whose "execution_count" is neither a number nor null';
  }
  const source = cell.source;
  if (typeof source === "string") return undefined;
  if (!Array.isArray(source) || source.some((line) => typeof line !== "string")) return 'has a "source" that is neither a string nor a list of strings';
  const joined = source.findIndex((line: string, n) => n < source.length - 1 && !line.endsWith("\n"));
  if (joined >= 0) return `has source line ${JSON.stringify(source[joined])} without "\\n" at its end, so it joins the next line`;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
