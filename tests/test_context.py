"""Context windows: text cut to a token budget (--truncate, --fit) and the share of a window a count takes.

Every expected cut comes from tiktoken: its tokens, its token bytes, its count
of the kept text. The cut must end on one of tiktoken's token boundaries that is
also a character boundary, and the kept text must count at most the budget.
"""

from __future__ import annotations

import io
import json

import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

import tokcost
from tokcost.bundled import FLORES_SAMPLE_DIR
from tokcost.cli import main
from tokcost.context import truncate, window_use


def _reference_cut(name: str, text: str, budget: int) -> str:
    """The longest start of ``text`` on a tiktoken token boundary, whole characters, counting <= budget."""
    ref = tiktoken.get_encoding(name)
    tokens = ref.encode_ordinary(text)
    if len(tokens) <= budget:
        return text
    for keep in range(budget, -1, -1):
        try:
            head = ref.decode_bytes(tokens[:keep]).decode("utf-8")
        except UnicodeDecodeError:
            continue  # the keep-th token ends inside a character
        if len(ref.encode_ordinary(head)) <= budget:
            return head
    return ""


def _lines(code: str, n: int = 3) -> list:
    return (FLORES_SAMPLE_DIR / f"{code}.txt").read_text(encoding="utf-8").splitlines()[:n]


TEXTS = [
    "This is too many tokens",
    "😀 ok",
    "ქართული ენა",
    "ᐊᐃᓐᓇᐅ 𓀀𓀁",
    "नमस्ते दुनिया",
    "def f(x):\n    return x  +  1\n\n\n# done   \n",
    " ".join(_lines("kat_Geor", 1) + _lines("hin_Deva", 1) + _lines("jpn_Jpan", 1) + _lines("amh_Ethi", 1)),
]


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base", "r50k_base"])
@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_every_budget_cuts_where_tiktoken_says(name, text):
    enc = tokcost.get_encoding(name)
    total = len(tiktoken.get_encoding(name).encode_ordinary(text))
    for budget in range(0, total + 2):
        cut = truncate(enc, text, budget)
        assert cut.text == _reference_cut(name, text, budget), budget
        assert text.startswith(cut.text)
        assert cut.tokens == len(tiktoken.get_encoding(name).encode_ordinary(cut.text)) <= budget
        assert cut.total_tokens == total


def test_a_token_that_ends_inside_a_character_is_dropped():
    enc = tokcost.get_encoding("cl100k_base")
    ref = tiktoken.get_encoding("cl100k_base")
    # cl100k splits 😀 (f0 9f 98 80) into two tokens: the first ends inside the character.
    assert [ref.decode_single_token_bytes(t) for t in ref.encode_ordinary("😀 ok")][:2] == [b"\xf0\x9f\x98", b"\x80"]
    assert truncate(enc, "😀 ok", 1).text == ""
    assert truncate(enc, "😀 ok", 2).text == "😀"
    # नमस्ते: the 4th token holds ् and the first two bytes of त
    assert truncate(enc, "नमस्ते", 4).text == "नमस"
    assert truncate(enc, "नमस्ते", 5).text == "नमस्त"


def test_a_text_within_budget_is_kept_byte_for_byte():
    enc = tokcost.get_encoding("o200k_base")
    text = "line one\r\nline two\n\n"
    assert truncate(enc, text, 100).text == text
    with pytest.raises(ValueError):
        truncate(enc, text, -1)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.integers(min_value=0, max_value=40))
def test_random_text_cuts_like_tiktoken(text, budget):
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert truncate(tokcost.get_encoding("cl100k_base"), text, budget).text == _reference_cut("cl100k_base", text,
                                                                                                 budget)


def test_window_use():
    assert window_use(150_000, 128_000) == {"tokens": 150_000, "window": 128_000, "share": 150_000 / 128_000,
                                            "overflow": 22_000, "fits": False}
    assert window_use(64_000, 128_000)["fits"] and window_use(64_000, 128_000)["share"] == 0.5
    assert window_use(5, None)["window"] is None


# ---------------------------------------------------------------------------- the CLI


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_truncate_prints_the_kept_text_only(monkeypatch, capsys):
    _stdin(monkeypatch, "This is too many tokens")
    assert main(["count", "--truncate", "3"]) == 0
    out, err = capsys.readouterr()
    assert out == "This is too" and err == ""


def test_truncate_with_a_model_uses_its_tokenizer(monkeypatch, capsys):
    text = " ".join(_lines("hin_Deva", 5))
    _stdin(monkeypatch, text)
    assert main(["count", "-t", "50", "--model", "gpt-4"]) == 0
    assert capsys.readouterr().out == _reference_cut("cl100k_base", text, 50)


def test_fit_cuts_to_the_models_window_less_the_reserve(tmp_path, capsys):
    # gpt-3.5-turbo-0125: 16,385 tokens (OpenAI's model page; genai-prices records the same)
    path = tmp_path / "long.txt"
    text = " ".join(_lines("deu_Latn", 200)) * 3
    path.write_text(text, encoding="utf-8")
    assert len(tiktoken.get_encoding("cl100k_base").encode_ordinary(text)) > 16_385
    assert main(["count", str(path), "--fit", "gpt-3.5-turbo-0125", "--reserve", "1385"]) == 0
    out = capsys.readouterr().out
    assert out == _reference_cut("cl100k_base", text, 15_000)


def test_fit_rejects_conflicting_options(capsys):
    assert main(["count", "-", "--fit", "gpt-4o", "--model", "gpt-4"]) == 2
    assert main(["count", "-", "--truncate", "5", "--chat"]) == 2
    assert main(["count", "-", "--truncate", "5", "--reserve", "2"]) == 2
    assert main(["count", "-", "--truncate", "-5"]) == 2
    assert main(["count", "-", "--fit", "gpt-4oo"]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    assert all(line.startswith("tokcost: error: ") for line in lines) and len(lines) == 5
    assert "Did you mean 'gpt-4o'" in lines[-1]


def test_count_with_a_model_says_exact_and_its_window(tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("hello world " * 10_000, encoding="utf-8")
    assert main(["count", str(path), "--model", "gpt-3.5-turbo-0125", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    tokens = len(tiktoken.get_encoding("cl100k_base").encode_ordinary("hello world " * 10_000))
    assert doc["counts"] == "exact" and doc["tokenizer"] == "cl100k_base" and doc["total_tokens"] == tokens
    assert doc["context"] == {"tokens": tokens, "window": 16_385, "share": tokens / 16_385,
                              "overflow": tokens - 16_385, "fits": False}
    assert main(["count", str(path), "--model", "gpt-3.5-turbo-0125"]) == 0
    out = capsys.readouterr().out
    assert f"overflow the 16,385-token context window by {tokens - 16_385:,}" in out


def test_count_with_a_closed_model_is_a_labelled_estimate(tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("Bonjour le monde", encoding="utf-8")
    assert main(["count", str(path), "--model", "claude-haiku-4-5", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["counts"] == "estimate" and doc["exact"] is False and doc["tokenizer"].startswith("≈")
    assert doc["context"]["window"] == 200_000 and doc["context"]["fits"]
    assert main(["count", str(path), "--model", "claude-haiku-4-5"]) == 0
    out, err = capsys.readouterr()
    assert "estimate" in out and "200,000" in out and "estimate" in err


def test_chat_logs_with_a_closed_model_count_with_its_stand_in(tmp_path, capsys):
    messages = [{"role": "user", "content": "Bonjour, où est ma commande ?"}, {"role": "assistant", "content": "Je vérifie."}]
    (tmp_path / "log.jsonl").write_text(json.dumps({"messages": messages}) + "\n", encoding="utf-8")
    assert main(["count", str(tmp_path), "--chat", "--model", "claude-haiku-4-5", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ref = tiktoken.get_encoding("o200k_base")
    # OpenAI's recipe: 3 per message, its role and content, 3 to prime the reply; counted with the stand-in
    expected = sum(3 + len(ref.encode(m["role"])) + len(ref.encode(m["content"])) for m in messages) + 3
    assert doc["total_tokens"] == expected and doc["counts"] == "estimate" and doc["tokenizer"] == "≈o200k_base"
