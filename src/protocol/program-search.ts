/**
 * Where programs and native libraries are looked for, for processes that run in a repository
 * somebody else wrote: the VS Code runtime (src/extension/runtime-env.ts) and the hearth CLI
 * with the runtime it starts (src/cli). An empty or relative entry in PATH or
 * LD_LIBRARY_PATH / DYLD_* stands for the folder a program runs in — a CUDA setup's
 * `LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/usr/local/cuda/lib64` with the variable unset starts
 * with one — so every git run there (checkpoints, the history, the checkout's top) and every
 * agent command would load the repository's own `libz.so.1` or run its `./git`. Windows
 * (libuv's spawn, cmd.exe) also looks for a bare program name in that folder before PATH,
 * unless NoDefaultCurrentDirectoryInExePath is set (its presence counts, not its value) in the
 * environment of the process that starts the program: the CLI sets it in its own
 * (cli/environment.ts ownProgramSearch), the processes it starts inherit it.
 */
/** Lists of folders searched for programs and native libraries (compared upper-case: Windows spells it `Path`). */
const SEARCH_PATHS = new Set(["PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH"]);

/**
 * `env` with its search paths cut to their absolute entries (a list left empty is left out)
 * and, on Windows, NoDefaultCurrentDirectoryInExePath set; the other variables as they are.
 * `platform`: whose path rules.
 */
export function programSearchEnv(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const safe: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const kept = SEARCH_PATHS.has(name.toUpperCase()) ? absoluteEntries(value, platform) : value;
    // A variable set to nothing is kept as it is (CUDA_VISIBLE_DEVICES= hides every GPU): only a search path the cut empties is left out.
    if (kept || !SEARCH_PATHS.has(name.toUpperCase())) safe[name] = kept;
  }
  if (platform === "win32") safe.NoDefaultCurrentDirectoryInExePath = "1";
  return safe;
}

/** A search path without its empty and relative entries; empty when nothing is left. */
function absoluteEntries(list: string, platform: NodeJS.Platform): string {
  if (platform !== "win32") return list.split(":").filter((entry) => POSIX_ABSOLUTE.test(entry)).join(":");
  // A Windows entry may be quoted ("C:\Program Files\Git\cmd", as installers write it): libuv and cmd.exe take the quotes off.
  return windowsEntries(list).filter((entry) => WINDOWS_ABSOLUTE.test(entry.replace(/^["']/, "").replace(/["']$/, ""))).join(";");
}

/**
 * A Windows search path's entries as libuv's search_path cuts them: a ';' ends an entry, except
 * inside a quote (" or ') that opens it ("C:\Tools;v2\bin" is one folder); a quote that never
 * closes runs to the end. Each entry keeps its quotes.
 */
function windowsEntries(list: string): string[] {
  const entries: string[] = [];
  for (let start = 0; start <= list.length; ) {
    const quote = list[start] === '"' || list[start] === "'" ? list.indexOf(list[start]!, start + 1) : start;
    const end = quote === -1 ? -1 : list.indexOf(";", quote);
    const stop = end === -1 ? list.length : end;
    entries.push(list.slice(start, stop));
    start = stop + 1;
  }
  return entries;
}

/** Absolute as node:path reads it (src/protocol imports no node module): `/…`; on Windows `C:\…`, `C:/…`, `\\server\…` or `\…`. */
const POSIX_ABSOLUTE = /^\//;
const WINDOWS_ABSOLUTE = /^(?:[A-Za-z]:)?[\\/]/;

/**
 * The program a shell could not run (its exit status 127), from the last line where it says
 * so: `SHELL: [LINE: ]PROGRAM: WHY` — dash's `sh: 1: jest: not found`, bash's `bash: line 1:
 * jest: command not found`, `sh: jest: …`. Read by its shape, not its words: bash says WHY in
 * the user's language ("sh: Zeile 1: jest: Kommando nicht gefunden.", French with a
 * no-break space before the colon), where sh is bash (Fedora, Arch), and so for every npm script
 * there. A path it could not run (`.venv/bin/python: No such file or directory`) is named as written. Undefined where no shell said it.
 */
export function missingProgram(output: string): string | undefined {
  return [...output.matchAll(SHELL_CANNOT_RUN)].at(-1)?.[1];
}

/**
 * A shell's own line (sh, bash, dash, ksh, by name or path), its line number in any language ("Zeile 1", "1", "行 1") or none, then the program.
 * The words before the number hold no digit: where they could, a line "sh: 111…" tried every split of its digits between them (quadratic: seconds on a test's long line).
 */
const SHELL_CANNOT_RUN = /^(?:\S*\/)?(?:ba|da|k|mk)?sh: (?:[^:\n\d]*\d+: )?([^\s:]+)\s?: \S[^\n]*$/gm;
