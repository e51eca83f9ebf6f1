// HEARTH_LOG_LEVEL: a value that is none of the levels fell back to info without a word; the
// runtime now says so on its log, once, naming the accepted values.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { parseLogLevel } from "../../../src/runtime/log.ts";

const LOG = resolve(import.meta.dirname, "../../../src/runtime/log.ts");

describe("HEARTH_LOG_LEVEL", () => {
  it("reads the four levels, in any case, and calls anything else a problem that leaves info", () => {
    assert.deepEqual(parseLogLevel(undefined), { level: "info" });
    assert.deepEqual(parseLogLevel(""), { level: "info" });
    assert.deepEqual(parseLogLevel("debug"), { level: "debug" });
    assert.deepEqual(parseLogLevel(" Error "), { level: "error" });
    for (const value of ["bogus", "constructor", "toString", "verbose"]) {
      const parsed = parseLogLevel(value);
      assert.equal(parsed.level, "info", value);
      assert.equal(parsed.problem, `HEARTH_LOG_LEVEL=${value} is not a log level: give debug, info, warn or error (info is used)`);
    }
    assert.match(parseLogLevel("\u001b[2J\u00e9").problem ?? "", /^HEARTH_LOG_LEVEL=\\x1b\[2J\\u00e9 is not a log level/);
  });

  it("is said once on the runtime's log when the client's sink is set, and debug lines stay out", () => {
    const script = `
      const { log, setLogSink } = await import(${JSON.stringify(LOG)});
      const lines = [];
      setLogSink((level, text) => lines.push(level + " " + text));
      log("debug", "hidden");
      log("info", "shown");
      setLogSink((level, text) => lines.push("again " + level + " " + text));
      process.stdout.write(JSON.stringify(lines));`;
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, HEARTH_LOG_LEVEL: "bogus" }, timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ["warn HEARTH_LOG_LEVEL=bogus is not a log level: give debug, info, warn or error (info is used)", "info shown"]);
  });
});
