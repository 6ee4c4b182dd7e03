"""The first call on text never seen: a fresh process per measurement, load time left out.

Each contender loads once in its own interpreter (nothing else of the
benchmark's process comes along), which then forks a child per measurement:
the child starts with the tokenizer loaded and no text ever encoded, times one
``encode_ordinary`` of the whole piece (wall time, or its CPU time with ``clock="cpu"``), and reports the seconds with a digest
of the ids, so exactness is checked without sending the ids back. A child that
hangs is stopped by an alarm; one that dies is reported. Needs ``os.fork``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from tokcost.bench.contenders import Contender

_ZYGOTE = """
import gc, hashlib, json, os, signal, sys, time
from array import array
NAME, CLOCK = sys.argv[1], sys.argv[2]
{load_code}
print("ready", flush=True)
for line in sys.stdin:
    path, timeout = line.rstrip("\\n").rsplit("\\t", 1)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            signal.alarm(int(timeout))
            with open(path, encoding="utf-8") as f:
                text = f.read()
            gc.collect()
            gc.disable()
            clock = time.process_time if CLOCK == "cpu" else time.perf_counter
            start = clock()
            ids = enc.encode_ordinary(text)
            seconds = clock() - start
            ids = array("I", ids)
            out = {{"seconds": seconds, "tokens": len(ids), "sha256": hashlib.sha256(ids.tobytes()).hexdigest()}}
        except BaseException as exc:
            out = {{"error": type(exc).__name__ + ": " + str(exc)[:100]}}
        os.write(write_end, json.dumps(out).encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if not data:
        data = json.dumps({{"error": "the child died (wait status %d)" % status}}).encode()
    print(data.decode(), flush=True)
"""


class Zygote:
    """One contender loaded in its own interpreter, forking a fresh child per measurement."""

    def __init__(self, contender: Contender, encoding: str, scratch: Path, clock: str = "wall"):
        import tokcost

        env = dict(os.environ)
        src = str(Path(tokcost.__file__).resolve().parents[1])
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
        env.setdefault("TOKENIZERS_PARALLELISM", "false")  # HF tokenizers: no warning after fork
        self.name = contender.name
        self.stderr = open(scratch / f"{contender.name}.stderr", "w+")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE.format(load_code=contender.load_code), encoding, clock],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        self.error = ""

    def ready(self) -> bool:
        for line in self.process.stdout:  # a library may print something of its own first
            if line.strip() == "ready":
                return True
        self.error = f"could not load: {self._last_error()}"
        return False

    def measure(self, path: Path, timeout_s: int) -> dict:
        try:
            self.process.stdin.write(f"{path}\t{max(1, int(timeout_s))}\n")
            self.process.stdin.flush()
            for line in self.process.stdout:
                if line.startswith("{"):
                    return json.loads(line)
            return {"error": f"the loader died: {self._last_error()}"}
        except (OSError, ValueError) as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}

    def _last_error(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        lines = [line.strip() for line in self.stderr.read().splitlines() if line.strip()]
        return lines[-1][:120] if lines else "no message"

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.stderr.close()


def first_calls(contenders: Sequence[Contender], encoding: str, texts: dict, runs: int,
                timeout_s: int = 300, progress=lambda it, total, desc: it, clock: str = "wall") -> tuple[dict, dict]:
    """``{(corpus, contender): [measurement per run]}`` (each a dict of seconds, tokens,
    sha256, or an error), interleaved: run by run, corpus by corpus, the first contender
    rotating; and ``{contender: why it was left out}`` for those that would not load."""
    if not hasattr(os, "fork"):
        return {}, {c.name: "first calls need os.fork (POSIX)" for c in contenders}
    with tempfile.TemporaryDirectory(prefix="tokcost-bench-first-call-") as scratch:
        paths = {}
        for name, text in texts.items():
            paths[name] = Path(scratch, f"{name}.txt")
            paths[name].write_text(text, encoding="utf-8")
        zygotes = [Zygote(c, encoding, Path(scratch), clock) for c in contenders]  # load side by side
        try:
            failed = {z.name: z.error for z in zygotes if not z.ready()}
            live = [z for z in zygotes if z.name not in failed]
            samples: dict = {}
            steps = [(run, name) for run in range(runs) for name in texts]
            for i, (run, name) in enumerate(progress(steps, len(steps), "first calls")):
                k = i % max(len(live), 1)
                for z in live[k:] + live[:k]:
                    samples.setdefault((name, z.name), []).append(z.measure(paths[name], timeout_s))
            return samples, failed
        finally:
            for z in zygotes:
                z.close()


def summarize(samples: Sequence[dict], reference: Optional[Sequence[dict]]) -> dict:
    """Seconds per run, ratios to the reference's run, exactness, and the first error."""
    errors = [s["error"] for s in samples if "error" in s]
    good = [s for s in samples if "error" not in s]
    out = {"times": [s["seconds"] for s in good], "ratios": [], "exact": None, "skipped": errors[0] if errors else ""}
    if reference and not errors:
        pairs = [(r, s) for r, s in zip(reference, samples) if "error" not in r]
        out["ratios"] = [r["seconds"] / s["seconds"] for r, s in pairs if s["seconds"]]
        out["exact"] = bool(pairs) and all(r["sha256"] == s["sha256"] and r["tokens"] == s["tokens"]
                                           for r, s in pairs)
    return out
