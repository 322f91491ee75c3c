"""The CLI's text view of a traced name (`python -m microgpt inspect --trace NAME --position P [--grad]`): the
numbers trace.py reads off the model, printed stage after stage in the order of model.py, as the page's diagram
draws them."""


def label(token_label):
    """A token's label as printed: a space or another invisible character is shown quoted."""
    return token_label if token_label.isprintable() and not token_label.isspace() else repr(token_label)


def numbers(values):
    """A stage's numbers on one line: a vector as is, one row per head separated by |, a number alone."""
    if not isinstance(values, list):
        return f"{values:.6g}"
    if values and isinstance(values[0], list):
        return " | ".join(" ".join(f"{x:+.4f}" for x in row) for row in values)
    return " ".join(f"{x:+.4f}" for x in values)


def shape_text(shape):
    return " × ".join(map(str, shape)) if shape else "1"


def stage_title(stage):
    where = f"layer {stage['layer']} " if stage["layer"] else ""
    matrix = f" ({stage['matrix'].partition('.')[2] or stage['matrix']})" if stage["matrix"] else ""
    return f"{where}{stage['label']}{matrix}"


def print_trace(model_name, trace):
    """Every stage with its shape, its model.py lines and its numbers; with a step's gradients (`grad`), a second
    line per stage, then the step and the largest updates Adam made."""
    step = trace.get("training_step")
    print(f"model: {model_name}")
    print(f"trace of {trace['name']!r} at position {trace['position']}: reads {label(trace['input']['label'])}, "
          f"the right next character is {label(trace['target']['label'])}")
    if step:
        event = step["event"]
        print(f"after one training step on {trace['name']!r} (step {event['step']}, loss {event['loss']:.4f}, "
              f"learning rate {event['lr']:.6g}); grad = d(step loss)/d(stage output) at this position; the "
              f"checkpoint file is not changed")
    config = trace["config"]
    print(f"{config['n_layer']} layer(s), {config['n_head']} heads × {config['head_dim']}, n_embd {config['n_embd']}, "
          f"{config['vocab_size']} tokens; lines are model.py's\n")
    for stage in trace["stages"]:
        lines = stage["lines"]
        where = "" if lines is None else f"  [model.py {lines['first']}" + (
            f"-{lines['last']}]" if lines["last"] != lines["first"] else "]")
        print(f"{stage_title(stage)}: {shape_text(stage['shape'])}{where}")
        print(f"  {numbers(stage['values'])}")
        if stage["grad"] is not None:
            print(f"  grad {numbers(stage['grad'])}")
    print(f"\np(right next character {label(trace['target']['label'])}) = {trace['p']:.4f}, "
          f"loss at this position = {trace['loss']:.4f}")
    if step:
        print_updates(step["updates"])


def print_updates(updates):
    print("\nwhat Adam changed, largest update first (norms; then the largest changes [row, col] before → after):")
    names = [f"layer {update['layer']} {update['part']}" if update["layer"] else update["part"] for update in updates]
    width = max(map(len, names)) + 2
    for name, update in zip(names, updates):
        changes = ", ".join(f"[{c['row']},{c['col']}] {c['before']:+.4f} → {c['after']:+.4f}"
                            for c in update["largest"][:3])
        print(f"  {name:<{width}}|grad| {update['grad_norm']:.4f}  |update| {update['update_norm']:.4f}  "
              f"{changes}")
