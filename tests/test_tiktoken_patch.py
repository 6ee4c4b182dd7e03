"""tokcost.patch_tiktoken(): real clients that import tiktoken themselves, served by tokcost.

Each client's output under the patch is compared with its output on the real
tiktoken, so a wrong id or count anywhere shows as a different chunk.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import tiktoken

import tokcost
from tokcost.bundled import FLORES_SAMPLE_DIR

LANGUAGES = ["eng_Latn", "jpn_Jpan", "hin_Deva", "rus_Cyrl", "arb_Arab", "tha_Thai", "kor_Hang", "deu_Latn"]


@pytest.fixture(scope="module")
def document() -> str:
    """A long multilingual document: paragraphs of FLORES sentences in eight scripts."""
    paragraphs = []
    for code in LANGUAGES:
        lines = (FLORES_SAMPLE_DIR / f"{code}.txt").read_text(encoding="utf-8").splitlines()[:40]
        paragraphs += [" ".join(lines[i : i + 4]) for i in range(0, 40, 4)]
    return "\n\n".join(paragraphs)


@pytest.fixture(autouse=True)
def _unpatched_after():
    yield
    tokcost.unpatch_tiktoken()


def test_patch_swaps_the_functions_and_undo_restores_them():
    originals = (tiktoken.get_encoding, tiktoken.encoding_for_model, tiktoken.registry.get_encoding)
    patch = tokcost.patch_tiktoken()
    assert isinstance(tiktoken.get_encoding("o200k_base"), tokcost.Encoding)
    assert isinstance(tiktoken.encoding_for_model("gpt-4"), tokcost.Encoding)
    assert tiktoken.encoding_for_model("gpt-4").name == "cl100k_base"
    assert tokcost.patch_tiktoken() is patch and patch.active
    patch.undo()
    assert (tiktoken.get_encoding, tiktoken.encoding_for_model, tiktoken.registry.get_encoding) == originals
    assert type(tiktoken.get_encoding("o200k_base")) is tiktoken.Encoding
    assert not patch.active


def test_context_manager_undoes_on_error():
    with pytest.raises(RuntimeError):
        with tokcost.patch_tiktoken():
            assert isinstance(tiktoken.get_encoding("cl100k_base"), tokcost.Encoding)
            raise RuntimeError("inside")
    assert type(tiktoken.get_encoding("cl100k_base")) is tiktoken.Encoding


def test_what_tokcost_does_not_serve_goes_to_tiktoken():
    with tokcost.patch_tiktoken():
        # tiktoken's own error (it lists its plugins), not tokcost's.
        with pytest.raises(ValueError, match="(?s)Unknown encoding no_such_encoding.*Plugins found"):
            tiktoken.get_encoding("no_such_encoding")
        with pytest.raises(KeyError, match="Could not automatically map no-such-model to a tokeniser"):
            tiktoken.encoding_for_model("no-such-model")


def test_langchain_token_text_splitter_gives_the_same_chunks(document):
    splitters = pytest.importorskip("langchain_text_splitters", reason="pip install langchain-text-splitters")
    reference = splitters.TokenTextSplitter(encoding_name="o200k_base", chunk_size=96, chunk_overlap=16)
    with tokcost.patch_tiktoken():
        patched = splitters.TokenTextSplitter(encoding_name="o200k_base", chunk_size=96, chunk_overlap=16)
    assert isinstance(patched._tokenizer, tokcost.Encoding)
    assert type(reference._tokenizer) is tiktoken.Encoding
    chunks = patched.split_text(document)
    assert len(chunks) > 50
    assert chunks == reference.split_text(document)


def test_langchain_recursive_splitter_from_tiktoken_encoder(document):
    splitters = pytest.importorskip("langchain_text_splitters", reason="pip install langchain-text-splitters")

    def split(model):
        splitter = splitters.RecursiveCharacterTextSplitter.from_tiktoken_encoder(
            model_name=model, chunk_size=120, chunk_overlap=0)
        return splitter.split_text(document)

    for model in ("gpt-4o", "gpt-3.5-turbo"):
        reference = split(model)
        with tokcost.patch_tiktoken():
            patched = split(model)
        assert len(reference) > 20
        assert patched == reference


def test_semchunk_gives_the_same_chunks(document):
    semchunk = pytest.importorskip("semchunk", reason="pip install semchunk")
    for name in ("o200k_base", "gpt-4"):
        reference = semchunk.chunkerify(name, chunk_size=64)(document)
        with tokcost.patch_tiktoken():
            patched = semchunk.chunkerify(name, chunk_size=64)(document)
        assert len(reference) > 50
        assert patched == reference


def test_without_tiktoken_a_stand_in_module_serves_imports():
    code = textwrap.dedent("""
        import sys
        sys.modules["tiktoken"] = None          # as if tiktoken were not installed
        import tokcost
        del sys.modules["tiktoken"]
        sys.meta_path.insert(0, type("NoTiktoken", (), {"find_spec": staticmethod(
            lambda name, *a: (_ for _ in ()).throw(ImportError(name)) if name == "tiktoken" else None)}))
        patch = tokcost.patch_tiktoken()
        import tiktoken
        assert tiktoken.get_encoding("o200k_base").encode("hello world") == [24912, 2375]
        assert tiktoken.encoding_for_model("gpt-4o-mini").name == "o200k_base"
        assert tiktoken.Encoding is tokcost.Encoding
        patch.undo()
        assert "tiktoken" not in sys.modules
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
