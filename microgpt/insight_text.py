"""The CLI's text view of model insight (`python -m microgpt inspect`): the numbers insight.py computes, printed.

The same numbers the page draws: the next-token distribution after a prefix (at the run's temperature and at 1), the
attention weights of every layer and head over a text, and the 2-D maps of the token and position embeddings.
"""

from . import insight


def print_insight(model_name, model, tokenizer, config, text, top):
    """Everything `inspect` shows for a model (`model_name` says which): after `config.prefix` at
    `config.temperature`, the `top` likeliest next tokens; the attention over `text`; both embedding maps. All is
    computed before anything is printed, so a bad prefix or text is one error line and nothing else."""
    distribution = insight.next_token(model, tokenizer, config.prefix, config.temperature)
    attention = insight.attention(model, tokenizer, text)
    maps = insight.embeddings(model, tokenizer)
    print(f"model: {model_name}, {tokenizer.vocab_size} tokens ({len(tokenizer.chars)} characters and "
          f"{insight.END_LABEL}, which also starts every name)")
    print_distribution(distribution, top)
    print_attention(attention, config.block_size)
    print_map("token embeddings (rows of wte)", maps["tokens"])
    print_map("position embeddings (rows of wpe)", maps["positions"])


def shown(label):
    """A token's label as printed: a space or another invisible character is shown quoted."""
    return label if label.isprintable() and not label.isspace() else repr(label)


def print_distribution(distribution, top):
    probs, probs_t1, labels = distribution["probs"], distribution["probs_t1"], distribution["labels"]
    order = sorted(range(len(probs)), key=lambda i: -probs[i])[:top]
    temperature = distribution["temperature"]
    read = " ".join([insight.START_LABEL] + [shown(ch) for ch in distribution["prefix"]])
    print(f"\nnext token after {read}: the {len(order)} likeliest of "
          f"{len(probs)}, at temperature {temperature:g} (what sampling draws from) and at 1")
    width = max(len("token"), *(len(shown(labels[i])) for i in order)) + 2
    print(f"  {'token':<{width}}{'T=' + format(temperature, 'g'):>8}{'T=1':>8}")
    for i in order:
        bar = "#" * round(probs[i] * 40)
        print(f"  {shown(labels[i]):<{width}}{probs[i]:8.4f}{probs_t1[i]:8.4f}  {bar}")


def print_attention(attention, block_size):
    labels = [shown(label) for label in attention["labels"]]
    cropped = f" (cut to block_size {block_size} positions)" if attention["cropped"] else ""
    print(f"\nattention over {' '.join(labels)}{cropped}: row = a position, its weights on itself and every "
          f"position before it (each row sums to 1)")
    width = max(len(label) for label in labels) + 2
    for layer, heads in enumerate(attention["weights"]):
        for head, rows in enumerate(heads):
            print(f"layer {layer}, head {head}")
            print(" " * width + "".join(f"{label:>{width}}" for label in labels))
            for label, row in zip(labels, rows):
                print(f"{label:<{width}}" + "".join(f"{weight:>{width}.2f}" for weight in row))


def print_map(title, embedding_map):
    share_1, share_2 = embedding_map["explained"]
    print(f"\n{title}, 2-D PCA: axis 1 explains {share_1:.1%} of the variance, axis 2 {share_2:.1%}")
    width = max(len(shown(label)) for label in embedding_map["labels"]) + 2
    for label, (x, y) in zip(embedding_map["labels"], embedding_map["points"]):
        print(f"  {shown(label):<{width}}{x:+8.4f} {y:+8.4f}")
