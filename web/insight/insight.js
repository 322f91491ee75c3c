// What the insight views show, decided without a DOM: the one glyph of the end token, the sorted probability bars,
// each attention head's measured one-liner, axis signs held steady between embedding snapshots, the stepped
// temperature scale, and when to ask Python again (the pacer). The views in insight-views.js only draw these.

// The token that both starts and ends a name: one glyph and one name everywhere on the page.
export const END_GLYPH = "◆";
export const END_NAME = "end (also start)";

export const VOWELS = new Set(["a", "e", "i", "o", "u"]);

// A token's class on the embedding map (drawn as shape, not colour alone).
export function tokenKind(label, isEnd) {
  if (isEnd) return "end";
  return VOWELS.has(label.toLowerCase()) ? "vowel" : "other";
}

// Log-spaced temperatures from 0.1 to 3, with the defaults people know (0.5, 1) on the scale.
export const TEMPERATURES = [0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1, 1.5, 2, 3];

// The step nearest to a temperature typed elsewhere (log distance, since the scale is logarithmic).
export function nearestTemperatureIndex(temperature) {
  let best = 0;
  for (let i = 1; i < TEMPERATURES.length; i++) {
    if (Math.abs(Math.log(TEMPERATURES[i] / temperature)) < Math.abs(Math.log(TEMPERATURES[best] / temperature))) best = i;
  }
  return best;
}

// The label of token id i in a next_token reply.
export function tokenLabel(reply, i) {
  return i === reply.end_id ? END_GLYPH : reply.vocab[i];
}

// One bar per token, most likely first: [{id, label, isEnd, prob, probT1}].
export function sortedBars(reply) {
  const bars = reply.probs.map((prob, id) => ({
    id, label: tokenLabel(reply, id), isEnd: id === reply.end_id, prob, probT1: reply.probs_t1[id],
  }));
  return bars.sort((a, b) => b.prob - a.prob || a.id - b.id);
}

// Whole percents for the likely tokens, one decimal for the rare ones, and never "0%" for a token that can happen.
export const percent = (p) => (p >= 0.1 ? `${Math.round(100 * p)}%` : p >= 0.001 ? `${(100 * p).toFixed(1)}%`
  : p > 0 ? "<0.1%" : "0%");

// The caption sentence of the bars: the few most likely continuations, in words.
export function barsSummary(prefix, bars, temperature, count = 3) {
  const after = prefix === "" ? "At the start of a name" : `After “${prefix}”`;
  const top = bars.slice(0, count).map((bar) => `${bar.isEnd ? END_NAME : `“${bar.label}”`} ${percent(bar.prob)}`);
  return `${after}, at temperature ${temperature}, the model picks ${top.join(", ")}.`;
}

// A head's habit, measured on one text: the mean weight each query puts on the start token, on the token just
// before it, and on itself. Queries 0 and 1 are left out where possible: there "start", "previous" and "itself"
// are the same position, and would count three times.
export function headHabit(matrix) {
  const queries = matrix.length > 2 ? matrix.slice(2) : matrix.slice(1);
  if (queries.length === 0) return { kind: "start", share: 1, text: "100% to start (only one position)" };
  const mean = (pick) => queries.reduce((sum, row) => sum + pick(row), 0) / queries.length;
  const shares = {
    start: mean((row) => row[0]),
    previous: mean((row) => row[row.length - 2]),
    itself: mean((row) => row[row.length - 1]),
  };
  const [kind, share] = Object.entries(shares).sort((a, b) => b[1] - a[1])[0];
  const words = { start: "to start", previous: "to previous letter", itself: "to itself" }[kind];
  const spread = share < 0.3 ? " (spread out)" : "";
  return { kind, share, shares, text: `${Math.round(100 * share)}% ${words}${spread}` };
}

// Flip an axis of `points` when it points the other way from the same points' previous frame, so that a letter
// does not jump to the mirror side between two snapshots. Returns new points and the flips applied.
export function alignSigns(points, previous) {
  if (!previous || previous.length !== points.length) return { points, flips: [1, 1] };
  const flips = [0, 1].map((axis) => {
    const dot = points.reduce((sum, point, i) => sum + point[axis] * previous[i][axis], 0);
    return dot < 0 ? -1 : 1;
  });
  return { points: points.map(([x, y]) => [x * flips[0], y * flips[1]]), flips };
}

// Symmetric bounds around 0 that fit all points with a margin: the map's scale only grows, so points drift
// visibly instead of the axes rescaling under them every frame.
export function mapBounds(points, previousBound = 0) {
  const most = points.reduce((m, [x, y]) => Math.max(m, Math.abs(x), Math.abs(y)), 0);
  return Math.max(previousBound, most * 1.15 || 1);
}

// When to ask Python for a view's data again. Training posts a chunk every ~70 ms; asking after each would slow
// it, so a view asks at most every `intervalMs`, only when it is on screen, and never twice at once. An edit
// (a typed prefix) is always wanted, but waits for the reply in flight.
export class Pacer {
  constructor(intervalMs = 250) {
    this.intervalMs = intervalMs;
    this.lastAsked = -Infinity;
    this.inFlight = false;
    this.stale = false;          // something changed since the last answer was asked for
  }

  // now: ms; visible: the view is open and on screen; edited: the user changed the view's input.
  wants(now, { visible, edited = false }) {
    if (edited) this.stale = true;
    if (!visible || this.inFlight) return false;
    return this.stale || now - this.lastAsked >= this.intervalMs;
  }

  asked(now) {
    this.lastAsked = now;
    this.inFlight = true;
    this.stale = false;
  }

  answered() {
    this.inFlight = false;
  }
}
