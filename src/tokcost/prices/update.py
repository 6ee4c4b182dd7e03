"""genai-prices' published price data, fetched only when the user asks (``tokcost prices update``).

genai-prices ships a dated snapshot in its package and publishes newer data as
one JSON file, the one its own auto-updater downloads
(``genai_prices.update_prices.DEFAULT_UPDATE_URL``). tokcost never fetches at
import or test time: ``fetch`` runs only from that command. It checks that the
file is JSON that genai-prices' own schema accepts, then writes it atomically,
with the time it was fetched, to ``<cache>/genai-prices-data.json`` (the cache
is ``$TOKCOST_CACHE_DIR``, else ``$XDG_CACHE_HOME/tokcost``, else
``~/.cache/tokcost``). Any failure leaves the previous file in place. From then
on the catalog reads that file instead of the bundled snapshot, and says so.

``TOKCOST_PRICES_URL`` (or ``--url``) points the download elsewhere: a mirror,
or a local server in tests.

genai-prices records no date for its data, so its age is judged by the newest
price change it records (the latest start date on or before today); a
downloaded file also carries the day it was fetched.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tokcost.errors import PriceError
from tokcost.files import write_atomically

URL_ENV = "TOKCOST_PRICES_URL"
FILE_NAME = "genai-prices-data.json"
STALE_DAYS = 90  # older price data gets a note
# genai_prices.update_prices.DEFAULT_UPDATE_URL (0.2.3), used when that module cannot be imported.
PUBLISHED_URL = "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/new_data/v2/data.json"


@dataclass(frozen=True)
class Downloaded:
    """genai-prices data fetched into the cache: the snapshot, when and where from."""

    snapshot: object  # genai_prices.data_snapshot.DataSnapshot
    fetched: _dt.datetime
    url: str
    path: Path


def data_path() -> Optional[Path]:
    """Where the fetched data lives (None: the cache is disabled with TOKCOST_CACHE_DIR=)."""
    from tokcost.vocab import cache_dir

    folder = cache_dir()
    return None if folder is None else folder / FILE_NAME


def published_url() -> str:
    """The URL genai-prices' own updater downloads, unless TOKCOST_PRICES_URL names another."""
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    try:
        from genai_prices.update_prices import DEFAULT_UPDATE_URL
    except Exception:  # its HTTP client is missing: the same URL, as of genai-prices 0.2.3
        return PUBLISHED_URL
    return DEFAULT_UPDATE_URL


def fetch(url: Optional[str] = None, timeout: float = 30) -> Downloaded:
    """Download, verify and store genai-prices' published data; PriceError (old data kept) on any failure."""
    url = url or published_url()
    path = data_path()
    if path is None:
        raise PriceError("the cache is disabled (TOKCOST_CACHE_DIR is empty); set it to a folder to keep "
                         "downloaded prices")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - the user's own URL
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise PriceError(f"{url}: HTTP {exc.code} {exc.reason}; prices unchanged (check the URL or try later)") \
            from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PriceError(f"cannot reach {url} ({reason}); prices unchanged (offline? try again later)") from None
    try:
        raw = json.loads(body)
    except ValueError as exc:
        raise PriceError(f"{url}: not JSON ({exc}); prices unchanged") from None
    snapshot = _snapshot(raw, url)
    fetched = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps({"fetched": fetched.isoformat(), "url": url, "providers": raw}))
    return Downloaded(snapshot, fetched, url, path)


def _snapshot(raw, origin: str):
    """genai-prices' DataSnapshot of ``raw`` provider data; PriceError if its schema rejects it."""
    from genai_prices import data_snapshot

    if not isinstance(raw, list) or not raw:
        raise PriceError(f"{origin}: expected genai-prices' list of providers; prices unchanged")
    try:
        from genai_prices.types import _providers_from_raw  # what genai-prices' own updater uses

        providers = _providers_from_raw(raw)
    except Exception as exc:
        first = str(exc).strip().splitlines()
        raise PriceError(f"{origin}: not genai-prices price data ({first[0] if first else type(exc).__name__}); "
                         "prices unchanged") from None
    return data_snapshot.DataSnapshot(providers=providers, from_auto_update=True)


def downloaded() -> Optional[Downloaded]:
    """The fetched data in the cache, or None when there is none (or it no longer reads)."""
    path = data_path()
    if path is None or not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        fetched = _dt.datetime.fromisoformat(document["fetched"])
        return Downloaded(_snapshot(document["providers"], str(path)), fetched, document.get("url", ""), path)
    except (OSError, ValueError, KeyError, TypeError, PriceError):
        return None


def newest_change(providers, today: Optional[_dt.date] = None) -> Optional[_dt.date]:
    """The latest date on or before ``today`` on which a price in ``providers`` took effect."""
    today = today or _dt.date.today()
    newest = None
    for provider in providers:
        for model in provider.models:
            for conditional in model.prices if isinstance(model.prices, list) else ():
                start = getattr(conditional.constraint, "start_date", None)
                start = start.date() if isinstance(start, _dt.datetime) else start
                if start is not None and start <= today and (newest is None or start > newest):
                    newest = start
    return newest


def freshness(catalog, today=None) -> dict:
    """How old ``catalog``'s price data is: a summary line, and notes when it is older than STALE_DAYS."""
    today = today or _dt.date.today()
    newest = newest_change(catalog._snapshot.providers, today)
    fetched = catalog.downloaded.fetched.date() if catalog.downloaded is not None else None
    corrections = max((p.effective for e in catalog._correction_file.histories for p in e.points if p.effective),
                      default=None)
    if fetched:
        origin = f"genai-prices data fetched {fetched} ({(today - fetched).days} days ago, {catalog.downloaded.path})"
        age = (today - fetched).days
    else:
        origin = f"genai-prices {catalog.genai_version} bundled data"
        age = (today - newest).days if newest else None
    summary = (f"Price data: {origin}; newest price change on record {newest or 'none'}"
               + (f" ({(today - newest).days} days ago)" if newest else "")
               + (f"; tokcost corrections up to {corrections}" if corrections else ""))
    notes = []
    if age is None or age > STALE_DAYS:
        notes.append(f"prices may be out of date (the data is {age if age is not None else 'of unknown'} days old, "
                     f"more than {STALE_DAYS}); run `tokcost models --update` for genai-prices' latest data")
    return {"summary": summary, "notes": notes, "age_days": age, "newest_change": newest, "fetched": fetched,
            "corrections_up_to": corrections}
