// Secret values in ordinary files (a token in a config script, a password in a URL, a pasted
// private key) never reach the completion model, as they never reach the agent's: the prompt
// holds them masked — the cursor's file, the notebook's earlier cells and other files'
// context — and a completion that copies a mask is not shown. With `hearth.serverUrl` the
// prompt goes to another machine: a llama-server-like server on 127.0.0.1 records what it got.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { CompletionEngine, type CompletionDocument } from "../../../src/completions/engine.ts";
import type { FimRequest } from "../../../src/models/index.ts";
import { RemoteBackend } from "../../../src/models/remote.ts";
import { ScriptedBackend } from "../../../src/models/scripted.ts";
import { tempDir } from "../../fixtures/temp.ts";
import { MASK_START } from "../../../src/protocol/secret-values.ts";

const TOKEN = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";
const PASSWORD = "S3cretPassw0rd";
const KEY_LINE = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";
const KEY = ["-----BEGIN PRIVATE KEY-----", KEY_LINE, KEY_LINE.split("").reverse().join(""), KEY_LINE.toLowerCase(), "-----END PRIVATE KEY-----"].join("\n");

class RecordingBackend extends ScriptedBackend {
  readonly asked: FimRequest[] = [];
  override complete(request: FimRequest) {
    this.asked.push(request);
    return super.complete(request);
  }
}

function recordingEngine(completions: string[], extra: Partial<ConstructorParameters<typeof CompletionEngine>[0]> = {}) {
  const path = join(tempDir("hearth-secret-values-"), "model.json");
  writeFileSync(path, JSON.stringify({ turns: [], completions }));
  const backend = new RecordingBackend(path);
  const engine = new CompletionEngine({ model: async () => ({ backend, which: "main" }), debounce: { initialMs: 0, minMs: 0 }, ...extra });
  return { engine, backend };
}

/** A document with the cursor at "|". */
function docAt(marked: string, path = "src/config.ts"): { doc: CompletionDocument; position: { line: number; character: number } } {
  const offset = marked.indexOf("|");
  const text = marked.replace("|", "");
  const before = text.slice(0, offset).split("\n");
  return { doc: { uri: `file:///w/${path}`, path, text, version: 1, inFolder: true }, position: { line: before.length - 1, character: before.at(-1)!.length } };
}

const live = () => new AbortController().signal;
const sent = (request: FimRequest) => [request.prefix, request.suffix, ...(request.context ?? []).flatMap((c) => [c.path, c.content])].join("\n");

describe("secret values in what completions send", () => {
  let server: ReturnType<typeof createServer>;
  let base = "";
  const bodies: string[] = [];
  before(async () => {
    server = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += String(chunk);
      if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "qwen3.5-test" }] }));
      if (req.url !== "/infill") return void res.writeHead(404).end();
      bodies.push(body);
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ content: "connect()", stop_type: "eos" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => void (bodies.length = 0));

  it("a server elsewhere gets the file's tokens and passwords masked, before and after the cursor, and other files' too", async () => {
    const backend = new RemoteBackend({ baseUrl: base });
    try {
      const engine = new CompletionEngine({
        model: async () => ({ backend, which: "main" }),
        debounce: { initialMs: 0, minMs: 0 },
        recentEdits: () => [{ path: "src/deploy.ts", line: 1, text: `export const deploy = {\n  token: "${TOKEN}",\n};\n` }],
      });
      const { doc, position } = docAt(`const token = "${TOKEN}";\nconst db = new Pool("postgres://app:${PASSWORD}@db.internal/app");\nexport const client = |;\nconst backup = "postgres://app:${PASSWORD}@db2.internal/app";\n`);
      const answer = await engine.complete(doc, position, live());
      assert.equal(answer.text, "connect()");
      assert.equal(bodies.length, 1);
      const body = bodies[0]!;
      assert.ok(!body.includes(TOKEN), "the GitHub token is not sent");
      assert.ok(!body.includes(PASSWORD), "the database password is not sent");
      assert.ok(body.includes("[secret masked: GitHub token]"), body);
      assert.ok(body.includes("deploy.ts"), "the other file's context is still sent, masked");
      assert.ok(body.includes("export const client = "), "the code around the cursor is sent");
    } finally {
      backend.dispose();
    }
  });

  it("the notebook's earlier cells are masked too, and the stable point stays at the cursor line's start", async () => {
    const { engine, backend } = recordingEngine(["read_csv('data.csv')"]);
    const cell = "vscode-notebook-cell:/w/explore.ipynb#W5sZmlsZQ%3D%3D";
    const doc = { uri: cell, path: cell, text: `gh = Github("${TOKEN}")\ndf = pd.\n`, version: 1, inFolder: true, earlierCells: [`KEY = "${TOKEN}"\nimport pandas as pd`] };
    await engine.complete(doc, { line: 1, character: 8 }, live());
    const asked = backend.asked[0]!;
    assert.ok(!sent(asked).includes(TOKEN), sent(asked));
    assert.ok(asked.prefix.endsWith("\ndf = pd."));
    assert.equal(asked.prefix.slice(asked.prefixStableChars!), "df = pd.", "the checkpoint is still where the cursor's line starts");
  });

  it("a window that starts inside a private key block sends none of its lines", async () => {
    const filler = (from: number, count: number) => Array.from({ length: count }, (_, i) => `let v${from + i} = ${from + i};\n`).join("");
    // Lines 0-29, the key's BEGIN on line 31, its body on 32-34; the cursor on line 70.
    const { doc, position } = docAt(`${filler(0, 30)}const pem = \`\n${KEY}\n\`;\n${filler(37, 33)}const n = |\n`, "test/keys.test.ts");
    const whole = recordingEngine(["1;"]);
    await whole.engine.complete(doc, position, live());
    // A window of 40 lines at most starts on line 32, inside the key, below its BEGIN line.
    const windowed = recordingEngine(["1;"], { budget: { prefixLines: 40 } });
    await windowed.engine.complete(doc, position, live());
    for (const asked of [whole.backend.asked[0]!, windowed.backend.asked[0]!]) {
      for (const line of [KEY_LINE, KEY_LINE.toLowerCase()]) assert.ok(!sent(asked).includes(line), sent(asked));
      assert.ok(asked.prefix.endsWith("let v69 = 69;\nconst n = "));
      assert.equal(asked.prefix.slice(asked.prefixStableChars!), "const n = ");
    }
    assert.ok(!windowed.backend.asked[0]!.prefix.includes("let v29"), "the window did start below the key's beginning");
  });

  it("another file's recent edit below a private key sends none of the key's lines", async () => {
    const body = Array.from({ length: 8 }, (_, i) => `${KEY_LINE.slice(i)}${KEY_LINE.slice(0, i)}`);
    const other = ["export const pem = `", "-----BEGIN PRIVATE KEY-----", ...body, "-----END PRIVATE KEY-----", "`;", "export const port = 8443;"].join("\n");
    // The edit on the last line: its 4 lines above start in the key's body, below its BEGIN line.
    const { engine, backend } = recordingEngine(["1;"], { recentEdits: () => [{ path: "src/tls.ts", line: 12, text: other }] });
    const { doc, position } = docAt("const n = |\n");
    await engine.complete(doc, position, live());
    const context = backend.asked[0]!.context ?? [];
    assert.deepEqual(context.map((c) => c.path), ["src/tls.ts"]);
    for (const line of body) assert.ok(!context[0]!.content.includes(line.slice(0, 40)), context[0]!.content);
    assert.ok(context[0]!.content.includes("export const port = 8443;"));
  });

  it("a suffix cut inside a value sends none of it", async () => {
    const { engine, backend } = recordingEngine(["1;"], { budget: { suffixChars: 40 } });
    const { doc, position } = docAt(`const n = |\nconst t = "${TOKEN}";\n`);
    await engine.complete(doc, position, live());
    const asked = backend.asked[0]!;
    assert.ok(!asked.suffix.includes(TOKEN.slice(0, 20)), JSON.stringify(asked.suffix));
  });

  it("with the cursor inside a value nothing is sent and nothing completed", async () => {
    const { engine, backend } = recordingEngine(["SHOULD NOT BE ASKED"]);
    for (const marked of [`const t = "${TOKEN.slice(0, 20)}|${TOKEN.slice(20)}";\n`, `const pem = \`\n${KEY.replace(KEY_LINE.toLowerCase(), `${KEY_LINE.toLowerCase().slice(0, 10)}|${KEY_LINE.toLowerCase().slice(10)}`)}\n\`;\n`]) {
      const { doc, position } = docAt(marked);
      const answer = await engine.complete(doc, position, live());
      assert.equal(answer.text, "");
      assert.equal(answer.record.outcome, "empty");
    }
    assert.equal(backend.asked.length, 0);
  });

  it("a token typed by hand sends nothing once its known prefix and a few characters are there, not only at its full length", async () => {
    // Each keystroke would otherwise send one more of its characters: at 35 of GitHub's 36, the rest is a guess away.
    const { engine, backend } = recordingEngine(["SHOULD NOT BE ASKED"]);
    const slack = "xoxb-1234567890-aB3dE5fG7hJ9kL1mN3pQ";
    const typing = [
      `const t = "${TOKEN.slice(0, 8)}|\n`,
      `const t = "${TOKEN.slice(0, 39)}|\n`,
      `const t = "${TOKEN.slice(0, 6)}|${TOKEN.slice(12, 16)}";\n`,
      `pat = "github_pat_11ABCD|"\n`,
      `OPENAI_API_KEY=sk-proj-aB3|\n`,
      `SLACK=${slack.slice(0, 12)}|\n`,
    ];
    for (const marked of typing) {
      const { doc, position } = docAt(marked);
      assert.equal((await engine.complete(doc, position, live())).text, "", marked);
    }
    assert.deepEqual(backend.asked.map((r) => r.prefix), []);
  });

  it("a token typed most of the way and left so (the cursor moved on) is masked where the prompt shows it, not sent as written", async () => {
    // 35 of GitHub's 36 characters leave the token a guess away; maskSecrets masks only the full shape.
    const { engine, backend } = recordingEngine(["x", "y"]);
    const begun = TOKEN.slice(0, 39);
    const above = docAt(`const t = "${begun}";\nconst u = |\n`);
    await engine.complete(above.doc, above.position, live());
    const below = docAt(`const u = |\nconst t = "github_pat_11ABCDEFGH";\n`);
    await engine.complete(below.doc, below.position, live());
    assert.equal(backend.asked.length, 2);
    assert.ok(!backend.asked[0]!.prefix.includes(begun.slice(4, 16)), backend.asked[0]!.prefix);
    assert.match(backend.asked[0]!.prefix, /const t = "\[secret masked: [^\]]+\]";/);
    assert.ok(!backend.asked[1]!.suffix.includes("11ABCDEFGH"), backend.asked[1]!.suffix);
  });

  it("a token's prefix alone, or a word that only looks like one, is still completed", async () => {
    const words = [`if (t.startsWith("ghp_|`, `const re = /ghp_[A-Za-z0-9]|/;\n`, `<ul class="task-list|">\n`, `<html lang="sk-SK|">\n`, `const registry = process.env.npm_config_regi|\n`];
    const { engine, backend } = recordingEngine(words.map(() => "x"));
    for (const marked of words) {
      const { doc, position } = docAt(marked);
      await engine.complete(doc, position, live());
    }
    assert.equal(backend.asked.length, words.length);
    assert.ok(!backend.asked.some((r) => (r.prefix + r.suffix).includes(MASK_START)), "nothing of them masked");
  });

  it("a kebab-case word after sk- (a CSS class: SpinKit's .sk-fading-circle, .sk-dark-theme) is completed and sent as written", async () => {
    // A real key's body is random, mixed-case: a word of lowercase parts is a name, not a key being typed.
    const css = `.sk-fading-circle .sk-circle12:before {\n  animation-delay: -0.1s;\n}\n.sk-cube-grid .sk-cube {\n  width: 33%;\n}\n`;
    const words = [`${css}.sk-fading-circle .sk-circ|`, `<div class="sk-dark-theme|"></div>\n`, `${css}.sk-|`];
    const { engine, backend } = recordingEngine(words.map(() => "x"));
    for (const marked of words) {
      const { doc, position } = docAt(marked);
      await engine.complete(doc, position, live());
    }
    assert.equal(backend.asked.length, words.length, "each was sent");
    for (const r of backend.asked) assert.ok(!(r.prefix + r.suffix).includes(MASK_START), r.prefix);
    assert.ok(backend.asked[0]!.prefix.includes(".sk-fading-circle .sk-circle12:before {"), backend.asked[0]!.prefix);
  });

  it("a completion that copies a mask is cut before it: Tab would write the mask into the file", async () => {
    const { engine } = recordingEngine([`process.env.TOKEN ?? "[secret masked: GitHub token]";`, "\n  token: \"[secret masked: GitHub token]\",\n  retries: 3,\n};"]);
    const line = docAt(`const token = "${TOKEN}";\nconst other = |\n`);
    assert.equal((await engine.complete(line.doc, line.position, live())).text, "process.env.TOKEN ??");
    const block = docAt(`const a = { token: "${TOKEN}" };\nconst b = {|\n`);
    assert.equal((await engine.complete(block.doc, block.position, live())).text, "", "a block's line holding the mask is not kept, nor any after it");
  });

  it("a file that holds no secret value is sent as it is, mask-like text included", async () => {
    const { engine, backend } = recordingEngine([`"[secret masked: " + kind + "]";`]);
    const { doc, position } = docAt(`// masks look like [secret masked: GitHub token]\nconst mask = |\n`, "src/protocol/secret-values.ts");
    const answer = await engine.complete(doc, position, live());
    assert.equal(backend.asked[0]!.prefix, `// masks look like [secret masked: GitHub token]\nconst mask = `);
    assert.equal(answer.text, `"[secret masked: " + kind + "]";`);
  });
});

describe("WireGuard keys in what completions send", () => {
  // 32 random bytes in base64, as `wg genkey` writes them.
  const PRIVATE = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
  const PRESHARED = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";
  it("a wg0.conf's PrivateKey and PresharedKey go masked; with the cursor in one nothing is sent", async () => {
    const { engine, backend } = recordingEngine(["10.0.0.2/32", "x"]);
    const conf = `[Interface]\nPrivateKey = ${PRIVATE}\nAddress = 10.0.0.1/24\n\n[Peer]\npresharedkey=${PRESHARED}\nAllowedIPs = |\nEndpoint = vpn.internal:51820\n`;
    const { doc, position } = docAt(conf, "deploy/wg0.conf");
    assert.equal((await engine.complete(doc, position, live())).text, "10.0.0.2/32");
    const prompt = sent(backend.asked[0]!);
    for (const key of [PRIVATE, PRESHARED]) assert.ok(!prompt.includes(key.slice(0, 20)), `${key} was sent`);
    assert.ok(prompt.includes(`PrivateKey = ${MASK_START}WireGuard key]`) && prompt.includes(`presharedkey=${MASK_START}WireGuard key]`), prompt);
    const inKey = docAt(`[Interface]\nPrivateKey = ${PRIVATE.slice(0, 20)}|${PRIVATE.slice(20)}\n`, "deploy/wg0.conf");
    assert.equal((await engine.complete(inKey.doc, inKey.position, live())).text, "");
    assert.equal(backend.asked.length, 1, "nothing sent with the cursor in the key");
  });
});

describe("registry credentials in a project's package-manager configuration", () => {
  // Files the model may need to read (a yarnPath, a package source, BUNDLE_PATH): completed, their credential fields masked.
  const files: [string, string, string[], string[]][] = [
    [
      ".yarnrc.yml",
      'nodeLinker: pnp\nyarnPath: .yarn/releases/yarn-4.1.0.cjs\nnpmAuthToken: "Np9xQ2wLk7vRt4ZsYb8cMd3FgHj6KqPa"\nnpmScopes:\n  acme:\n    npmAuthIdent: "deploy:Xk9f2Lq7Pz"\n    npmAuthToken: ${NPM_TOKEN}\n    npmRegistryServer: |\n',
      ["Np9xQ2wLk7vRt4", "deploy:Xk9f2"],
      ['npmAuthToken: "[secret masked: registry credential]"', 'npmAuthIdent: "[secret masked: registry credential]"', "npmAuthToken: ${NPM_TOKEN}", "yarnPath: .yarn/releases/yarn-4.1.0.cjs"],
    ],
    [
      "nuget.config",
      '<configuration>\n  <packageSourceCredentials>\n    <acme>\n      <add key="Username" value="ci" />\n      <add key="ClearTextPassword" value="Xk9f2Lq7Pz-prod" />\n      <add key="Password" value="AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA" />\n    </acme>\n    <other><add key="ClearTextPassword" value="%NUGET_PAT%" /></other>\n  </packageSourceCredentials>\n  |\n</configuration>\n',
      ["Xk9f2Lq7Pz", "AQAAANCMnd8B"],
      ['<add key="ClearTextPassword" value="[secret masked: registry credential]" />', '<add key="Username" value="ci" />', 'value="%NUGET_PAT%"'],
    ],
    [
      ".bundle/config",
      '---\nBUNDLE_PATH: "vendor/bundle"\nBUNDLE_BUILD__NOKOGIRI: "--use-system-libraries"\nBUNDLE_GEMS__CONTRIBSYS__COM: "c0ffee12:f00dbabe"\nBUNDLE_RUBYGEMS__PKG__GITHUB__COM: "octo:ghx9Lk2mQ7"\nBUNDLE_LOCAL__RACK: "/home/me/rack"\nBUNDLE_WITHOUT: |\n',
      ["c0ffee12:f00d", "ghx9Lk2mQ7"],
      ['BUNDLE_GEMS__CONTRIBSYS__COM: "[secret masked: registry credential]"', 'BUNDLE_PATH: "vendor/bundle"', 'BUNDLE_BUILD__NOKOGIRI: "--use-system-libraries"', 'BUNDLE_LOCAL__RACK: "/home/me/rack"'],
    ],
  ];
  for (const [path, text, secrets, shown] of files) {
    it(`${path}: completed, its credentials masked, the rest as written; with the cursor in one nothing is sent`, async () => {
      const { engine, backend } = recordingEngine(["x", "y"]);
      const { doc, position } = docAt(text, path);
      assert.equal((await engine.complete(doc, position, live())).text, "x");
      const prompt = sent(backend.asked[0]!);
      for (const secret of secrets) assert.ok(!prompt.includes(secret), `${path}: ${secret} was sent`);
      for (const line of shown) assert.ok(prompt.includes(line), `${path}: ${line} not in ${prompt}`);
      const value = secrets[0]!;
      const at = text.indexOf(value) + 4;
      const inValue = docAt(`${text.replace("|", "").slice(0, at)}|${text.replace("|", "").slice(at)}`, path);
      assert.equal((await engine.complete(inValue.doc, inValue.position, live())).text, "");
      assert.equal(backend.asked.length, 1, `${path}: nothing sent with the cursor in the credential`);
    });
  }
});
