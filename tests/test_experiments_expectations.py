"""The Experiments card's stated expectations hold for its seeds: every experiment in web/learn/experiments.js is run
natively as the page runs it and its measured answer is the one the table gives.

The table, each arm's request payloads and the answer rule all come from the JS module itself (through node): each arm
is trained with the page's `configure` payload and `train` chunks through the same Session the page's worker calls,
sampled with the arm's `sample` payload, and its events and mean length go back to experiments.js's `measured` (with
base/losses.js's finalLosses, as experiments-view.js does), so a change to the table, a margin or the training code
that breaks an expectation fails here.
"""

import json
import pathlib
import shutil
import subprocess

import pytest

from microgpt.session import MAX_BUDGET_MS, Session

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXPERIMENTS_JS = (ROOT / "web" / "learn" / "experiments.js").as_uri()
LOSSES_JS = (ROOT / "web" / "base" / "losses.js").as_uri()

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the table is JS")]

# Every experiment with its arms (label, config, data, sampling) and the key of the training each arm shares.
TABLE_SCRIPT = f"""
const m = await import({json.dumps(EXPERIMENTS_JS)});
console.log(JSON.stringify(m.EXPERIMENTS.map((experiment) => ({{
  ...experiment, arms: m.arms(experiment).map((arm) => ({{ ...arm, key: m.trainingKey(arm) }})) }}))));
"""

# The page's measured answer per experiment from each arm's events and sampling stats, as experiments-view.js's draw().
MEASURE_SCRIPT = f"""
const m = await import({json.dumps(EXPERIMENTS_JS)});
const {{ finalLosses }} = await import({json.dumps(LOSSES_JS)});
const input = JSON.parse(await new Promise((resolve) => {{
  let text = ""; process.stdin.on("data", (chunk) => (text += chunk)); process.stdin.on("end", () => resolve(text)); }}));
const out = {{}};
for (const {{ name, results }} of input) {{
  const experiment = m.findExperiment(name);
  const measured = results.map((r) => ({{ label: r.label, finalLoss: finalLosses(r.events).smoothed,
    finalHoldout: finalLosses(r.events).holdout, meanLength: r.mean_length, diverged: r.diverged }}));
  out[name] = {{ ...m.measured(experiment, measured), measured }};
}}
console.log(JSON.stringify(out));
"""


def node(script, stdin=""):
    done = subprocess.run(["node", "--input-type=module", "-e", script], input=stdin, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def call(session, kind, payload):
    return json.loads(session.handle(kind, json.dumps(payload)))


def train(arm):
    """One arm's training as the page's worker does it: `configure`, then `train` chunks until done or diverged."""
    session = Session()
    call(session, "configure", {"config": arm["config"], "data": arm["data"]})
    events = []
    while True:
        chunk = call(session, "train", {"budget_ms": MAX_BUDGET_MS})
        events.extend(chunk["events"])
        if "diverged" in chunk:
            return session, events, {"step": chunk["diverged"]["step"], "message": chunk["diverged"]["message"]}
        if chunk["done"]:
            return session, events, None


@pytest.fixture(scope="module")
def outcomes():
    experiments = node(TABLE_SCRIPT)
    trained = {}        # training key -> (session, events, diverged): arms with the same training share one model
    report = []
    for experiment in experiments:
        results = []
        for arm in experiment["arms"]:
            if arm["key"] not in trained:
                trained[arm["key"]] = train(arm)
            session, events, diverged = trained[arm["key"]]
            sampled = {"mean_length": None} if diverged else call(session, "sample", arm["sampling"])
            results.append({"label": arm["label"], "events": [{"loss": e["loss"], "holdout_loss": e.get("holdout_loss")}
                                                              for e in events],
                            "mean_length": sampled["mean_length"], "diverged": diverged})
        report.append({"name": experiment["name"], "results": results})
    measured = node(MEASURE_SCRIPT, json.dumps(report))
    return {experiment["name"]: (experiment, measured[experiment["name"]]) for experiment in experiments}


def test_every_experiment_is_checked(outcomes):
    """A row added to the table is added to NAMES too, so its expectation is measured."""
    assert sorted(outcomes) == sorted(NAMES)


NAMES = ["context", "learning-rate-tenth", "learning-rate-x10", "heads", "layers", "width", "temperature", "steps",
         "data"]


@pytest.mark.parametrize("name", NAMES)
def test_expectation_holds(outcomes, name):
    experiment, measured = outcomes[name]
    figures = "; ".join(f"{r['label']}: held-out {r['finalHoldout']}, smoothed {r['finalLoss']}, "
                        f"length {r['meanLength']}" for r in measured["measured"])
    print(f"{name}: {measured['it']} ({figures})")
    assert measured["answer"] == experiment["expected"], (
        f"{name}: the table expects {experiment['expected']!r} for {experiment['measure']}, measured {measured['it']} "
        f"({figures})")
