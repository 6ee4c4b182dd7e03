"""FLORES-200 as the system suite's text: the same sentences on every machine.

``tokcost bench --suite system --corpus flores`` runs the system suite's modes
(``system.py``) on these corpora instead of this machine's files, whose sizes
differ from machine to machine and so give chunks of other sizes. FLORES-200's
dev and devtest splits (2,009 aligned sentences a language, CC BY-SA 4.0) are
the same everywhere:

- each of the issue's languages is its FLORES file (English ``eng_Latn``,
  Chinese ``zho_Hans``, ...), sentences in file order;
- the mix is every other language of the directory, one sentence of each in
  turn, each language starting at another sentence of its 2,009 so that
  neighbours are not translations of one another; no sentence of a language
  corpus is in it (a piece cache never meets a fresh text twice);
- code is the standard library, as in the system suite (FLORES has no code).

A language file holds 240-710 KB, less than a plan with a 256 KB chunk a run
asks for; the suite cuts it into proportionally smaller chunks and reports the
share (``scale``). The bundled sample (200 sentences a language) is too small
to stand in, so the full corpus is required, and it is never downloaded.
"""

from __future__ import annotations

from pathlib import Path

from tokcost.bench import workloads
from tokcost.bench.system_corpora import Corpus, code_corpus
from tokcost.errors import CorpusError

# The languages: corpus name -> FLORES-200 code.
FLORES_LANGUAGES = {
    "chinese": "zho_Hans",
    "japanese": "jpn_Jpan",
    "korean": "kor_Hang",
    "russian": "rus_Cyrl",
    "arabic": "arb_Arab",
    "hindi": "hin_Deva",
    "thai": "tha_Thai",
}
ENGLISH_CODE = "eng_Latn"

MISSING = (
    "the pinned corpus needs the full FLORES-200 (dev + devtest, 2,009 sentences a language, one "
    "<code>.txt per language such as eng_Latn.txt); none was found in {where}. The bundled sample "
    "(200 sentences a language) is too small for it. Get FLORES-200 from "
    "https://github.com/facebookresearch/flores (CC BY-SA 4.0), write each language's dev and devtest "
    "sentences one per line into <code>.txt, and set TOKCOST_FLORES_DIR to that directory; "
    "or run the suite on this machine's files (--corpus system)."
)


def flores_directory(plan: workloads.Plan) -> Path:
    """The full FLORES-200 directory (``Plan.flores``' search: the plan's, $TOKCOST_FLORES_DIR, the
    shared directory beside the checkout). Raises CorpusError, saying how to get it, when none is found."""
    directory, full = plan.flores()
    if not full:
        where = ", ".join(str(p) for p in (plan.flores_dir, "$TOKCOST_FLORES_DIR", workloads.FLORES_SHARED) if p)
        raise CorpusError(MISSING.format(where=where))
    return directory


def mix_units(paths: list) -> list[str]:
    """One sentence of each language in turn; language k starts k/n of the way into its sentences
    (and wraps), so the n translations of a sentence lie far apart instead of side by side."""
    columns = [workloads.read_sentences(p) for p in paths]
    turned = [c[k * len(c) // len(columns):] + c[:k * len(c) // len(columns)] for k, c in enumerate(columns)]
    return [c[i] for i in range(max(map(len, turned), default=0)) for c in turned if i < len(c)]


def _language(name: str, path: Path, bulk: bool) -> Corpus:
    return Corpus(name, f"FLORES-200 {path.stem} ({path})", lambda budget: workloads.read_sentences(path),
                  "" if path.is_file() else f"no {path.name} in {path.parent}", bulk=bulk)


def flores_corpora(plan: workloads.Plan) -> list[Corpus]:
    """The system suite's corpora from FLORES-200, in its order: English, code, seven languages, the mix."""
    directory = flores_directory(plan)
    dedicated = {ENGLISH_CODE, *FLORES_LANGUAGES.values()}
    others = sorted(p for p in directory.glob("*_*.txt") if p.stem not in dedicated)
    corpora = [_language("english", directory / f"{ENGLISH_CODE}.txt", bulk=True), code_corpus()]
    corpora += [_language(name, directory / f"{code}.txt", bulk=False) for name, code in FLORES_LANGUAGES.items()]
    corpora.append(Corpus(
        "mixed", f"FLORES-200: the {len(others)} other languages in {directory}, one sentence of each in turn",
        lambda budget: mix_units(others),
        "" if others else f"no FLORES files but the issue's languages in {directory}"))
    return corpora
