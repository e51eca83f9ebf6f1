/**
 * A small GBNF recognizer for tests: enough of llama.cpp's grammar syntax (literals,
 * character classes, groups, alternatives, `? * + {m,n}`, rule references) to check which
 * strings a generated grammar accepts, without a model.
 */
type Node =
  | { t: "lit"; s: string }
  | { t: "cls"; neg: boolean; items: Array<[number, number]> }
  | { t: "ref"; name: string }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; items: Node[] }
  | { t: "rep"; node: Node; min: number; max: number };

class Parser {
  i = 0;
  constructor(private readonly src: string) {}
  ws(): void { while (this.i < this.src.length && /[ \t]/.test(this.src[this.i]!)) this.i++; }
  char(): number {
    const c = this.src[this.i++]!;
    if (c !== "\\") return c.codePointAt(0)!;
    const e = this.src[this.i++]!;
    const map: Record<string, number> = { n: 10, t: 9, r: 13, "\\": 92, '"': 34, "]": 93, "[": 91, "^": 94, "-": 45, "/": 47 };
    if (e === "x") { const h = this.src.slice(this.i, this.i + 2); this.i += 2; return parseInt(h, 16); }
    if (e in map) return map[e]!;
    throw new Error(`escape \\${e}`);
  }
  alt(): Node {
    const items = [this.seq()];
    while (this.src[this.i] === "|") { this.i++; items.push(this.seq()); }
    return items.length === 1 ? items[0]! : { t: "alt", items };
  }
  seq(): Node {
    const items: Node[] = [];
    for (;;) {
      this.ws();
      const c = this.src[this.i];
      if (c === undefined || c === "|" || c === ")" || c === "\n") break;
      items.push(this.postfix(this.atom()));
    }
    return { t: "seq", items };
  }
  atom(): Node {
    const c = this.src[this.i]!;
    if (c === '"') {
      this.i++;
      let s = "";
      while (this.src[this.i] !== '"') s += String.fromCodePoint(this.char());
      this.i++;
      return { t: "lit", s };
    }
    if (c === "[") return this.cls();
    if (c === "(") { this.i++; const n = this.alt(); this.ws(); this.i++; return n; }
    const m = /^[a-zA-Z0-9-]+/.exec(this.src.slice(this.i));
    if (!m) throw new Error(`unexpected ${c} at ${this.i}`);
    this.i += m[0].length;
    return { t: "ref", name: m[0] };
  }
  cls(): Node {
    this.i++;
    const neg = this.src[this.i] === "^";
    if (neg) this.i++;
    const items: Array<[number, number]> = [];
    while (this.src[this.i] !== "]") {
      const a = this.char();
      if (this.src[this.i] === "-" && this.src[this.i + 1] !== "]") { this.i++; items.push([a, this.char()]); } else items.push([a, a]);
    }
    this.i++;
    return { t: "cls", neg, items };
  }
  postfix(node: Node): Node {
    const c = this.src[this.i];
    if (c === "?") { this.i++; return { t: "rep", node, min: 0, max: 1 }; }
    if (c === "*") { this.i++; return { t: "rep", node, min: 0, max: Infinity }; }
    if (c === "+") { this.i++; return { t: "rep", node, min: 1, max: Infinity }; }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i))!;
      this.i += m[0].length;
      return { t: "rep", node, min: Number(m[1]), max: m[2] === undefined ? Number(m[1]) : m[3] ? Number(m[3]) : Infinity };
    }
    return node;
  }
}

/** Parses a GBNF grammar into rules. */
export function parseGbnf(grammar: string): Map<string, Node> {
  const rules = new Map<string, Node>();
  for (const line of grammar.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf(" ::= ");
    const p = new Parser(line.slice(at + 5));
    rules.set(line.slice(0, at), p.alt());
    if (p.i < line.length - at - 5) throw new Error(`trailing input in rule ${line.slice(0, at)}`);
  }
  return rules;
}

/** Whether `rule` of `grammar` matches the whole of `text`. */
export function gbnfAccepts(grammar: string, text: string, rule = "root"): boolean {
  const rules = parseGbnf(grammar);
  const cps = [...text].map((c) => c.codePointAt(0)!);
  const memo = new Map<string, Set<number>>();
  const ends = (node: Node, pos: number): Set<number> => {
    switch (node.t) {
      case "lit": {
        const lit = [...node.s].map((c) => c.codePointAt(0)!);
        return lit.every((c, k) => cps[pos + k] === c) ? new Set([pos + lit.length]) : new Set();
      }
      case "cls": {
        const c = cps[pos];
        if (c === undefined) return new Set();
        const hit = node.items.some(([a, b]) => c >= a && c <= b);
        return hit !== node.neg ? new Set([pos + 1]) : new Set();
      }
      case "ref": {
        const key = `${node.name}@${pos}`;
        let result = memo.get(key);
        if (!result) {
          const body = rules.get(node.name);
          if (!body) throw new Error(`undefined rule ${node.name}`);
          memo.set(key, new Set());
          result = ends(body, pos);
          memo.set(key, result);
        }
        return result;
      }
      case "seq": {
        let current = new Set([pos]);
        for (const item of node.items) current = new Set([...current].flatMap((p) => [...ends(item, p)]));
        return current;
      }
      case "alt": return new Set(node.items.flatMap((item) => [...ends(item, pos)]));
      case "rep": {
        const out = new Set<number>();
        let frontier = new Set([pos]);
        if (node.min === 0) out.add(pos);
        for (let n = 1; n <= node.max && frontier.size; n++) {
          const next = new Set([...frontier].flatMap((p) => [...ends(node.node, p)].filter((e) => e > p)));
          if (n >= node.min) next.forEach((e) => out.add(e));
          frontier = next;
        }
        return out;
      }
    }
  };
  return ends({ t: "ref", name: rule }, 0).has(cps.length);
}
