// The insight views' decisions: bar order, head habits, steady embedding axes, the temperature scale, the pacer.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  END_GLYPH, Pacer, TEMPERATURES, alignSigns, barsSummary, headHabit, mapBounds, nearestTemperatureIndex, percent, sortedBars,
  tokenKind,
} from "../../web/insight/insight.js";

const REPLY = { vocab: ["a", "b", "c"], end_id: 3, probs: [0.2, 0.05, 0.05, 0.7], probs_t1: [0.25, 0.25, 0.25, 0.25] };

test("bars are sorted by probability, with the end token under its one glyph", () => {
  const bars = sortedBars(REPLY);
  assert.deepEqual(bars.map((bar) => bar.label), [END_GLYPH, "a", "b", "c"]);
  assert.equal(bars[0].isEnd, true);
  assert.equal(bars[1].probT1, 0.25);
  assert.equal(bars.length, 4, "every token has a bar, the end token too");
});

test("percents: whole for likely tokens, a decimal for rare ones, never 0% for a possible one", () => {
  assert.deepEqual([0.7, 0.05, 0.0004, 0].map(percent), ["70%", "5.0%", "<0.1%", "0%"]);
});

test("the caption names the top continuations in words", () => {
  const text = barsSummary("ma", sortedBars(REPLY), 0.5, 2);
  assert.equal(text, "After “ma”, at temperature 0.5, the model picks end (also start) 70%, “a” 20%.");
  assert.match(barsSummary("", sortedBars(REPLY), 1), /^At the start of a name/);
});

test("a head that looks at the previous token is called so", () => {
  const previous = [[1], [1, 0], [0.1, 0.8, 0.1], [0.1, 0.1, 0.7, 0.1]];
  const habit = headHabit(previous);
  assert.equal(habit.kind, "previous");
  assert.equal(habit.text, "75% to previous letter");
});

test("a head that looks at the start, and one that spreads out", () => {
  assert.equal(headHabit([[1], [0.9, 0.1], [0.8, 0.1, 0.1]]).text, "80% to start");
  const spread = headHabit([[1], [0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.25, 0.25, 0.25, 0.25],
    [0.2, 0.2, 0.2, 0.2, 0.2]]);
  assert.match(spread.text, /spread out/);
  assert.match(headHabit([[1]]).text, /only one position/);
});

test("an axis that flipped since the last frame is flipped back", () => {
  const previous = [[1, 2], [-1, -2], [3, 1]];
  const mirrored = previous.map(([x, y]) => [-x, y]);
  const { points, flips } = alignSigns(mirrored, previous);
  assert.deepEqual(flips, [-1, 1]);
  assert.deepEqual(points, previous);
  assert.deepEqual(alignSigns(previous, null).flips, [1, 1]);
  assert.deepEqual(alignSigns(previous, previous.slice(1)).points, previous, "a different vocabulary starts fresh");
});

test("the map's bounds fit every point and never shrink", () => {
  const bound = mapBounds([[0.5, -2], [1, 1]]);
  assert.ok(bound >= 2);
  assert.equal(mapBounds([[0.1, 0.1]], bound), bound);
  assert.ok(mapBounds([[0, 0]]) > 0);
});

test("temperatures are log-spaced from 0.1 to 3, and a typed value finds its nearest step", () => {
  assert.equal(TEMPERATURES[0], 0.1);
  assert.equal(TEMPERATURES.at(-1), 3);
  assert.equal(TEMPERATURES[nearestTemperatureIndex(0.5)], 0.5);
  assert.equal(TEMPERATURES[nearestTemperatureIndex(0.9)], 1);
  assert.equal(TEMPERATURES[nearestTemperatureIndex(10)], 3);
});

test("tokens are classed as vowels, others and the end token", () => {
  assert.equal(tokenKind("e", false), "vowel");
  assert.equal(tokenKind("E", false), "vowel");
  assert.equal(tokenKind("k", false), "other");
  assert.equal(tokenKind(END_GLYPH, true), "end");
});

test("the pacer asks at most every interval, only when visible, one request at a time", () => {
  const pacer = new Pacer(250);
  assert.equal(pacer.wants(0, { visible: false }), false);
  assert.equal(pacer.wants(0, { visible: true }), true);
  pacer.asked(0);
  assert.equal(pacer.wants(300, { visible: true }), false, "one request in flight at a time");
  pacer.answered();
  assert.equal(pacer.wants(100, { visible: true }), false, "too soon after the last");
  assert.equal(pacer.wants(260, { visible: true }), true);
});

test("an edit is always answered, once the reply in flight is back", () => {
  const pacer = new Pacer(250);
  pacer.asked(0);
  assert.equal(pacer.wants(10, { visible: true, edited: true }), false);
  pacer.answered();
  assert.equal(pacer.wants(20, { visible: true }), true, "the edit made while waiting is still wanted");
  pacer.asked(20);
  pacer.answered();
  assert.equal(pacer.wants(30, { visible: true }), false);
  assert.equal(pacer.wants(40, { visible: false, edited: true }), false, "an off-screen view waits");
  assert.equal(pacer.wants(50, { visible: true }), true, "and asks as soon as it is seen");
});
