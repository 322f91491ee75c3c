// Ready experiments, as data: each is a baseline and one change, the question the learner answers before it runs and
// what to expect, revealed after. Adding one is a row in TABLE and its sentences in EXPECT. This module has no DOM: it
// turns an experiment into the runs it needs (arms), says which arms can share one training, and words the question,
// the measured outcome and its marking against the learner's prediction and the expectation; experiments-view.js runs
// and draws them.
//
// experiment = {name (the link's #experiment=NAME), title, setting (the one Config field, "data" or a sampling
//   field it changes), values (the baseline's first), measure ("loss" or "length": what the learner predicts, for
//   the last arm against the baseline), expected (the answer the expectation gives), expect (one or two sentences)}.

import { SAMPLING_FIELDS, formatValue } from "../runs/runs.js";
import { HELD_OUT_LOSS, LOSS_DIGITS, SMOOTHED_LOSS, formatLoss } from "../base/losses.js";

// The baseline every experiment starts from: the page's defaults, trained for fewer steps so that an experiment
// (two or three of these) takes seconds in the page. Sampling is seeded so each arm's names are reproducible.
export const BASELINE = { num_steps: 300, eval_every: 50 };
export const SAMPLING = { sample_seed: 1, num_samples: 20 };
export const DEFAULT_TEMPERATURE = 0.5;   // Config's default sampling temperature

// A short pasted list for the data experiment: world cities, one per line (typed here, not taken from a dataset).
export const CITIES = `tokyo delhi shanghai dhaka cairo mumbai beijing osaka chongqing karachi istanbul kinshasa lagos
manila tianjin lahore bangalore paris bogota jakarta chennai lima bangkok seoul nagoya hyderabad london tehran chicago
chengdu nanjing wuhan luanda ahmedabad hanoi riyadh baghdad santiago surat madrid suzhou pune harbin houston dallas
toronto miami atlanta singapore philadelphia khartoum barcelona dongguan alexandria dalian qingdao
shenyang yangon abidjan ankara zhengzhou melbourne sydney johannesburg monterrey berlin rome kabul algiers jeddah
lisbon vienna prague warsaw budapest dublin oslo helsinki stockholm copenhagen athens geneva zurich milan naples
munich hamburg lyon marseille porto seville valencia krakow riga vilnius tallinn minsk kyiv odessa sofia belgrade
zagreb sarajevo tirana skopje bucharest chisinau tbilisi yerevan baku almaty tashkent bishkek dushanbe ashgabat`
  .split(/\s+/).join("\n");

// What a learner predicts, for the last arm against the baseline: its final held-out loss (the training loss when the
// data has no held-out part) or its names' mean length. "about the same" means a difference within `same`: for these
// seeds the held-out losses of the heads and layers arms differ from the baseline's by 0.002 and 0.018 (measured by
// tests/test_experiments_expectations.py), and the mean length of 20 sampled names moves by a few tenths of a letter
// from one sample to the next.
export const MEASURES = {
  loss: { choices: ["higher", "about the same", "lower"], up: "higher", down: "lower", same: 0.05,
    digits: LOSS_DIGITS, unit: "", what: "the held-out loss will be" },
  length: { choices: ["shorter", "about the same", "longer"], up: "longer", down: "shorter", same: 0.5,
    digits: 1, unit: " letters", what: "the names will be" },
};

// One row per experiment: its name (the link's #experiment=NAME), title, the one setting it changes (a Config field,
// "data" or a sampling field) and that setting's values, the baseline's first; what the learner predicts about the
// last arm and the answer the expectation gives. tests/test_experiments_expectations.py trains every arm natively as
// the page does (same payloads, same Session, default seed, BASELINE and SAMPLING) and checks with measured() below
// that each expected answer is the one measured.
const TABLE = [
  ["context",             "Context length 16 → 4 → 1",                  "block_size",    [16, 4, 1],    "length", "shorter"],
  ["learning-rate-tenth", "Learning rate × 0.1",                        "learning_rate", [0.01, 0.001], "loss", "higher"],
  ["learning-rate-x10",   "Learning rate × 10",                         "learning_rate", [0.01, 0.1],   "loss", "higher"],
  ["heads",               "1 attention head vs 4",                      "n_head",        [4, 1],        "loss", "about the same"],
  ["layers",              "1 layer vs 2",                               "n_layer",       [1, 2],        "loss", "about the same"],
  ["width",               "Embedding width 16 vs 4",                    "n_embd",        [16, 4],       "loss", "higher"],
  ["temperature",         "Temperature 0.2 vs 1.0 vs 1.5, same model",  "temperature",   [0.2, 1.0, 1.5], "length", "longer"],
  ["steps",               "100 vs 1000 steps",                          "num_steps",     [100, 1000],   "loss", "lower"],
  ["data",                "Built-in names vs a list of cities",         "data",          ["builtin", "cities"], "loss", "higher"],
];

// What each experiment should show, said before it runs (one or two sentences).
const EXPECT = {
  context: "A shorter context sees fewer letters at once: the held-out loss rises, and names get shorter, since " +
    "the model cannot write past its context (with 1 it only knows the letter before).",
  "learning-rate-tenth": "Ten times smaller steps: in the same number of steps the loss falls much more slowly, so " +
    "it ends higher and the names look less like names.",
  "learning-rate-x10": "Ten times larger steps: the loss first drops faster, then jumps around; it may end no " +
    "better, or training may diverge (the loss stops being a number).",
  heads: "One head of width 16 instead of four of width 4: same parameter count, one way of looking back instead " +
    "of four. Expect a small difference in loss at this size.",
  layers: "A second layer adds 3,072 parameters and a second look back. In 300 steps expect only a small gain, if " +
    "any: a deeper model needs more training to use its depth.",
  width: "Each character and position squeezed into 4 numbers instead of 16 (heads of width 1): far fewer " +
    "parameters, so the held-out loss ends higher and names get less name-like.",
  temperature: "One model, sampled three ways. Low temperature picks the likeliest letters: short, common names, " +
    "many straight from the training data. High temperature takes more risks: longer, stranger names.",
  steps: "Ten times more training: the held-out loss ends clearly lower, and more of the names are real names the " +
    "model has learnt by heart.",
  data: "The same model learns whatever list it is given: trained on about a hundred cities, its samples sound like " +
    "places. The list is small, so the held-out loss is higher and more samples are copies of the list.",
};

export const EXPERIMENTS = TABLE.map(([name, title, setting, values, measure, expected]) =>
  ({ name, title, setting, values, measure, expected, expect: EXPECT[name] }));

const DATA = { builtin: { source: "builtin" }, cities: { source: "text", text: CITIES } };
const DATA_LABELS = { builtin: "built-in names", cities: "cities" };

export const findExperiment = (name) => EXPERIMENTS.find((experiment) => experiment.name === name) ?? null;

// The runs an experiment needs, baseline first: [{label, config, data, sampling}]. config holds only what differs
// from Config's defaults (Python fills in the rest), sampling is the `sample` request's payload.
export function arms(experiment) {
  return experiment.values.map((value) => {
    const config = { ...BASELINE };
    let data = DATA.builtin;
    const sampling = { ...SAMPLING, temperature: DEFAULT_TEMPERATURE };
    if (experiment.setting === "data") data = DATA[value];
    else if (SAMPLING_FIELDS.includes(experiment.setting)) sampling[experiment.setting] = value;
    else config[experiment.setting] = value;
    const label = experiment.setting === "data" ? DATA_LABELS[value] : `${experiment.setting} ${formatValue(value)}`;
    return { label, config, data, sampling };
  });
}

// Arms with the same training (config and data) share one trained model: the key says which.
export const trainingKey = (arm) => JSON.stringify([Object.entries(arm.config).sort(), arm.data]);

// The distinct trainings an experiment needs, in order: [{key, arm}] (the first arm of each).
export function trainings(armList) {
  const seen = new Map();
  for (const arm of armList) if (!seen.has(trainingKey(arm))) seen.set(trainingKey(arm), arm);
  return [...seen].map(([key, arm]) => ({ key, arm }));
}

// Whether a finished run trained exactly as this arm would: run = {config (complete, as Python echoed it), data (the
// `configure` payload)}; defaults: Config's defaults, which stand for what the arm leaves out. Sampling settings do
// not matter: the arm samples the run's model with its own.
export function sameTraining(arm, run, defaults) {
  const wanted = { ...defaults, ...arm.config };
  // The run's config names every Config field; defaults may also hold page settings that are not Config.
  const names = new Set([...Object.keys(arm.config), ...Object.keys(run.config)]);
  for (const name of names) {
    if (!SAMPLING_FIELDS.includes(name) && wanted[name] !== run.config[name]) return false;
  }
  const [a, b] = [arm.data, run.data ?? { source: "builtin" }];
  return a.source === b.source && (a.source === "builtin" || a.text === b.text);
}

// The page's own run, as an experiment may reuse it for an arm: {config, data, events, defaults} when it finished all
// its steps with the page's model.py (a run of an edited model.py is not the model an arm describes), else null.
// summary: its `configure` reply; data: its `configure` payload, null when unknown (a loaded model whose data the
// page does not have); defaults: Config's defaults.
export function finishedRun({ phase, summary, data, events, defaults }) {
  if (phase !== "done" || !summary || summary.edited || !data) return null;
  return { config: summary.config, data, events: [...events], defaults };
}

const number = (value, digits) => (value === null || value === undefined ? "–" : value.toFixed(digits));
const percent = (share) => (share === null || share === undefined ? "–" : `${Math.round(share * 100)} %`);

// results: per arm {label, finalHoldout, finalLoss, meanLength, inTraining, diverged: {step}|null, shared}. The
// measured outcome, one sentence per arm, then the comparison of the last arm with the baseline.
export function outcome(experiment, results) {
  const lines = results.map((result) => {
    if (result.diverged) return `${result.label}: diverged at step ${result.diverged.step} (the loss stopped being a number).`;
    const loss = result.finalHoldout !== null ? `${HELD_OUT_LOSS} ${formatLoss(result.finalHoldout)}`
      : `${SMOOTHED_LOSS} ${formatLoss(result.finalLoss)} (no held-out data)`;
    return `${result.label}: ${loss}, names ${number(result.meanLength, 1)} letters long on average, ` +
      `${percent(result.inTraining)} of them copied from the training data.`;
  });
  const [base, ...others] = results;
  for (const other of others) {
    if (base.diverged || other.diverged) continue;
    const parts = [];
    const [a, b] = [base.finalHoldout ?? base.finalLoss, other.finalHoldout ?? other.finalLoss];
    if (!other.shared && a !== null && b !== null) {
      const change = b - a;
      parts.push(Math.abs(change) < MEASURES.loss.same ? `its loss is within ${MEASURES.loss.same} of the baseline's`
        : `its loss is ${formatLoss(Math.abs(change))} ${change > 0 ? "higher" : "lower"}`);
    }
    if (base.meanLength !== null && other.meanLength !== null) {
      const change = other.meanLength - base.meanLength;
      parts.push(Math.abs(change) < MEASURES.length.same ? "its names are about as long"
        : `its names are ${number(Math.abs(change), 1)} letters ${change > 0 ? "longer" : "shorter"}`);
    }
    if (parts.length) lines.push(`${other.label} against ${base.label}: ${parts.join(", ")}.`);
  }
  return lines;
}

// The question asked before an experiment runs: {text, choices: [{value, label}]}; "about the same" says its margin.
export function question(experiment) {
  const list = arms(experiment);
  const [base, other] = [list[0], list.at(-1)];
  const measure = MEASURES[experiment.measure];
  const margin = `within ${measure.same}${measure.unit}`;
  return {
    text: `With ${other.label} instead of ${base.label}, ${measure.what}…`,
    choices: measure.choices.map((value) => ({ value, label: value === "about the same" ? `${value} (${margin})` : value })),
  };
}

// The learner's answer when they chose not to predict.
export const SKIP = "skip";

// What the last arm measured against the baseline: {answer (one of the measure's choices, or null when there is
// nothing to compare), it (the words after "it was")}. results: as for outcome(), baseline first.
export function measured(experiment, results) {
  const measure = MEASURES[experiment.measure];
  const [base, other] = [results[0], results.at(-1)];
  const value = (result) => (experiment.measure === "loss" ? result.finalHoldout ?? result.finalLoss : result.meanLength);
  if (base.diverged) return { answer: null, it: `the baseline diverged at step ${base.diverged.step}: nothing to compare` };
  if (other.diverged) {
    return experiment.measure === "loss"
      ? { answer: "higher", it: `higher: it diverged at step ${other.diverged.step} (the loss stopped being a number)` }
      : { answer: null, it: `no names: it diverged at step ${other.diverged.step}` };
  }
  const [a, b] = [value(base), value(other)];
  if (a === null || a === undefined || b === null || b === undefined) return { answer: null, it: "not measured" };
  const change = b - a;
  const { up, down } = measure;
  const same = "about the same";
  const size = `${Math.abs(change).toFixed(measure.digits)}${measure.unit}`;
  if (Math.abs(change) < measure.same) {
    const direction = change === 0 ? "no difference" : `${size} ${change > 0 ? up : down}`;
    return { answer: same, it: `${same} (${direction}, within ${measure.same}${measure.unit})` };
  }
  return { answer: change > 0 ? up : down, it: `${change > 0 ? up : down} by ${size}` };
}

const MARK = { true: " ✓", false: " ✗", null: "" };

// The measured outcome marked against the learner's prediction (said: a choice, or SKIP) and the stated
// expectation: [{text, right (true, false, or null when unmarked)}].
export function verdict(experiment, results, said) {
  const { answer, it } = measured(experiment, results);
  const mark = (claim) => (answer === null ? null : claim === answer);
  const yours = said === SKIP || !said ? null : mark(said);
  const expected = mark(experiment.expected);
  return [
    { text: said === SKIP || !said ? `You made no prediction — it was ${it}.`
      : `You said ${said} — it was ${it}${MARK[yours]}`, right: yours },
    { text: `The stated expectation said ${experiment.expected}${MARK[expected]}`, right: expected },
  ];
}
