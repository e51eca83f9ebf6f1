// Secret values copied into ordinary files (a key block in a test, a token in a script) are
// masked in what read_file and search give the model, the result says so, and an edit that
// would write a mask back over the real value is refused, nothing written.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { editFileTool } from "../../../src/tools/edit-file.ts";
import { readFileTool } from "../../../src/tools/read-file.ts";
import { runCommandTool } from "../../../src/tools/run-command.ts";
import { searchTool } from "../../../src/tools/search.ts";
import { maskSecrets } from "../../../src/tools/secret-values.ts";
import { runTool } from "../../../src/tools/tool.ts";
import { writeFileTool } from "../../../src/tools/write-file.ts";
import { workspaceWith } from "./helpers/setup.ts";

// Built from parts, so this file is not itself a store of tokens for a scanner to flag.
const GITHUB = `ghp_${"q7Rk2LmZ9vXa".repeat(3)}`;
const GITHUB_PAT = `github_pat_${"11ABCDEFG0".repeat(2)}xy_${"Zq8rT5uW2pLk".repeat(4)}Abc4567890x`;
const SLACK = `xoxb-${"123456789012"}-${"987654321098"}-${"aB3dE5fG7hJ9kL1mN3pQ5rS7"}`;
const OPENAI = `sk-proj-${"Ab3dE5fG7hJ9kL1m".repeat(3)}`;
const AWS_ID = `AKIA${"Q2W3E4R5T6Y7U8I9"}`;
const AWS_SECRET = `${"x9Fq/Lm2+Zr7Tb4Kw8Yp".repeat(2)}`;
const GOOGLE = `AIza${"Sy9kLm2Qx7Rt"}${"B4nVw8Zp3Hc6Jd1Fg5Ks0Ye"}`;
const NPM = `npm_${"Xq4Rt7Lm2Zp9Wv3Kb6Nc8Hd5Fj1Gs0Ty2Uab"}`;
const KEY_BODY = Array.from({ length: 6 }, (_, i) => `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC${i}xyz`);
const KEY = ["-----BEGIN PRIVATE KEY-----", ...KEY_BODY, "-----END PRIVATE KEY-----"].join("\n");

describe("secret values in ordinary files", () => {
  it("masks a private key block, an AWS key pair, GitHub, Slack and OpenAI-style tokens, line numbers kept", () => {
    const text = [`const gh = "${GITHUB}";`, `PAT=${GITHUB_PAT}`, `slack: ${SLACK}`, `OPENAI_API_KEY=${OPENAI}`, `aws_access_key_id = ${AWS_ID}`, `aws_secret_access_key = ${AWS_SECRET}`, KEY, "done"].join("\n");
    const { text: out, masked } = maskSecrets(text);
    for (const value of [GITHUB, GITHUB_PAT, SLACK, OPENAI, AWS_ID, AWS_SECRET, KEY_BODY[0]!, KEY_BODY[5]!]) assert.ok(!out.includes(value), value);
    assert.equal(out.split("\n").length, text.split("\n").length);
    assert.deepEqual(masked.map((m) => `${m.line} ${m.kind}`), ["1 GitHub token", "2 GitHub token", "3 Slack token", "4 API key", "5 AWS access key id", "6 AWS secret access key", "7 private key"]);
    assert.match(out, /^const gh = "\[secret masked: GitHub token\]";$/m);
    assert.match(out, /^-----BEGIN PRIVATE KEY-----\[secret masked: private key\]$/m);
    assert.match(out, /^-----END PRIVATE KEY-----\ndone$/m);
    // A service-account key's block on one line, `\n` escaped.
    const json = `{"private_key": "-----BEGIN PRIVATE KEY-----\\n${KEY_BODY.join("\\n")}\\n-----END PRIVATE KEY-----\\n"}`;
    assert.equal(maskSecrets(json).text, `{"private_key": "-----BEGIN PRIVATE KEY-----[secret masked: private key]-----END PRIVATE KEY-----\\n"}`);
  });

  it("masks Google API keys, npm tokens and the password of a URL (the user and host kept)", () => {
    const text = [`maps.key = "${GOOGLE}"`, `//registry.npmjs.org/:_authToken=${NPM}`, "DATABASE_URL=postgres://app:Xk9f2Lq7Pz@db.internal:5432/app", "git clone https://bot:s3cr3t-Tok3n@git.acme-corp.io/o/r.git"].join("\n");
    const { text: out, masked } = maskSecrets(text);
    assert.deepEqual(masked.map((m) => `${m.line} ${m.kind}`), ["1 Google API key", "2 npm token", "3 password in a URL", "4 password in a URL"]);
    assert.equal(out, [`maps.key = "[secret masked: Google API key]"`, "//registry.npmjs.org/:_authToken=[secret masked: npm token]", "DATABASE_URL=postgres://app:[secret masked: password in a URL]@db.internal:5432/app", "git clone https://bot:[secret masked: password in a URL]@git.acme-corp.io/o/r.git"].join("\n"));
    // Templates, placeholders, a dictionary word, a port (host:port, no user), an e-mail address and placeholder keys stay.
    const ordinary = [
      "postgres://postgres:postgres@localhost/db", "https://user:password@example.com", "mysql://root:${DB_PASSWORD}@db/app",
      "redis://:<password>@host:6379", "http://localhost:8080/x", "mailto:someone@example.com", "https://a.example/x?u=b:c@d",
      `AIza${"x".repeat(35)}`, `npm_${"0".repeat(36)}`, "AIzaSyExampleExampleExampleExample12345", `https://user:%s@host`,
      // A documentation host (RFC 2606, 6761): a README's example, which the model must be able to edit (a masked line can't be).
      "curl https://user:hunter22@example.com/api", "git clone https://bot:s3cr3t-Tok3n@git.example.org/o/r.git", "amqp://guest:Gu3st-2024@broker.example:5672", "postgres://app:Xk9f2Lq7Pz@db.test/app",
    ].join("\n");
    assert.deepEqual(maskSecrets(ordinary), { text: ordinary, masked: [] });
    // Looked through in one pass: a long line of scheme-like words and of colons.
    assert.deepEqual(maskSecrets(`${"https://a:".repeat(200_000)}`).masked, []);
    assert.deepEqual(maskSecrets(`${"a.".repeat(400_000)}://`).masked, []);
  });

  it("leaves hashes, placeholders and fixtures that only name a key as they are", () => {
    const ordinary = [
      "commit 3f786850e387550fdab836ed7e6dc881de23001b", "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "API_KEY=sk-live-123", "key = 'sk-test-fake'", "STRIPE=sk_live_123",
      "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----\nMIIfake\n-----END RSA PRIVATE KEY-----",
      "const className = 'sk-learn-pipeline-step-transformer-wrapper';", "xoxb-not-a-token", "ASIA is a continent",
    ].join("\n");
    assert.deepEqual(maskSecrets(ordinary), { text: ordinary, masked: [] });
  });

  it("a long line of spaces or letters is looked through in one pass: the answer comes back, and it is right", () => {
    // Patterns retried from each position of such a line would take some 10^11 steps.
    const spaces = " ".repeat(400_000);
    assert.deepEqual(maskSecrets(`${spaces}sk- AKIA aws_secret_access_key`).masked, []);
    assert.deepEqual(maskSecrets(`aws_secret_access_key =${spaces}x`).masked, []);
    assert.deepEqual(maskSecrets(`-----BEGIN PRIVATE KEY-----${"A".repeat(400_000)}`).masked.map((m) => m.kind), ["private key"]);
    assert.deepEqual(maskSecrets(`-----BEGIN PRIVATE KEY-----\nProc-Type${"A".repeat(400_000)}\n-----END PRIVATE KEY-----`).masked.map((m) => m.kind), ["private key"]);
    // A run of millions of token characters after a token's prefix (a minified bundle, a dump) is an answer, not a thrown RangeError.
    const run = "a1B2".repeat(2_500_000);
    for (const line of [`sk-${run}`, `sk_live_${run}`, `xoxb-123456789012-${run}`]) assert.ok(Array.isArray(maskSecrets(line).masked), line.slice(0, 12));
    assert.equal(maskSecrets(`x ${OPENAI} ${run}`).text, `x [secret masked: API key] ${run}`);
    // Key blocks that never end, each looked through to the next one rather than to the file's end.
    assert.deepEqual(maskSecrets("a: -----BEGIN PRIVATE KEY-----\n".repeat(200_000)).masked, []);
    assert.equal(maskSecrets(`-----BEGIN PRIVATE KEY-----\nshort\n${KEY}`).masked.length, 1);
    assert.equal(maskSecrets(`AWS_SECRET_ACCESS_KEY="${AWS_SECRET}"`).text, 'AWS_SECRET_ACCESS_KEY="[secret masked: AWS secret access key]"');
  });

  it("read_file and search show the masks and say so; the user's file is unchanged", async () => {
    const content = `import os\nTOKEN = "${GITHUB}"\nBOT = "${SLACK}"\n`;
    const { root, ctx } = workspaceWith({ "deploy/notify.py": content, "tests/keys.py": `KEY = """${KEY}"""\n` });
    const read = await runTool(readFileTool, { path: "deploy/notify.py" }, ctx);
    assert.equal(read.ok, true, read.text);
    assert.ok(!read.text.includes(GITHUB) && !read.text.includes(SLACK), read.text);
    assert.match(read.text, /^2\| TOKEN = "\[secret masked: GitHub token\]"$/m);
    assert.match(read.text, /\[Masked 2 values that look like secrets \(GitHub token, line 2; Slack token, line 3\): not shown to the model/);
    const found = await runTool(searchTool, { pattern: "TOKEN|BOT|MII" }, ctx);
    assert.equal(found.ok, true, found.text);
    assert.ok(!found.text.includes(GITHUB) && !found.text.includes(KEY_BODY[1]!), found.text);
    assert.match(found.text, /^deploy\/notify\.py:2: TOKEN = "\[secret masked: GitHub token\]"$/m);
    assert.match(found.text, /\[Masked 2 values that look like secrets \(GitHub token, deploy\/notify\.py:2; Slack token, deploy\/notify\.py:3\)/);
    assert.ok(!JSON.stringify(found.data).includes(GITHUB), "the hits the UI records");
    // The pattern is matched against what the model is shown: which guesses match would spell the value out, one character at a time.
    const guess = await runTool(searchTool, { pattern: `TOKEN = "${GITHUB.slice(0, 6)}` }, ctx);
    assert.match(guess.text, /^No matches/, guess.text);
    // A search for the tokens themselves (to move them to the environment) is not told there are none: it is told where masked values are.
    const tokens = await runTool(searchTool, { pattern: "ghp_\\w+|xox[bp]-" }, ctx);
    assert.match(tokens.text, /^No matches/, tokens.text);
    assert.match(tokens.text, /values that look like secrets are masked .*: deploy\/notify\.py, tests\/keys\.py hold some .*search for "secret masked"/, tokens.text);
    assert.ok(!tokens.text.includes(GITHUB.slice(0, 8)), tokens.text);
    assert.equal(readFileSync(join(root, "deploy/notify.py"), "utf8"), content);
    // A range inside a masked key block shows its lines empty, and says why.
    const inside = await runTool(readFileTool, { path: "tests/keys.py", start_line: 3, end_line: 5 }, ctx);
    assert.match(inside.text, /^3\| $/m);
    assert.match(inside.text, /\[Masked 1 value that looks like a secret \(private key, lines 1-8\)/, inside.text);
  });

  it("every tool's result is masked too: an edit that does not match ('did you mean' quotes the file), a command's output", async () => {
    const { ctx } = workspaceWith({ "notify.py": `import os\nTOKEN = "${GITHUB}"\nRETRIES = 3\n` });
    const edit = await runTool(editFileTool, { path: "notify.py", old_text: "TOKEN = 'x'\nRETRIES = 3", new_text: "RETRIES = 4" }, ctx);
    assert.equal(edit.ok, false);
    assert.ok(!edit.text.includes(GITHUB), edit.text);
    const shown = await runTool(runCommandTool, { command: "cat notify.py" }, ctx);
    assert.ok(!shown.text.includes(GITHUB), shown.text);
    assert.match(shown.text, /TOKEN = "\[secret masked: GitHub token\]"/);
    assert.match(shown.text, /\[Masked 1 value that looks like a secret \(GitHub token, in this result\)/);
  });

  it("an edit or a write holding a mask into a file that holds the real value is refused, nothing written; edits around it run", async () => {
    const content = `import os\nTOKEN = "${GITHUB}"\nRETRIES = 3\n`;
    const { root, ctx } = workspaceWith({ "notify.py": content, "docs/masks.md": "Hearth shows [secret masked: GitHub token] in its place.\n" });
    const file = () => readFileSync(join(root, "notify.py"), "utf8");
    const edit = await runTool(editFileTool, { path: "notify.py", old_text: 'TOKEN = "[secret masked: GitHub token]"\nRETRIES = 3', new_text: 'TOKEN = "[secret masked: GitHub token]"\nRETRIES = 5' }, ctx);
    assert.equal(edit.ok, false);
    assert.match(edit.text, /stands for a secret value the file holds and you were not shown/);
    assert.ok(!edit.text.includes(GITHUB), edit.text);
    await runTool(readFileTool, { path: "notify.py" }, ctx);
    const write = await runTool(writeFileTool, { path: "notify.py", content: 'import os\nTOKEN = "[secret masked: GitHub token]"\nRETRIES = 5\n' }, ctx);
    assert.equal(write.ok, false, write.text);
    assert.equal(file(), content);
    const around = await runTool(editFileTool, { path: "notify.py", old_text: "RETRIES = 3", new_text: "RETRIES = 5" }, ctx);
    assert.equal(around.ok, true, around.text);
    assert.equal(file(), content.replace("RETRIES = 3", "RETRIES = 5"));
    // A file that holds a mask as plain text, and no secret, is edited as any other.
    const doc = await runTool(editFileTool, { path: "docs/masks.md", old_text: "shows [secret masked: GitHub token]", new_text: "writes [secret masked: GitHub token]" }, ctx);
    assert.equal(doc.ok, true, doc.text);
  });
});
