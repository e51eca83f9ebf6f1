// A review of a run that changed more files than the chat can draw (a formatter run over a
// monorepo, a dataset regenerated; ~120,000 rows passed as arguments stopped the chat from
// drawing at all): the card lists the first of them, says how many more, and Accept all /
// Reject all still decide them all. 20,000 files: enough to show the cap, quick to draw.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startApp } from "./dom-env.ts";
import { conversation, event, stateMessage, transcript } from "./fixtures.ts";

/** The rows the card draws (review-card.ts MAX_REVIEW_ROWS). */
const MAX_REVIEW_ROWS = 500;

describe("review card of a very large change", () => {
  it("lists the first files, says how many more, and keeps Accept all and Reject all", () => {
    const { root, app, host } = startApp();
    app.receive(stateMessage());
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "format everything" }], { runId: "r1" })));
    const files = Array.from({ length: 20_000 }, (_, i) => `src/f${i}.ts`);
    app.receive(event({ type: "review", checkpoint: "cp", summary: "Formatted", files }));
    const card = root.querySelector<HTMLElement>('[data-item="review"]')!;
    assert.ok(card, "the review is drawn");
    const rows = card.querySelectorAll("[data-review-file]");
    assert.equal(rows.length, MAX_REVIEW_ROWS);
    assert.equal((rows[0] as HTMLElement).dataset.reviewFile, "src/f0.ts");
    assert.match(card.querySelector(".review-more")!.textContent!, new RegExp(`and ${(20_000 - MAX_REVIEW_ROWS).toLocaleString("en-US")} more files, not listed: Accept all and Reject all decide them too`));
    const acceptAll = [...card.querySelectorAll("button")].find((b) => b.textContent?.includes("Accept all"))!;
    acceptAll.click();
    assert.deepEqual(host.posted.at(-1), { type: "review", action: "accept", reviewId: card.dataset.id });
  });
});

describe("review card of a fix whose final tests did not finish", () => {
  it("says they did not finish, not that they failed, and what to do", () => {
    const { root, app } = startApp();
    app.receive(stateMessage());
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "fix it" }], { runId: "r1" })));
    const stopped = "they ran past the 600 s limit and were stopped";
    app.receive(event({ type: "review", checkpoint: "cp", summary: "Fixed", files: ["a.py"], tests: { command: "pytest", passed: false, exitCode: null, output: "collected 3 items", stopped } }));
    const block = root.querySelector<HTMLElement>('[data-item="review"] .review-tests')!;
    assert.equal(block.dataset.tests, "unfinished");
    assert.equal(block.querySelector(".review-tests-head")!.textContent, "Tests did not finish");
    assert.equal(block.querySelector(".review-tests-note")!.textContent, `The tests did not finish (${stopped}), so they neither passed nor failed: run them yourself, or give a test command that runs only the tests of the fix (a filter: one test file or test name).`);
  });

  it("a run that ended failing still reads 'Tests failed (exit 1)'", () => {
    const { root, app } = startApp();
    app.receive(stateMessage());
    app.receive(conversation(transcript([{ kind: "user", id: "u", text: "fix it" }], { runId: "r1" })));
    app.receive(event({ type: "review", checkpoint: "cp", summary: "Fixed", files: ["a.py"], tests: { command: "pytest", passed: false, exitCode: 1, output: "1 failed" } }));
    const block = root.querySelector<HTMLElement>('[data-item="review"] .review-tests')!;
    assert.equal(block.dataset.tests, "failed");
    assert.equal(block.querySelector(".review-tests-head")!.textContent, "Tests failed (exit 1)");
    assert.equal(block.querySelector(".review-tests-note"), null);
  });
});
