"""The code beside the run: the listing is the running source with its landmarks; an edited model trains on the
scalar engine, and a broken edit is reported at its line while the current model stays."""

import inspect
import itertools
import json

import pytest

import microgpt.engine
import microgpt.fast
import microgpt.model
from microgpt import listing
from microgpt.session import Session, UserError
from microgpt.watch import WATCH

TINY = {"n_embd": 8, "n_head": 2, "block_size": 8, "num_steps": 6, "eval_every": 0, "engine": "fast"}
TEXT = "anna\nbob\ncyril\ndora\neve\nfrank\ngus\nhanna\nivo\njo\n"
DATA = {"source": "text", "text": TEXT}
ORIGINAL = inspect.getsource(microgpt.model)
TANH = ORIGINAL.replace("x = [xi.relu() for xi in x]", "x = [xi.tanh() for xi in x]")


def call(session, kind, payload=None):
    return json.loads(session.handle(kind, json.dumps(payload or {})))


def train_all(session):
    losses = []
    while True:
        chunk = call(session, "train", {"budget_ms": 1000})
        losses += [event["loss"] for event in chunk["events"]]
        if chunk["done"]:
            return losses


def test_listing_is_the_running_source_with_its_landmarks():
    code = call(Session(), "code")
    texts = {f["module"]: f["text"] for f in code["files"]}
    assert texts["microgpt.model"] == ORIGINAL
    assert texts["microgpt.engine"] == inspect.getsource(microgpt.engine)
    assert texts["microgpt.fast"] == inspect.getsource(microgpt.fast)
    assert [f["module"] for f in code["files"] if f["editable"]] == ["microgpt.model"]
    sections = {s["key"]: s for s in code["sections"]}
    assert {"embedding", "attention", "mlp", "loss", "backward", "adam"} <= set(sections)
    lines = ORIGINAL.splitlines()
    attention = lines[sections["attention"]["first"] - 1:sections["attention"]["last"]]
    assert attention[0].strip().startswith("# 1) Multi-head attention") and any("softmax(attn_logits)" in line
                                                                                 for line in attention)
    mlp = lines[sections["mlp"]["first"] - 1:sections["mlp"]["last"]]
    assert mlp[0].strip() == "# 2) MLP block" and any("relu" in line for line in mlp)
    assert not any("lm_head" in line for line in mlp)
    embedding = lines[sections["embedding"]["first"] - 1:sections["embedding"]["last"]]
    computing = [line for line in embedding if not line.strip().startswith("if record:")]   # the trace's hook
    assert computing[0].strip().startswith("tok_emb =") and computing[-1].strip().startswith("x = rmsnorm(x)")
    backward = inspect.getsource(microgpt.engine).splitlines()[sections["backward"]["first"] - 1]
    assert "def backward" in backward
    assert all(s["purpose"].endswith(".") for s in code["sections"])


def test_an_edited_model_trains_on_the_scalar_engine_with_other_losses():
    session = Session()
    call(session, "configure", {"config": {**TINY, "engine": "scalar"}, "data": DATA})
    original = train_all(session)
    assert call(session, "edit", {"source": TANH}) == {"edited": True}
    info = call(session, "configure", {"config": TINY, "data": DATA, "edited": True})
    assert info["edited"] and info["config"]["engine"] == "scalar"
    edited = train_all(session)
    assert len(edited) == len(original) and edited[0] != original[0]
    assert call(session, "code")["edited"] == TANH
    # Not edited: the original model again, loss for loss.
    call(session, "configure", {"config": {**TINY, "engine": "scalar"}, "data": DATA})
    assert train_all(session) == original
    call(session, "edit", {"source": ""})
    with pytest.raises(UserError, match="apply an edit first"):
        call(session, "configure", {"config": TINY, "data": DATA, "edited": True})


@pytest.mark.parametrize("change, words", [
    (lambda s: s.replace("for li in range(self.config.n_layer):", "for li in range(self.config.n_layer)"),
     r"line \d+: "),
    (lambda s: s.replace("x = [xi.relu() for xi in x]", "x = [xi.sigmoid() for xi in x]"),
     r"line \d+: AttributeError: 'Value' object has no attribute 'sigmoid'"),
    (lambda s: s.replace("class ScalarModel", "class Model"), "defines no class ScalarModel"),
    (lambda s: s + "\nraise RuntimeError('at import')\n", r"line \d+: RuntimeError: at import"),
])
def test_a_broken_edit_names_its_line_and_keeps_the_model(change, words):
    session = Session()
    call(session, "configure", {"config": TINY, "data": DATA})
    call(session, "train", {"budget_ms": 1000})
    before = call(session, "sample", {"sample_seed": 3})
    with pytest.raises(UserError, match=words):
        call(session, "edit", {"source": change(ORIGINAL)})
    assert call(session, "sample", {"sample_seed": 3}) == before
    assert call(session, "code")["edited"] is None


def test_a_syntax_error_gives_the_exact_line():
    lines = ORIGINAL.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "x = [xi.relu() for xi in x]" in line)
    lines[number - 1] = lines[number - 1].replace("for xi in x]", "for xi in x")
    with pytest.raises(listing.EditError, match=f"line {number}"):
        listing.load_edited_model("\n".join(lines))


def test_an_error_mid_training_names_the_edited_line():
    session = Session()
    # Fine on the trial document (3 tokens), fails on any position past the trial's.
    broken = ORIGINAL.replace("        for li in range(self.config.n_layer):",
                              "        assert pos_id < 3, 'too far'\n        for li in range(self.config.n_layer):")
    call(session, "edit", {"source": broken})
    call(session, "configure", {"config": TINY, "data": {"source": "text", "text": "abcdefgh\nbcdefghi\n"},
                                "edited": True})
    line = broken.splitlines().index("        assert pos_id < 3, 'too far'") + 1
    with pytest.raises(UserError, match=f"step 1: edited model.py, line {line}: AssertionError: too far"):
        call(session, "train", {"budget_ms": 1000})


# --- an edit is the learner's code: however it fails, the request gets an answer that names the edit ----------------

IN_FORWARD = "        for li in range(self.config.n_layer):"
LONG_DATA = {"source": "text", "text": "abcdefgh\nbcdefghi\n"}


def in_forward(statement, past_trial=False):
    """The original with `statement` at the start of the forward's layers; `past_trial`: only at positions the
    trial document (3 positions) does not reach, so that the edit is applied and fails in training."""
    guarded = f"if pos_id >= 3: {statement}" if past_trial else statement
    return ORIGINAL.replace(IN_FORWARD, f"        {guarded}\n{IN_FORWARD}")


def line_of(source, text):
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


@pytest.mark.parametrize("statement", ["raise SystemExit", "exit()", "import sys; sys.exit(0)",
                                       "raise KeyboardInterrupt"])
def test_an_edit_that_exits_at_import_is_refused_at_its_line(statement):
    source = ORIGINAL + f"\n{statement}\n"
    session = Session()
    with pytest.raises(UserError, match=f"edited model.py, line {line_of(source, statement)}: "):
        call(session, "edit", {"source": source})
    assert call(session, "code")["edited"] is None
    with pytest.raises(UserError, match=r"line \d+: it exits Python \(SystemExit\)"):
        call(session, "edit", {"source": in_forward("import sys; sys.exit(1)")})       # in the trial document


def train_edited(source, data=LONG_DATA):
    session = Session()
    call(session, "edit", {"source": source})
    call(session, "configure", {"config": TINY, "data": data, "edited": True})
    return session


def test_an_edit_that_exits_during_training_stops_it_with_an_answer_naming_the_line():
    source = in_forward("import sys; sys.exit(1)", past_trial=True)
    session = train_edited(source)
    with pytest.raises(UserError, match=f"training stopped at step 1: edited model.py, line "
                                        f"{line_of(source, 'sys.exit(1)')}: it exits Python"):
        call(session, "train", {"budget_ms": 1000})
    with pytest.raises(UserError, match="training stopped at step 1: .* it exits Python"):
        call(session, "step_once")
    assert call(session, "state")["step"] == 0


def test_a_non_number_from_an_edit_is_the_edits_not_the_learning_rates():
    session = train_edited(in_forward("x = [xi * float('nan') for xi in x]", past_trial=True))
    reply = call(session, "train", {"budget_ms": 1000})
    assert reply["diverged"]["message"] == ("training stopped at step 1: the edited model.py produced a non-number "
                                            "(nan) as the loss; the original code gives a number here, so look at "
                                            "the edit")
    assert "learning rate" not in reply["diverged"]["message"]


def test_a_result_of_the_wrong_kind_is_named_as_the_edits():
    wrong_later = ORIGINAL.replace("return [v.data for v in self.forward(token_id, pos_id, cache, attention_log)]",
                                   "out = [v.data for v in self.forward(token_id, pos_id, cache, attention_log)]\n"
                                   "        return out if pos_id == 0 else [str(x) for x in out]")
    session = train_edited(wrong_later)
    with pytest.raises(UserError, match=r"^sample stopped: edited model.py: what it returned cannot be used "
                                        r"\(TypeError: "):
        call(session, "sample", {"sample_seed": 1})
    with pytest.raises(UserError, match=r"edited model.py: logits must give a list of 3 numbers, one per token"):
        call(session, "edit", {"source": ORIGINAL.replace("return [v.data for v", "return [v for v")})


@pytest.mark.parametrize("character, words", [("\x00", r"a NUL character \(U\+0000\)"),
                                              ("\ud800", "U\\+D800, half of a character pair")])
def test_text_python_cannot_read_names_its_line(character, words):
    source = ORIGINAL.replace("# 2) MLP block", f"# 2) MLP{character} block")
    with pytest.raises(UserError, match=f"^edited model.py, line {line_of(source, 'MLP')}: holds {words}"):
        call(Session(), "edit", {"source": source})


def test_an_edit_that_does_not_return_says_so_from_inside_naming_its_line(monkeypatch):
    """While a request runs edited code, the watch beats about once a second from inside it with how long the request
    has run and the edit's line (the page's worker is blocked, so this is how it tells a looping edit from a dead
    worker). The original model and the engines are not watched: training them gives no beat at all. A clock that
    advances 10 ms at every look stands in for a slow loop."""
    looks = itertools.count()
    beats = []
    monkeypatch.setattr(WATCH, "clock", lambda: next(looks) * 0.01)
    monkeypatch.setattr(WATCH, "beat", lambda seconds, line: beats.append((seconds, line)))
    session = Session()
    WATCH.begin()
    try:
        call(session, "configure", {"config": {**TINY, "engine": "scalar"}, "data": DATA})
        train_all(session)
    finally:
        WATCH.end()
    assert beats == []

    looping = ORIGINAL + "\n_turns = 0\nwhile _turns < 100_000:\n    _turns += 1\n"
    loop_line = looping.splitlines().index("while _turns < 100_000:") + 1
    WATCH.begin()
    try:
        call(session, "edit", {"source": looping})
    finally:
        WATCH.end()
    in_loop = [line for _, line in beats if line in (loop_line, loop_line + 1)]
    assert len(in_loop) >= 5 and beats[0][1] in in_loop     # then the trial document runs the edit's model
    seconds = [seconds for seconds, _ in beats]
    assert seconds == sorted(seconds) and seconds[0] >= 1 and all(b - a > 0.99 for a, b in zip(seconds, seconds[1:]))
    beats.clear()
    call(session, "edit", {"source": looping})          # between requests nobody is told anything
    assert beats == []
