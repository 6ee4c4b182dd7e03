"""Long pieces in linear time, stated plainly: longest match with backtracking.

Byte-pair merging (``_reference.byte_pair_encode``) is quadratic in a piece's
length. For vocabularies built by BPE the same answer can be found left to
right: at each position take the longest token that matches, keep it only if
BPE would leave it next to the token before it (a *valid pair*), otherwise try
the next shorter token that matches there, and back up when nothing fits. The
native long-piece encoder (``src/_native/longpiece.h``) does exactly this with
tables; this module is the slow, readable statement it is tested against.

Why a valid pair is enough: BPE's answer is the one tokenization whose every
adjacent pair is valid (each token's own BPE is itself, and the merges inside
a token come in rank order), and the search below finds a tokenization with
that property.

>>> ranks = {b"a": 0, b"b": 1, b"ab": 2, b"ba": 3}
>>> LongPieceEncoder(ranks).encode(b"abab")
[2, 2]
"""

from __future__ import annotations

from functools import lru_cache

from tokcost._reference import byte_pair_encode


class LongPieceEncoder:
    """Backtracking longest-match BPE over ``ranks`` (token bytes -> rank)."""

    def __init__(self, ranks: dict[bytes, int]) -> None:
        self.ranks = ranks
        self.token = {rank: token for token, rank in ranks.items()}
        self.max_len = max(map(len, ranks))
        self.split = lru_cache(maxsize=None)(self._split)

    def _split(self, rank: int) -> tuple[int, int] | None:
        """The two tokens whose merge made ``rank`` in its own BPE; None for a byte."""
        data = self.token[rank]
        if len(data) == 1:
            return None
        parts = [data[i : i + 1] for i in range(len(data))]
        while len(parts) > 2:  # BPE of the token's bytes, stopped one merge short
            best = min(
                (self.ranks.get(parts[i] + parts[i + 1], len(self.ranks) + 1), i) for i in range(len(parts) - 1)
            )
            i = best[1]
            parts[i : i + 2] = [parts[i] + parts[i + 1]]
        return self.ranks[parts[0]], self.ranks[parts[1]]

    def pair_rank(self, left: int, right: int) -> int | None:
        return self.ranks.get(self.token[left] + self.token[right])

    def is_valid_pair(self, left: int, right: int) -> bool:
        """Whether BPE of the two tokens' bytes ends as exactly these two tokens.

        Replay time backwards from the end of that BPE. At each moment the
        boundary has one token on each side; each side token lived from its
        own merge (its rank) until its parent's merge. A merge across the
        boundary happens when the pair's rank comes before the side tokens
        change: before the left parent's rank (on a tie the left merge is
        further left and wins) and no later than the right parent's rank (on a
        tie the boundary pair is further left and wins).
        """
        left_until = right_until = None  # rank of each side's parent; None: never replaced
        while True:
            rank = self.pair_rank(left, right)
            if rank is not None and (left_until is None or rank < left_until) and (
                right_until is None or rank <= right_until
            ):
                return False
            left_split, right_split = self.split(left), self.split(right)
            if left_split is None and right_split is None:
                return True  # two bytes: nothing happened before
            # Undo the latest merge; on equal ranks the right one came later (leftmost first).
            if right_split is None or (left_split is not None and left > right):
                left_until, left = left, left_split[1]
            else:
                right_until, right = right, right_split[0]

    def longest_prefix_token(self, data: bytes, end: int) -> int | None:
        """The longest token that is a prefix of data[:end] (None if none)."""
        for length in range(min(end, self.max_len), 0, -1):
            rank = self.ranks.get(data[:length])
            if rank is not None:
                return rank
        return None

    def encode(self, piece: bytes) -> list[int]:
        """BPE of ``piece``, found left to right with backtracking."""
        tokens: list[int] = []
        dead = set()  # positions no valid tokenization of the rest can start from
        pos = 0
        candidate = self.longest_prefix_token(piece[pos:], len(piece))
        while pos < len(piece):
            while candidate is not None:
                end = pos + len(self.token[candidate])
                if end not in dead and (not tokens or self.is_valid_pair(tokens[-1], candidate)):
                    break
                candidate = self.longest_prefix_token(piece[pos:], len(self.token[candidate]) - 1)
            if candidate is not None:
                tokens.append(candidate)
                pos = end
                candidate = self.longest_prefix_token(piece[pos:], len(piece) - pos) if pos < len(piece) else None
                continue
            dead.add(pos)  # nothing fits here: undo the last token and try its next shorter prefix
            if not tokens:
                raise AssertionError("no tokenization with valid pairs: the vocabulary is not BPE-built")
            last = tokens.pop()
            pos -= len(self.token[last])
            candidate = self.longest_prefix_token(piece[pos:], len(self.token[last]) - 1)
        return tokens


def check_against_merging(piece: bytes, ranks: dict[bytes, int]) -> bool:
    """Whether the backtracking encoder and plain merging agree on ``piece``."""
    return LongPieceEncoder(ranks).encode(piece) == byte_pair_encode(piece, ranks)
