"""Data: documents, the character tokenizer and the train/held-out split.

A dataset is text with one document per line. As in the original: lines are stripped, empty ones dropped, the documents
shuffled with the run's random stream, and the vocabulary is the sorted set of characters plus one BOS token (id =
number of characters) that both starts and ends every document. The held-out documents are taken from the end of the
shuffled list, so the first training steps see exactly the documents the original sees. A run remembers its documents
by a fingerprint, so that resuming can refuse a different dataset. A summary says what a dataset is to a person.
"""

import functools
import hashlib
import pathlib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from importlib import resources

MAX_BYTES = 20 * 1024 * 1024      # a sensible text dataset for a character model this small is far below this
MAX_VOCAB = 256                   # distinct characters; more means this is not a names-like dataset
NUM_EXAMPLES = 8                  # documents a summary shows
BUILTIN_NAME = "names.txt"
BUILTIN_DESCRIPTION = "US census first names (PyPI package names 0.3.0)"
BYTE_ORDER_MARK = "\ufeff"


class DataError(ValueError):
    """The dataset cannot be used; the message says why and what would work."""


def builtin_text():
    """The dataset shipped inside the package (US census first names, see README)."""
    return resources.files("microgpt").joinpath(f"data/{BUILTIN_NAME}").read_text(encoding="utf-8")


@functools.cache
def builtin_documents():
    """The built-in dataset's documents, read and parsed once per process (a tuple: every caller shares it)."""
    return tuple(parse_documents(builtin_text(), "built-in dataset"))


def describe_documents(docs, name):
    """A description of a dataset a person recognises, e.g. for a checkpoint to say what data it needs to resume:
    its name, its size and its first documents."""
    shown = ", ".join(docs[:3]) + (", …" if len(docs) > 3 else "")
    return f"{name}: {len(docs):,} documents ({shown})"


def read_bounded(path, limit, what):
    """At most `limit` bytes of a file, refusing more: special files (/dev/zero reports size 0) and pipes are read
    only up to the limit, never without end. `what` names the file in messages ("dataset x.txt")."""
    path = pathlib.Path(path)
    try:
        if path.is_dir():
            raise DataError(f"{what}: is a folder, expected a file")
        if path.stat().st_size > limit:
            raise DataError(f"{what}: {path.stat().st_size:,} bytes is more than the {limit:,} bytes allowed")
        with open(path, "rb") as source:
            raw = source.read(limit + 1)
    except FileNotFoundError:
        raise DataError(f"{what}: no such file") from None
    except PermissionError:
        raise DataError(f"{what}: permission denied") from None
    except OSError as error:
        raise DataError(f"{what}: cannot be read ({error.strerror or error})") from None
    if len(raw) > limit:
        raise DataError(f"{what}: more than the {limit:,} bytes allowed")
    return raw


def read_text_file(path):
    """Read a dataset file, refusing what is missing, too large or not UTF-8 text."""
    raw = read_bounded(path, MAX_BYTES, f"dataset {path}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"dataset {path}: not UTF-8 text (undecodable byte at offset {error.start})") from None


def control_character(text):
    """The first control character in `text` (C0, DEL, C1: what a terminal would act on), or None."""
    for ch in text:
        if unicodedata.category(ch) == "Cc":
            return ch
    return None


def describe_character(ch):
    """A character named so that printing the name is safe: U+001B, with its escape."""
    return f"U+{ord(ch):04X} {ascii(ch)}"


def parse_documents(text, origin="dataset"):
    """Split text into documents the way the original does; refuse text that cannot make a dataset. A leading
    UTF-8 byte-order mark is not part of the text; control characters (escape, NUL, ...) are refused, so that no
    sample can ever drive a terminal."""
    text = text.removeprefix(BYTE_ORDER_MARK)
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise DataError(f"{origin}: more than the {MAX_BYTES:,} bytes allowed")
    docs = [line.strip() for line in text.strip().split("\n") if line.strip()]
    if not docs:
        raise DataError(f"{origin}: no documents (the text is empty or only whitespace); put one document per line")
    if len(docs) < 2:
        raise DataError(f"{origin}: only 1 document; put at least 2 documents, one per line")
    chars = set("".join(docs))
    check_vocabulary(len(chars), origin)
    bad = control_character("".join(sorted(chars)))
    if bad is not None:
        line = next(i for i, doc in enumerate(docs, 1) if bad in doc)
        raise DataError(f"{origin}: document {line} holds the control character {describe_character(bad)}; "
                        f"documents must be printable text (tabs included: use spaces)")
    return docs


def check_vocabulary(num_chars, origin):
    """The one limit on a vocabulary's size, wherever it comes from (a dataset, a checkpoint, a request's
    vocab_size): at most MAX_VOCAB distinct characters, so MAX_VOCAB + 1 tokens with BOS."""
    if num_chars > MAX_VOCAB:
        raise DataError(f"{origin}: {num_chars:,} distinct characters is more than the {MAX_VOCAB} allowed "
                        f"for a character-level model ({MAX_VOCAB + 1} tokens with the start/end token)")


@dataclass(frozen=True)
class Tokenizer:
    chars: str          # the vocabulary's characters, sorted; token id = position, BOS = len(chars)

    @classmethod
    def from_documents(cls, docs):
        return cls("".join(sorted(set("".join(docs)))))

    @property
    def bos(self):
        return len(self.chars)

    @property
    def vocab_size(self):
        return len(self.chars) + 1

    def encode(self, text):
        index = {ch: i for i, ch in enumerate(self.chars)}
        return [index[ch] for ch in text]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)

    def document_tokens(self, doc):
        """BOS + characters + BOS: BOS both starts and ends a document."""
        return [self.bos] + self.encode(doc) + [self.bos]

    def check_text(self, text, name="prefix"):
        """Refuse text with characters the model has never seen, listing the allowed ones."""
        unknown = sorted(set(text) - set(self.chars))
        if unknown:
            raise DataError(f"{name}: {''.join(unknown)!r} not in the vocabulary; allowed characters are "
                            f"{self.chars!r}")


def docs_fingerprint(docs):
    """sha256 of the documents in their given order (before the run shuffles them): the order decides the shuffle, so
    only the same documents in the same order resume the same run."""
    return hashlib.sha256("\n".join(docs).encode("utf-8")).hexdigest()


def summarize(docs, tokenizer):
    """What a dataset is: its size, vocabulary and first few documents (the start of every summary)."""
    return {"num_docs": len(docs), "vocab": tokenizer.chars, "vocab_size": tokenizer.vocab_size,
            "examples": docs[:NUM_EXAMPLES], "length_counts": length_counts(docs)}


def length_counts(docs):
    """[[characters, documents], ...] by length: the page says how many documents a short block_size cuts."""
    return [list(pair) for pair in sorted(Counter(map(len, docs)).items())]


def split_sizes(num_docs, holdout_fraction):
    """(training documents, held-out documents): the held-out share rounded down."""
    num_holdout = int(num_docs * holdout_fraction)
    return num_docs - num_holdout, num_holdout


@dataclass(frozen=True)
class Dataset:
    docs: list          # all documents, shuffled
    train: list         # docs[:num_train]
    holdout: list       # docs[num_train:]
    tokenizer: Tokenizer

    @classmethod
    def build(cls, docs, rng, holdout_fraction):
        """Shuffle with the run's random stream (first draw of the run, as in the original) and split off the end."""
        docs = list(docs)
        rng.shuffle(docs)
        num_train, _ = split_sizes(len(docs), holdout_fraction)
        return cls(docs, docs[:num_train], docs[num_train:], Tokenizer.from_documents(docs))
