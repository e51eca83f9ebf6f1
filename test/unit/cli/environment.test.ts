// What hearth says about HEARTH_* variables before a command runs: a log level it does not
// know (it fell back to info without a word), names it cannot print as they are.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { environmentWarnings } from "../../../src/cli/environment.ts";

describe("environmentWarnings", () => {
  it("names a HEARTH_LOG_LEVEL that is no level, with the accepted values", () => {
    assert.deepEqual(environmentWarnings({ HEARTH_LOG_LEVEL: "bogus" }), ["hearth: warning: HEARTH_LOG_LEVEL=bogus is not a log level: give debug, info, warn or error (info is used)"]);
    for (const level of ["debug", "info", "warn", "error", "WARN", ""]) assert.deepEqual(environmentWarnings({ HEARTH_LOG_LEVEL: level }), [], level);
  });
});
