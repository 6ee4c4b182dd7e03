"""The HTML report in a real headless Chromium: the charts render and nothing errors.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
JSON messages ending in NUL on file descriptors 3 and 4), so no driver package
is needed. ``.ci/run`` installs Debian's ``chromium`` where it is missing; with
no browser at all the test skips and says why.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pytest

from tokcost.cli import main

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT = 60.0


def _browser() -> str:
    override = os.environ.get("TOKCOST_BROWSER")
    if override:
        return override
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no headless browser: install Debian's chromium (apt-get install -y chromium) or set "
                "TOKCOST_BROWSER; .ci/run does this where apt-get works")


class DevTools:
    """The smallest DevTools-protocol client: send commands, collect events, over a pipe."""

    def __init__(self, binary: str, profile: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        args = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--hide-scrollbars", f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        def protocol_fds():  # in the child: the protocol pipe must be fds 3 (commands) and 4 (replies)
            replies = os.dup(from_browser_w) if from_browser_w == 3 else from_browser_w
            os.dup2(to_browser_r, 3)
            os.dup2(replies, 4)

        self._stderr = open(profile / "stderr.log", "wb")
        self.proc = subprocess.Popen(args, preexec_fn=protocol_fds, close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self._stderr)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list = []
        self.stderr_path = profile / "stderr.log"

    def _read_message(self, deadline: float) -> dict:
        import select

        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the browser did not answer in time; see " + str(self.stderr_path))
            ready, _, _ = select.select([self._from_browser], [], [], remaining)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("the browser closed the DevTools pipe: "
                                       + self.stderr_path.read_text(errors="replace")[-2000:])
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict = None, session: str = None) -> dict:
        self._next_id += 1
        command = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._read_message(deadline)
            self.events.append(message)
            if message.get("method") == method:
                return message

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._stderr.close()


def _png_pixels(png: bytes) -> tuple:
    """(width, height, distinct byte values in the image data): enough to tell a blank image."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


CHART_PROBE = """
JSON.stringify({
  svgs: [...document.querySelectorAll('figure svg')].map(s => {
    const r = s.getBoundingClientRect();
    return {label: s.getAttribute('aria-label'), x: r.x + scrollX, y: r.y + scrollY, width: r.width,
            height: r.height, marks: s.querySelectorAll('rect, path, circle').length};
  }),
  images: [...document.images].map(i => ({src: i.src.slice(0, 40), ok: i.complete && i.naturalWidth > 0})),
  tables: document.querySelectorAll('table').length,
  height: document.documentElement.scrollHeight,
  title: document.title,
})
"""


@pytest.fixture(scope="module")
def html_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", "--out", str(out)]) == 0
    return out


def test_report_renders_in_chromium(html_report, tmp_path):
    browser = DevTools(_browser(), tmp_path)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        browser.send("Page.navigate", {"url": html_report.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        probe = json.loads(browser.send("Runtime.evaluate", {"expression": CHART_PROBE, "returnByValue": True},
                                        session=session)["result"]["value"])

        assert probe["title"].startswith("tokcost report")
        assert probe["tables"] >= 1
        assert all(image["ok"] for image in probe["images"]), probe["images"]
        charts = probe["svgs"]
        assert len(charts) >= 1, "the report has no charts"
        for chart in charts:
            assert chart["width"] > 300 and chart["height"] > 100, chart
            assert chart["marks"] > 3, chart
            shot = browser.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": chart["x"], "y": chart["y"], "width": chart["width"], "height": chart["height"],
                         "scale": 1}}, session=session)
            width, height, distinct = _png_pixels(base64.b64decode(shot["data"]))
            assert width > 300 and height > 100
            assert distinct > 16, f"chart {chart['label']!r} rendered blank"

        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1100, "height": min(int(probe["height"]), 16000), "deviceScaleFactor": 1,
                      "mobile": False}, session=session)
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                            session=session)
        screenshot = tmp_path / "report.png"
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        print(f"screenshot: {screenshot}")

        errors = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"
                  or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
                  or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
        assert errors == [], errors
    finally:
        browser.close()
    assert _png_pixels(screenshot.read_bytes())[2] > 16
