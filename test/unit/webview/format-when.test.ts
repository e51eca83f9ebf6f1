// The history list's times (formatWhen) with the clock moved and across days: "yesterday" is
// the calendar day, not 24 to 48 hours; a time ahead of the clock is its date, not "just now".
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { formatWhen } from "../../../src/webview/dom.ts";

const savedTz = process.env.TZ;
process.env.TZ = "America/New_York";
after(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** A local time in New York (the offset given: -05:00 in winter, -04:00 in summer). */
const at = (iso: string) => new Date(iso).getTime();

describe("formatWhen", () => {
  it("says minutes and hours as before", () => {
    const now = at("2026-12-07T15:00:00-05:00");
    assert.equal(formatWhen(now - 30_000, now), "just now");
    assert.equal(formatWhen(now - 5 * 60_000, now), "5 min ago");
    assert.equal(formatWhen(now - 3 * 3_600_000, now), "3 h ago");
    assert.equal(formatWhen(at("2026-12-06T09:00:00-05:00"), now), "yesterday");
    assert.equal(formatWhen(at("2026-11-20T09:00:00-05:00"), now), "Nov 20");
  });

  it("says 'yesterday' only of the day before today", () => {
    // 25.5 hours before half past midnight: the day before yesterday.
    assert.equal(formatWhen(at("2026-12-05T23:00:00-05:00"), at("2026-12-07T00:30:00-05:00")), "Dec 5");
    // Over a change to summer time (a day of 23 hours): 23.5 hours, yesterday's morning.
    assert.equal(formatWhen(at("2026-03-08T08:30:00-05:00"), at("2026-03-09T09:00:00-04:00")), "23 h ago");
    assert.equal(formatWhen(at("2026-03-08T01:30:00-05:00"), at("2026-03-09T09:00:00-04:00")), "yesterday");
  });

  it("gives a time saved while the clock was ahead as its date, not 'just now'", () => {
    const now = at("2026-12-07T15:00:00-05:00");
    assert.equal(formatWhen(now + 365 * 86_400_000, now), "Dec 7, 2027");
    assert.equal(formatWhen(now + 3 * 3_600_000, now), "Dec 7");
    assert.equal(formatWhen(now + 30_000, now), "just now", "a few seconds between two processes' clocks");
  });

  it("names the year of a date from another year", () => {
    assert.equal(formatWhen(at("2025-12-01T12:00:00-05:00"), at("2026-12-07T15:00:00-05:00")), "Dec 1, 2025");
  });
});
