"""Reading the user's files and writing ours: the only place tokcost touches file contents it owns.

``write_atomically`` writes through a temporary file in the same directory and
renames it over the target, so a reader (a browser tab reloading, another
process loading cached tables) never sees half a file and a failed write
leaves the previous file intact.
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a sixth of `import tokcost`)
if TYPE_CHECKING:
    from typing import Union


def write_atomically(path: Union[str, os.PathLike], data: Union[str, bytes], *, mode: int = 0o644) -> Path:
    """Write ``data`` (str as UTF-8) to ``path`` atomically; return the path."""
    import tempfile  # here: with shutil and random under it, a tenth of `import tokcost`

    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def read_user_text(path, error: type, kind: str, missing_fix: str, encoding_fix: str) -> str:
    """The UTF-8 text of a ``kind`` file the user named; ``error`` with a one-line fix otherwise."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such {kind}; {missing_fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read ({exc}); {encoding_fix}") from None
