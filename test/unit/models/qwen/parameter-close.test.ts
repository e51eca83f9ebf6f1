/**
 * A parameter value that holds `</parameter>` itself: the model editing an XML or DocBook
 * file (`<parameter>n</parameter>` is DocBook), or an agent framework's own parser. The
 * value ends only at a `</parameter>` the format continues after (a later line, with only
 * whitespace between, starts `<parameter=`, `</function>` or `</tool_call>`; or `</function>`
 * follows on its line and `</tool_call>` starts a later one, or ends the output), in the parser
 * and in the grammar alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQwenOutput, QwenOutputParser } from "../../../../src/models/qwen/output-parser.ts";
import { renderToolCallBody } from "../../../../src/models/qwen/prompt.ts";
import { parseToolCallBody } from "../../../../src/models/qwen/tool-call-syntax.ts";
import { buildQwenResponseGrammar, buildQwenToolCallGrammar } from "../../../../src/models/qwen/tool-grammar.ts";
import type { JsonValue } from "../../../../src/models/types.ts";
import { TOOLS } from "./conversations.ts";
import { gbnfAccepts } from "./gbnf-matcher.ts";

const DOCBOOK = "<funcprototype>\n  <funcdef>int <function>open</function></funcdef>\n  <paramdef>int <parameter>flags</parameter></paramdef>\n</funcprototype>";
const PARSER_SOURCE = 'const PARAM_CLOSE = "</parameter>";\nif (text.endsWith("</parameter>"))\n  return;';

const options = () => {
  let n = 0;
  return { tools: TOOLS, startInThinking: false, newCallId: () => `call_${++n}` };
};
const call = (args: Record<string, JsonValue>) => `<tool_call>${renderToolCallBody({ name: "edit", arguments: args })}`;

/** Parses `output` whole, split at every character, and one character at a time; all must agree. */
function parseEveryWay(output: string) {
  const whole = parseQwenOutput(output, options()).turn;
  for (let cut = 0; cut <= output.length; cut++) {
    const parser = new QwenOutputParser(options());
    parser.push(output.slice(0, cut));
    parser.push(output.slice(cut));
    parser.end();
    assert.deepEqual(parser.result(), whole, `split at ${cut}`);
  }
  const parser = new QwenOutputParser(options());
  for (const ch of output) parser.push(ch);
  parser.end();
  assert.deepEqual(parser.result(), whole, "one character at a time");
  return whole;
}

const VALUES = [
  DOCBOOK,
  PARSER_SOURCE,
  "</parameter>",
  "x</parameter>",
  "</parameter>x",
  "a</parameter>\nb",
  "a</parameter>\n\nx<parameter=x>",
  "a</parameter> <parameter=x>",
  "a</parameter><parameter=path>b",
  "a</parameter> <parameters=x>",
  "a</parameter> parameter=x>",
  "</parameter>\n<parameter",
  "</parameter>\n</functions>",
];

test("a value holding </parameter> mid-text round-trips through the prompt's rendering and the parser, however it streams", () => {
  for (const search of VALUES) {
    const args = { path: "doc.xml", search, replace: search.replace("flags", "mode") };
    const turn = parseEveryWay(`Editing.\n\n${call(args)}`);
    assert.deepEqual(turn.errors, [], JSON.stringify(search));
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [args], JSON.stringify(search));
    const body = parseToolCallBody(renderToolCallBody({ name: "edit", arguments: args }), false);
    assert.deepEqual(body.kind === "complete" ? Object.fromEntries(body.call.parameters) : body, args, JSON.stringify(search));
  }
});

test("the next parameter, </function> and a following call still end a value where the format says", () => {
  const two = `${call({ path: "a</parameter>", search: "s", replace: "r" })}\n${call({ path: "b", search: "</parameter>\n", replace: "" })}`;
  const turn = parseEveryWay(two);
  assert.deepEqual(turn.errors, []);
  assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a</parameter>", search: "s", replace: "r" }, { path: "b", search: "</parameter>\n", replace: "" }]);
  // A call that forgets </function> is an error, and does not swallow the next call into its value.
  const forgot = parseEveryWay("<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n</tool_call>\n<tool_call>\n<function=read_file>\n<parameter=path>\nb\n</parameter>\n</function>\n</tool_call>");
  assert.equal(forgot.errors.length, 1);
  assert.deepEqual(forgot.message.toolCalls?.map((c) => c.arguments), [{ path: "b" }]);
});

// A remote server (or a model) writing CRLF, and a model closing the parameter and the
// function on one line, had every such call refused as "no closing </parameter>".
test("a value also ends at </parameter> + CRLF and at </parameter></function> ending the call", () => {
  const read = (body: string) => parseEveryWay(`Reading.\n${body}`);
  for (const body of [
    "<tool_call>\r\n<function=read_file>\r\n<parameter=path>\r\na\r\n</parameter>\r\n</function>\r\n</tool_call>",
    "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\r\n</function>\n</tool_call>",
    "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter></function>\n</tool_call>",
    "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter></function>\r\n</tool_call>",
    "<tool_call>\n<function=read_file>\n<parameter=path>\na</parameter></function></tool_call>",
    "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter></function>",
    "<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter></function>\n</tool_call>\n<tool_call>\n<function=read_file>\n<parameter=path>\nb\n</parameter>\n</function>\n</tool_call>",
    "<function=read_file>\r\n<parameter=path>\r\na\r\n</parameter>\r\n</function>",
    "<function=read_file>\n<parameter=path>\na\n</parameter></function>",
  ]) {
    const turn = read(body);
    assert.deepEqual(turn.errors, [], JSON.stringify(body));
    assert.equal(turn.message.toolCalls?.[0]?.arguments.path, "a", JSON.stringify(body));
  }
  const crlf = read("<tool_call>\r\n<function=read_file>\r\n<parameter=path>\r\na\r\n</parameter>\r\n<parameter=limit>\r\n5\r\n</parameter>\r\n</function>\r\n</tool_call>");
  assert.deepEqual(crlf.message.toolCalls?.map((c) => c.arguments), [{ path: "a", limit: 5 }]);
  // A CRLF file's content keeps its own line ends; only the format's newline around it goes.
  const file = "line 1\r\nline 2\r\n";
  const edit = read(`<tool_call>\r\n<function=edit>\r\n<parameter=path>\r\nf.txt\r\n</parameter>\r\n<parameter=search>\r\n${file}\r\n</parameter>\r\n<parameter=replace>\r\n\r\n</parameter>\r\n</function>\r\n</tool_call>`);
  assert.deepEqual(edit.message.toolCalls?.map((c) => c.arguments), [{ path: "f.txt", search: file, replace: "" }]);
});

test("values holding </parameter> + CRLF or </parameter></function> mid-line still round-trip", () => {
  for (const search of ["</parameter>\r\n", "a</parameter>\r\nb", "<function><parameter>x</parameter></function>", "if (s.endsWith(\"</parameter></function>\\n</tool_call>\"))", "</parameter></function>", "x</parameter></function>\r", "</parameter></function> </tool_call>", "<parameter>p</parameter>\r\n</funcdef>"]) {
    const args = { path: "doc.xml", search, replace: "r" };
    const turn = parseEveryWay(`Editing.\n\n${call(args)}`);
    assert.deepEqual(turn.errors, [], JSON.stringify(search));
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [args], JSON.stringify(search));
    assert.ok(gbnfAccepts(calls, call(args)), JSON.stringify(search));
  }
});

test("a value whose </parameter> is never followed by the format says how a value ends", () => {
  const turn = parseEveryWay("<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\nDone.\n</function>\n</tool_call>\nDone.");
  assert.equal(turn.errors.length, 1);
  assert.match(turn.errors[0]!.message, /Parameter "path" has no closing <\/parameter>/);
  assert.match(turn.errors[0]!.message, /later line/);
});

// A model at temperature 0.7 now and then leaves a blank line (or one of spaces) after a
// value: that value ran on into the next call, which was lost or merged into the first.
test("blank lines or lines of spaces after </parameter> still end the value, and the next call stays its own", () => {
  const read = (path: string, gap: string) => `<tool_call>\n<function=read_file>\n<parameter=path>\n${path}\n</parameter>${gap}</function>\n</tool_call>`;
  for (const gap of ["\n\n", "\n  \n", "\n \t\n", "\r\n\r\n", "\n\n\n", "  \n", "\n\n  "]) {
    const turn = parseEveryWay(`${read("a.ts", gap)}\n${read("b.ts", "\n")}`);
    assert.deepEqual(turn.errors, [], JSON.stringify(gap));
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a.ts" }, { path: "b.ts" }], JSON.stringify(gap));
    const body = parseToolCallBody(read("a.ts", gap).slice("<tool_call>".length), false);
    assert.deepEqual(body.kind === "complete" ? body.call.parameters : body, [["path", "a.ts"]], JSON.stringify(gap));
  }
  const params = parseEveryWay("<tool_call>\n<function=read_file>\n<parameter=path>\na.ts\n</parameter>\n\n<parameter=limit>\n5\n</parameter>\n \n</function>\n\n</tool_call>");
  assert.deepEqual(params.message.toolCalls?.map((c) => c.arguments), [{ path: "a.ts", limit: 5 }]);
  const forgot = parseEveryWay(`<tool_call>\n<function=read_file>\n<parameter=path>\na\n</parameter>\n\n</tool_call>\n${read("b.ts", "\n")}`);
  assert.equal(forgot.errors.length, 1);
  assert.deepEqual(forgot.message.toolCalls?.map((c) => c.arguments), [{ path: "b.ts" }]);
});

// Two calls each written on one line and glued: the first value ran on into the second call,
// and read_file ran with a path holding the second call's XML.
test("calls written on one line each and glued end their values at </parameter></function></tool_call><tool_call>", () => {
  const one = (path: string) => `<tool_call><function=read_file><parameter=path>${path}</parameter></function></tool_call>`;
  for (const gap of ["", " ", "\n", "\n\n"]) {
    const turn = parseEveryWay(`${one("a.ts")}${gap}${one("b.ts")}`);
    assert.deepEqual(turn.errors, [], JSON.stringify(gap));
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a.ts" }, { path: "b.ts" }], JSON.stringify(gap));
  }
});

const calls = buildQwenToolCallGrammar(TOOLS);
const response = buildQwenResponseGrammar(TOOLS, { thinking: true });

test("the grammar lets a string value hold </parameter> mid-text, and a well-formed call still ends where it should", () => {
  for (const search of VALUES) {
    const text = call({ path: "doc.xml", search, replace: "r" });
    assert.ok(gbnfAccepts(calls, text), JSON.stringify(search));
    assert.ok(gbnfAccepts(response, `hmm\n</think>\n\nEditing.\n\n${text}`), JSON.stringify(search));
  }
  const plain = call({ path: "a", search: "b", replace: "c" });
  assert.ok(gbnfAccepts(calls, plain));
  assert.ok(!gbnfAccepts(calls, `${plain}\n`), "nothing after the call's </tool_call>");
  assert.ok(!gbnfAccepts(calls, plain.replace("\n</function>", "")), "</function> is still needed");
});

test("the grammar's string value: any text but </parameter> followed by a line the format continues with", () => {
  const forbidden = /<\/parameter>[ \t\r]*(\n[\s]*(<parameter=|<\/function>|<\/tool_call>)|<\/function>[ \t\r]*(\n\s*<\/tool_call>|<\/tool_call>\s*<tool_call>))/;
  const alphabet = ["<", "/", "p", "f", ">", "=", "x", "\n", "\r\n", " ", "\t", "</parameter>", "</parameter>\n", "</parameter></function>", "<parameter=", "</function>", "</tool_call>", "<tool_call>", "<<", "</"];
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 1500; i++) {
    const s = Array.from({ length: Math.floor(rand() * 8) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
    assert.equal(gbnfAccepts(calls, s, "string-value"), !forbidden.test(s), JSON.stringify(s));
  }
});

test("whatever string the grammar lets a value hold, the parser reads back exactly", () => {
  const alphabet = ["</parameter>", "\n", "\r", " ", "\n\n", "<parameter=", "</function>", "</tool_call>", "<", "x", "</parameter>\n", "</parameter></function>"];
  let seed = 5;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  let accepted = 0;
  for (let i = 0; i < 300; i++) {
    const search = Array.from({ length: Math.floor(rand() * 6) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
    const text = call({ path: "a", search, replace: "" });
    if (!gbnfAccepts(calls, text)) continue;
    accepted++;
    const { turn } = parseQwenOutput(text, options());
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a", search, replace: "" }], JSON.stringify(search));
  }
  assert.ok(accepted > 100, `${accepted} accepted`);
});

// A model writing a whole call on one line: the first value ran on to the last </parameter>,
// and read_file ran with the path 'a</parameter><parameter=limit>5'.
test("a value ends at </parameter> followed on its line by the tool's next <parameter=NAME>", () => {
  for (const gap of ["", " ", "\t "]) {
    for (const tail of ["</function></tool_call>", "\n</function>\n</tool_call>"]) {
      const turn = parseEveryWay(`<tool_call><function=read_file><parameter=path>a</parameter>${gap}<parameter=limit>5</parameter>${tail}`);
      assert.deepEqual(turn.errors, [], JSON.stringify(gap + tail));
      assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "a", limit: 5 }], JSON.stringify(gap + tail));
    }
  }
  // A value on its tag's line that really holds such text is read as two parameters: here the path twice, refused, never run.
  const twice = parseEveryWay(`<tool_call>\n<function=edit>\n<parameter=path>\na.xml\n</parameter>\n<parameter=search>x</parameter><parameter=path>y\n</parameter>\n<parameter=replace>\nr\n</parameter>\n</function>\n</tool_call>`);
  assert.equal(twice.errors.length, 1);
  assert.deepEqual(twice.message.toolCalls ?? [], []);
  // A name the tool does not declare is the value's own text.
  const own = parseEveryWay(call({ path: "a", search: "a</parameter> <parameter=x>", replace: "r" }));
  assert.deepEqual(own.message.toolCalls?.map((c) => c.arguments), [{ path: "a", search: "a</parameter> <parameter=x>", replace: "r" }]);
  // Where the tool's schema is not known (the whole-text parser alone), any name ends the value.
  const body = parseToolCallBody("<function=t><parameter=a>1</parameter><parameter=b>2</parameter></function></tool_call>", true);
  assert.deepEqual(body.kind === "complete" ? body.call.parameters : body, [["a", "1"], ["b", "2"]]);
  // The grammar writes a value after its tag's line end, where such text is the value's own.
  assert.ok(gbnfAccepts(calls, "a</parameter><parameter=limit>", "string-value"));
  assert.ok(gbnfAccepts(calls, "a</parameter> <parameter = x>", "string-value"));
});

// The model indented its closing tag: write_file's content got a trailing line of tabs.
test("an indented </parameter> keeps its indentation out of the value", () => {
  for (const [indent, eol] of [["\t\t", "\n"], ["    ", "\n"], [" \t", "\r\n"]] as const) {
    const turn = parseEveryWay(`<tool_call>${eol}<function=edit>${eol}<parameter=path>${eol}f.txt${eol}${indent}</parameter>${eol}<parameter=search>${eol}a${eol}b${eol}${indent}</parameter>${eol}<parameter=replace>${eol}${indent}</parameter>${eol}</function>${eol}</tool_call>`);
    assert.deepEqual(turn.errors, [], JSON.stringify(indent));
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [{ path: "f.txt", search: `a${eol}b`, replace: "" }], JSON.stringify(indent));
  }
  // A value whose own last line is spaces keeps it: the template's line end follows it.
  const args = { path: "f.txt", search: "a\n  ", replace: "\t" };
  assert.deepEqual(parseEveryWay(call(args)).message.toolCalls?.map((c) => c.arguments), [args]);
});

test("a closing tag written with a look-alike bracket is named in the refusal", () => {
  for (const close of ["\u2039/parameter>", "</parameter\u203A", "\uFF1C/parameter\uFF1E"]) {
    const turn = parseEveryWay(`<tool_call>\n<function=read_file>\n<parameter=path>\na.ts\n${close}\n</function>\n</tool_call>`);
    assert.equal(turn.errors.length, 1, close);
    assert.match(turn.errors[0]!.message, /Parameter "path" has no closing <\/parameter>/);
    assert.ok(turn.errors[0]!.message.includes(`"${close}"`), turn.errors[0]!.message);
    const body = parseToolCallBody(`\n<function=read_file>\n<parameter=path>\na.ts\n${close}\n</function>\n`, true);
    assert.ok(body.kind === "error" && turn.errors[0]!.message.startsWith(body.message), JSON.stringify(body));
  }
  // Worded as the agent words a whole call with these brackets (thought-calls.ts): one helper.
  const both = parseToolCallBody("\n<function=read_file>\n<parameter=path>\na.ts\n\uFF1C/parameter\uFF1E\n</function>\n", true);
  assert.ok(both.kind === "error" && both.message.includes('("\uFF1C/parameter\uFF1E" has \uFF1C and \uFF1E in place of < and >)'), JSON.stringify(both));
});

// 0eb5464 ended a value at any `</parameter><parameter=NAME>` on a line when the tool declares NAME:
// a search text holding '</parameter><parameter=mode>fuzzy' (a Qwen tool-call parser's tests, or
// Hearth's own) ran the edit with search 'x' and mode 'fuzzy', and one holding
// '</parameter><parameter=path>' was refused, the grammar forbidding the model to write it at all.
test("</parameter><parameter=NAME> ends a value on its line only when the value was written on its tag's line", () => {
  for (const search of ["x</parameter><parameter=mode>fuzzy", "a</parameter><parameter=path>b", "a\nb</parameter> <parameter=replace>c\n"]) {
    const args = { path: "t.ts", search, replace: "y" };
    const text = call(args);
    const turn = parseEveryWay(text);
    assert.deepEqual(turn.errors, [], JSON.stringify(search));
    assert.deepEqual(turn.message.toolCalls?.map((c) => c.arguments), [args], JSON.stringify(search));
    const body = parseToolCallBody(text.slice("<tool_call>".length), false, TOOLS);
    assert.deepEqual(body.kind === "complete" ? Object.fromEntries(body.call.parameters) : body, args, JSON.stringify(search));
    // The grammar writes each value after its tag's line end, so it may hold such text again.
    assert.ok(gbnfAccepts(calls, text), JSON.stringify(search));
  }
  // A value begun on its tag's line and still on it: a call written on one line, two parameters.
  const inline = parseEveryWay("<tool_call><function=read_file><parameter=path>a</parameter><parameter=limit>5</parameter></function></tool_call>");
  assert.deepEqual(inline.message.toolCalls?.map((c) => c.arguments), [{ path: "a", limit: 5 }]);
});
