/**
 * run_tests with the Python interpreter the user chose outside the project's files (the
 * editor's selected environment, `python.defaultInterpreterPath`, the shell's activated venv
 * or conda environment): a venv kept elsewhere ran nothing, the workspace's own .venv or the
 * python3 on PATH was taken, and the tests ended "No module named …". Real venvs
 * (`python3 -m venv`; --system-site-packages where pytest is needed, as nothing can be
 * installed here without the network).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type ChosenPython, DiskWorkspace, detectTestCommand, pythonFromShell, runTool } from "../../../src/tools/index.ts";
import { runTestsTool, testRunShown } from "../../../src/tools/run-tests.ts";
import { configuredRunner } from "../../../src/tools/test-runners.ts";
import { runFinalTests } from "../../../src/agent/fix.ts";
import { tempDir } from "../../fixtures/temp.ts";

function project(files: Record<string, string>): string {
  const dir = tempDir("hearth-chosen-");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** A real venv at `at`, whose site-packages gets `projdep.py` where `withDependency`; `withPytest`: it sees the system's packages. */
function venv(at: string, withPytest: boolean, withDependency = true): string {
  execFileSync("python3", ["-m", "venv", "--without-pip", ...(withPytest ? ["--system-site-packages"] : []), at]);
  const lib = join(at, "lib");
  if (withDependency) writeFileSync(join(lib, readdirSync(lib)[0]!, "site-packages", "projdep.py"), "VALUE = 42\n");
  return join(at, "bin", "python");
}

const TEST_USING_DEPENDENCY = "import projdep\n\ndef test_dep():\n    assert projdep.VALUE == 42\n";
const SELECTED = "the interpreter selected in VS Code's Python extension";
const ctx = (dir: string, python?: ChosenPython) => ({ workspace: new DiskWorkspace(dir), signal: new AbortController().signal, ...(python ? { python } : {}) });

describe("run_tests with the Python interpreter the user chose", { skip: process.platform === "win32" && "venvs here are made with bin/" }, () => {
  it("runs pytest with a venv outside the workspace, over the workspace's own .venv, and the question names it", async () => {
    const dir = project({ "pyproject.toml": "[project]\nname = 'p'\n", "tests/test_dep.py": TEST_USING_DEPENDENCY });
    venv(join(dir, ".venv"), false, false);
    const elsewhere = tempDir("hearth-chosen-env-");
    const python = { program: venv(join(elsewhere, "env"), true), from: SELECTED };
    const detected = await detectTestCommand(new DiskWorkspace(dir), python);
    assert.equal(detected?.command, `${python.program} -m pytest -q`);
    assert.equal(detected?.because.startsWith(`pyproject.toml (a Python project), with ${SELECTED}: ${python.program}`), true, detected?.because);
    const asked = await runTestsTool.describeRun!({}, ctx(dir, python));
    assert.match(asked ?? "", new RegExp(`^\`${python.program.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} -m pytest -q\` \\(pyproject\\.toml \\(a Python project\\), with the interpreter selected`));
    const run = await runTool(runTestsTool, {}, ctx(dir, python));
    assert.ok(run.ok);
    assert.match(run.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/);
  });

  it("quotes an interpreter whose path holds a space, for the shell", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", "test_dep.py": TEST_USING_DEPENDENCY });
    const elsewhere = tempDir("hearth-chosen-env-");
    const python = { program: venv(join(elsewhere, "my envs", "p"), true), from: SELECTED };
    const run = await runTool(runTestsTool, {}, ctx(dir, python));
    assert.ok(run.ok);
    assert.equal(run.text.startsWith(`$ '${python.program}' -m pytest -q  (`), true, run.text.split("\n")[0]);
    assert.match(run.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/);
  });

  it("says pytest is not installed for the chosen interpreter, with the command that installs it there", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", "test_a.py": "def test_a():\n    pass\n" });
    const python = { program: venv(join(tempDir("hearth-chosen-env-"), "env"), false), from: SELECTED };
    const run = await runTool(runTestsTool, {}, ctx(dir, python));
    assert.ok(run.ok);
    assert.ok(run.text.includes(`[tests did not run: pytest is not installed for ${SELECTED}, ${python.program} (exit code 1); install it there: ${python.program} -m pip install pytest (or the project's test dependencies), or choose the interpreter that has them]`), run.text);
  });

  it("runs the workspace's .venv where the chosen interpreter is not there any more, and says so", async () => {
    const dir = project({ "pyproject.toml": "[project]\nname = 'p'\n", "tests/test_dep.py": TEST_USING_DEPENDENCY });
    venv(join(dir, ".venv"), true);
    const gone = join(tempDir("hearth-chosen-env-"), "removed", "bin", "python");
    const run = await runTool(runTestsTool, {}, ctx(dir, { program: gone, from: SELECTED }));
    assert.ok(run.ok);
    assert.match(run.text, /^\$ \.venv\/bin\/python -m pytest -q /);
    assert.ok(run.text.split("\n")[0]!.includes(`; not with ${SELECTED}, ${gone}, which is not there)`), run.text.split("\n")[0]);
    assert.match(run.text, /\[tests PASSED: 1 passed, 0 failed; exit code 0\]/);
  });

  it("says a chosen interpreter that is a folder (an environment's, not its python) is one, and runs the workspace's .venv", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", "test_a.py": "def test_a():\n    pass\n" });
    venv(join(dir, ".venv"), true, false);
    const folder = tempDir("hearth-chosen-env-");
    const detected = await detectTestCommand(new DiskWorkspace(dir), { program: folder, from: SELECTED });
    assert.equal(detected?.command, ".venv/bin/python -m pytest -q");
    assert.ok(detected!.because.includes(`; not with ${SELECTED}, ${folder}, which is a folder, not a program: choose the python in it (bin/python, or Scripts\\python.exe on Windows)`), detected!.because);
  });

  it("names a chosen interpreter inside the workspace by its path there, and shows it whole where it is a script", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", "envs/p/pyvenv.cfg": "home = /usr/bin\n", "envs/p/bin/python": "#!/bin/sh\necho planted\n" });
    const detected = await detectTestCommand(new DiskWorkspace(dir), { program: join(dir, "envs", "p", "bin", "python"), from: SELECTED });
    assert.equal(detected?.command, "envs/p/bin/python -m pytest -q");
    assert.match(detected!.because, new RegExp(`with ${SELECTED}: envs/p/bin/python; envs/p/bin/python is a file in the workspace, not a link to an installed Python: it runs as the file says: #!/bin/sh\necho planted`));
  });
});

describe("the chosen interpreter's command, as sh reads it", { skip: process.platform === "win32" && "sh paths" }, () => {
  it("still names pytest's settings where the interpreter is quoted: the folder a filter names, and the root's where fix mode passes the command as configured", async () => {
    const dir = project({ "pytest.ini": "[pytest]\naddopts = -p root_plugin\n", "sub/pytest.ini": "[pytest]\naddopts = -p sub_plugin\n", "sub/test_a.py": "def test_a():\n    pass\n" });
    const python = { program: venv(join(tempDir("hearth-chosen-env-"), "my envs", "p"), true, false), from: SELECTED };
    const workspace = new DiskWorkspace(dir);
    const asked = await testRunShown(workspace, undefined, "sub/test_a.py", python);
    assert.ok(asked?.includes("sub/pytest.ini: addopts = -p sub_plugin"), asked);
    const detected = await detectTestCommand(workspace, python);
    assert.equal(detected?.command, `'${python.program}' -m pytest -q`);
    const configured = await configuredRunner(detected!.command, workspace);
    assert.ok(configured.because.includes("pytest.ini: addopts = -p root_plugin"), configured.because);
  });

  it("names the filter's folder's pytest settings for a chosen PyPy or free-threaded python too", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", "sub/pytest.ini": "[pytest]\naddopts = -p sub_plugin\n" });
    const bin = join(tempDir("hearth-chosen-env-"), "bin");
    for (const name of ["pypy3", "python3.13t"]) {
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, name), "");
      const asked = await testRunShown(new DiskWorkspace(dir), undefined, "sub/test_a.py", { program: join(bin, name), from: SELECTED });
      assert.ok(asked?.includes("sub/pytest.ini: addopts = -p sub_plugin"), asked);
    }
  });

  it("runs a chosen interpreter in the workspace's root (CPython's in-tree ./python), not the python on PATH; nor reads a first folder with = as a variable", async () => {
    const script = (name: string) => `#!/bin/sh\necho "ran ${name}: 1 passed"\n`;
    const dir = project({ "pytest.ini": "[pytest]\n", python: script("root"), "PY=3.12/bin/python": script("PY=3.12") });
    chmodSync(join(dir, "python"), 0o755);
    chmodSync(join(dir, "PY=3.12", "bin", "python"), 0o755);
    for (const [program, said] of [["python", "root"], ["PY=3.12/bin/python", "PY=3.12"]] as const) {
      const detected = await detectTestCommand(new DiskWorkspace(dir), { program: join(dir, program), from: SELECTED });
      assert.equal(detected?.command, `./${program} -m pytest -q`);
      const run = await runTool(runTestsTool, {}, ctx(dir, { program: join(dir, program), from: SELECTED }));
      assert.ok(run.text.includes(`ran ${said}: 1 passed`), run.text);
    }
  });
});

describe("Fix This Issue with the chosen interpreter", { skip: process.platform === "win32" && "sh paths" }, () => {
  it("says where the interpreter was chosen, and shows a script in the workspace, though the detected command is passed on as configured", async () => {
    const dir = project({ "pytest.ini": "[pytest]\n", python: "#!/bin/sh\necho planted\n" });
    chmodSync(join(dir, "python"), 0o755);
    const python = { program: join(dir, "python"), from: SELECTED };
    const detected = await detectTestCommand(new DiskWorkspace(dir), python);
    const shown = await runTestsTool.describeRun!({}, { ...ctx(dir, python), testCommand: detected!.command });
    const final: string[] = [];
    await runFinalTests({ command: detected!.command, cwd: dir, policy: "ask", python, signal: new AbortController().signal, approve: async (request) => (final.push(request.runs ?? ""), false) });
    for (const asked of [shown ?? "", final[0] ?? ""]) {
      assert.ok(asked.includes(`with ${SELECTED}: python; python is a file in the workspace`) && asked.includes("#!/bin/sh"), asked);
    }
  });
});

describe("the Python environment activated in hearth's shell", () => {
  it("is $VIRTUAL_ENV's python, before $CONDA_PREFIX's", () => {
    assert.deepEqual(pythonFromShell({ VIRTUAL_ENV: "/home/ada/.cache/pypoetry/virtualenvs/p-x-py3.12", CONDA_PREFIX: "/opt/conda/envs/e", CONDA_DEFAULT_ENV: "e" }, "linux"), { program: "/home/ada/.cache/pypoetry/virtualenvs/p-x-py3.12/bin/python", from: "the virtual environment activated in your shell ($VIRTUAL_ENV)" });
    assert.deepEqual(pythonFromShell({ CONDA_PREFIX: "/opt/conda/envs/e", CONDA_DEFAULT_ENV: "e" }, "linux"), { program: "/opt/conda/envs/e/bin/python", from: "the conda environment activated in your shell ($CONDA_PREFIX)" });
  });

  it("is not conda's base, which conda activates in every shell, nor anything where none is activated", () => {
    assert.equal(pythonFromShell({ CONDA_PREFIX: "/opt/conda", CONDA_DEFAULT_ENV: "base" }, "linux"), undefined);
    assert.equal(pythonFromShell({ VIRTUAL_ENV: "", PATH: "/usr/bin" }, "linux"), undefined);
  });
});
