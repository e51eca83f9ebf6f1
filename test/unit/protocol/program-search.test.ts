/**
 * The program a shell could not run (exit 127), read from its message in any language: bash
 * says it in the user's locale ("Kommando nicht gefunden"), where sh is bash (Fedora, Arch)
 * and for every npm script there.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { missingProgram } from "../../../src/protocol/program-search.ts";

describe("missingProgram", () => {
  it("names the program from dash's, bash's and sh-as-bash's message, in English and translated", () => {
    const cases: Array<[string, string]> = [
      ["sh: 1: jest: not found\n", "jest"],
      ["bash: line 1: jest: command not found\n", "jest"],
      ["sh: jest: command not found\n", "jest"],
      ["sh: Zeile 1: jest: Kommando nicht gefunden.\n", "jest"],
      ["bash: ligne 1: jest\u00a0: commande introuvable\n", "jest"],
      ["bash: 行 1: jest: コマンドが見つかりません\n", "jest"],
      ["bash: satır 1: .venv/bin/python: Böyle bir dosya ya da dizin yok\n", ".venv/bin/python"],
      ["/bin/sh: Zeile 1: .venv/bin/python: Datei oder Verzeichnis nicht gefunden\n", ".venv/bin/python"],
      ["\n> p@1.0.0 test\n> jest\n\nsh: Zeile 1: jest: Kommando nicht gefunden.\nnpm error Lifecycle script `test` failed with error:\nnpm error code 127\nnpm error command sh -c jest\n", "jest"],
    ];
    for (const [output, program] of cases) assert.equal(missingProgram(output), program, output);
  });

  it("names nothing where no shell said it (a program's own output, nothing at all)", () => {
    for (const output of ["", "Error: Cannot find module 'x'\n", "FAILED test_a.py::test_x - AssertionError: 1 != 2\n", "E   ModuleNotFoundError: No module named 'requests'\n"]) {
      assert.equal(missingProgram(output), undefined, output);
    }
  });

  it("reads a long line that starts like a shell's in linear time", () => {
    // In a child process: a test's own line "sh: 111…" of digits made the line-number part backtrack over every split of them (some 20 s for 200 KB), the event loop held.
    const code = `
      import { missingProgram } from ${JSON.stringify(new URL("../../../src/protocol/program-search.ts", import.meta.url).href)};
      const digits = "1".repeat(200_000);
      process.stdout.write(String([missingProgram("sh: " + digits), missingProgram("sh: " + digits + ": x"), missingProgram("sh: line " + digits + ": jest: not found")]));`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000 });
    assert.equal(child.signal, null, "the match did not finish");
    assert.equal(child.stdout, `,${"1".repeat(200_000)},jest`, child.stderr);
  });

  it("reads bash's real message in each locale installed here", () => {
    const locales = spawnSync("locale", ["-a"], { encoding: "utf8" }).stdout?.split("\n").filter((l) => /^(?:de_DE|fr_FR|ja_JP|tr_TR|es_ES|ru_RU)\.utf-?8$/i.test(l)) ?? [];
    for (const locale of locales) {
      for (const program of ["hearth-no-such-jest", "./no-such-dir/python"]) {
        const run = spawnSync("bash", ["-c", program], { encoding: "utf8", env: { ...process.env, LC_ALL: locale, LANGUAGE: "" } });
        assert.equal(run.status, 127);
        assert.equal(missingProgram(run.stderr), program, `${locale}: ${run.stderr}`);
      }
    }
  });
});
