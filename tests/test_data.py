"""Data: parsing, the tokenizer, the split, and a clear refusal of every bad dataset."""

import random

import pytest

from microgpt.data import (MAX_BYTES, DataError, Dataset, Tokenizer, builtin_documents, builtin_text, docs_fingerprint,
                           parse_documents, read_text_file)


def test_documents_are_stripped_lines_without_empties():
    assert parse_documents("  ann \n\n bob\r\ncy\n") == ["ann", "bob", "cy"]


def test_tokenizer_round_trip_and_bos():
    tok = Tokenizer.from_documents(["bob", "ann"])
    assert tok.chars == "abno" and tok.bos == 4 and tok.vocab_size == 5
    assert tok.document_tokens("ab") == [4, 0, 1, 4]
    assert tok.decode(tok.encode("noon")) == "noon"


def test_prefix_outside_vocabulary_lists_allowed_characters():
    with pytest.raises(DataError, match="'Z' not in the vocabulary; allowed characters are 'abno'"):
        Tokenizer("abno").check_text("aZ")


def test_holdout_comes_from_the_end_of_the_shuffle():
    docs = [f"d{i}" for i in range(100)]
    full = Dataset.build(docs, random.Random(1), 0.0)
    split = Dataset.build(docs, random.Random(1), 0.1)
    assert split.train == full.docs[:90] and split.holdout == full.docs[90:]


def test_builtin_dataset_ships_with_the_package_and_is_parsed_once():
    docs = builtin_documents()
    assert len(docs) > 5000 and all(d.isalpha() and d.islower() for d in docs)
    assert list(docs) == parse_documents(builtin_text()) and builtin_documents() is docs


def test_the_fingerprint_names_the_documents_in_their_order():
    # The order decides the run's shuffle, so the same documents in another order would not resume the same run.
    assert docs_fingerprint(["bob", "ann"]) != docs_fingerprint(["ann", "bob"])
    assert docs_fingerprint(["ann", "bob"]) != docs_fingerprint(["ann", "bobby"])
    assert docs_fingerprint(("ann", "bob")) == docs_fingerprint(["ann", "bob"])


@pytest.mark.parametrize("text, words", [
    ("", "no documents"),
    ("  \n \t\n", "no documents"),
    ("onlyone\n", "only 1 document"),
    ("".join(chr(0x4E00 + i) + "\n" for i in range(300)), "distinct characters"),
])
def test_bad_text_is_refused(text, words):
    with pytest.raises(DataError, match=words):
        parse_documents(text)


def test_bad_files_are_refused(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_text_file(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="is a folder"):
        read_text_file(tmp_path)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"ann\n\xff\xfebob\n")
    with pytest.raises(DataError, match="not UTF-8"):
        read_text_file(binary)
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as out:
        out.truncate(MAX_BYTES + 1)
    with pytest.raises(DataError, match="bytes allowed"):
        read_text_file(huge)
