/**
 * The chat view's markdown on hostile and long replies, on jsdom (a browser's DOM is
 * faster; the ratios are what to read):
 *   npm run bench -- markdown
 * 1. Hostile inline text: marked as it comes next to marked with marked-bounds.ts.
 * 2. A reply streamed in 40-character deltas, one render a delta: the whole text rendered at
 *    each frame (what the view did) next to StreamedMarkdown (finished blocks kept).
 */
import { Marked } from "marked";
import { window } from "../unit/webview/dom-env.ts";
import { renderMarkdown } from "../../src/webview/markdown.ts";
import { markedBounds } from "../../src/webview/marked-bounds.ts";
import { StreamedMarkdown } from "../../src/webview/streamed-markdown.ts";

function ms(run: () => void): string {
  const start = performance.now();
  run();
  return `${(performance.now() - start).toFixed(0)} ms`;
}

const plain = new Marked({ gfm: true });
const bounded = new Marked({ gfm: true }).use(markedBounds);
console.log("| hostile text | characters | marked | marked + bounds |\n|---|---:|---:|---:|");
for (const [unit, times] of [["_a", 40_000], [".*a", 8_000], ["a]**", 6_000], ["*a", 40_000]] as const) {
  const text = `${unit.repeat(times)}a`;
  console.log(`| \`${unit}\` × ${times.toLocaleString("en-US")} | ${text.length.toLocaleString("en-US")} | ${ms(() => plain.parse(text))} | ${ms(() => bounded.parse(text))} |`);
}

const section = (i: number) =>
  `## Step ${i}\n\nThe loop in [src/page${i}.ts](src/page${i}.ts#L12) stops **one item early**; \`end\` is exclusive.\n\n- first point\n- second point with *emphasis*\n\n| file | lines |\n|---|---:|\n| src/page${i}.ts | ${i} |\n\n\`\`\`ts\nexport const page${i} = paginate(items, ${i});\n\`\`\`\n\n`;
const reply = Array.from({ length: 30 }, (_, i) => section(i)).join("");
const frames = Math.ceil(reply.length / 40);
const post = () => undefined;
console.log(`\n| streamed reply (${reply.length.toLocaleString("en-US")} characters, ${frames} frames) | time |\n|---|---:|`);
console.log(`| whole text rendered at each frame | ${ms(() => {
  const el = window.document.createElement("div");
  for (let at = 40; at < reply.length + 40; at += 40) renderMarkdown(el, reply.slice(0, at), post);
})} |`);
console.log(`| StreamedMarkdown | ${ms(() => {
  const view = new StreamedMarkdown(window.document.createElement("div"), post);
  for (let at = 40; at < reply.length + 40; at += 40) view.render(reply.slice(0, at), false);
  view.render(reply, true);
})} |`);
