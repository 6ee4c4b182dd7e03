"""The price catalog: hand-computed costs, dated history, corrections, overrides."""

import json
from datetime import date
from decimal import Decimal

import pytest

import tokcost
from tokcost.prices import Catalog, PriceError, estimate_cost, get_price


def test_estimate_cost_gpt_4o_mini_hand_computed():
    # 1M input at $0.15 + 200k output at $0.60/M = 0.15 + 0.12
    assert tokcost.estimate_cost("gpt-4o-mini", input_tokens=1_000_000, output_tokens=200_000,
                                 at="2024-08-01") == Decimal("0.27")


def test_estimate_cost_returns_decimal_unrounded():
    cost = estimate_cost("gpt-4o-mini", input_tokens=7, output_tokens=3, at=date(2024, 8, 1))
    # 7 * 0.15 / 1e6 + 3 * 0.60 / 1e6 = 0.00000105 + 0.0000018
    assert isinstance(cost, Decimal)
    assert cost == Decimal("0.00000285")


def test_cached_input_is_part_of_input():
    # gpt-4o after 2024-10-02: 1000 prompt tokens, 600 of them cached
    # 400 * 2.50 + 600 * 1.25 + 100 * 10 = 1000 + 750 + 1000 = 2750 per million
    cost = estimate_cost("gpt-4o", input_tokens=1000, output_tokens=100, cached_input_tokens=600, at="2025-01-01")
    assert cost == Decimal("0.00275")


def test_batch_halves_every_rate():
    # gpt-4o-mini batch: 0.075 in, 0.0375 cached, 0.30 out
    cost = estimate_cost("gpt-4o-mini", input_tokens=2_000_000, output_tokens=1_000_000,
                         cached_input_tokens=1_000_000, batch=True, at="2025-01-01")
    assert cost == Decimal("0.075") + Decimal("0.0375") + Decimal("0.30")


def test_unknown_model_did_you_mean():
    with pytest.raises(tokcost.UnknownModelError, match="Did you mean 'gpt-4o-mini'"):
        estimate_cost("gpt-4o-mnii", 1)
    with pytest.raises(KeyError):
        estimate_cost("no-such-model-at-all", 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"input_tokens": -1}, "non-negative"),
    ({"input_tokens": 10, "cached_input_tokens": 11}, "exceeds input_tokens"),
    ({"output_tokens": "many"}, "not a number"),
])
def test_bad_token_counts(kwargs, message):
    with pytest.raises(PriceError, match=message):
        estimate_cost("gpt-4o-mini", **kwargs)


# ---- dated history and corrections (hand-typed from the sources cited in data/price_corrections.toml)

@pytest.mark.parametrize("model, at, expected", [
    ("gpt-4o", "2024-05-13", ("5", None, "15")),          # launch, 'Hello GPT-4o'
    ("gpt-4o", "2024-10-01", ("5", None, "15")),          # alias still on 2024-05-13
    ("gpt-4o", "2024-10-02", ("2.5", "1.25", "10")),      # alias moved to 2024-08-06
    ("gpt-4o-mini", "2024-07-18", ("0.15", None, "0.6")),
    ("gpt-4o-mini", "2026-11-25", ("0.15", "0.075", "0.6")),
    ("gpt-3.5-turbo", "2023-03-01", ("2", None, "2")),
    ("gpt-3.5-turbo", "2023-06-13", ("1.5", None, "2")),
    ("gpt-3.5-turbo", "2024-02-16", ("0.5", None, "1.5")),
    ("gpt-3.5-turbo-0125", "2024-06-01", ("0.5", None, "1.5")),
    ("text-davinci-003", "2022-12-01", ("20", None, "20")),
    ("o3", "2025-05-01", ("10", "2.5", "40")),
    ("o3", "2025-06-10", ("2", "0.5", "8")),
    ("gpt-4", "2023-03-14", ("30", None, "60")),
])
def test_price_history(model, at, expected):
    rates = get_price(model, at=at).standard
    got = (rates.input, rates.cached_input, rates.output)
    assert got == tuple(None if v is None else Decimal(v) for v in expected)


def test_gpt_4o_mid_2024_costs_launch_price_not_genai_alias_price():
    # genai-prices prices the gpt-4o alias at $2.50/$10 always; in June 2024 it was $5/$15.
    assert estimate_cost("gpt-4o", 1_000_000, 1_000_000, at="2024-06-15") == Decimal("20")


def test_before_launch_is_an_error():
    with pytest.raises(PriceError, match="no price before 2024-07-18"):
        get_price("gpt-4o-mini", at="2024-07-17")


def test_batch_history_starts_with_the_batch_api():
    with pytest.raises(PriceError, match="no Batch API before 2024-04-15"):
        estimate_cost("gpt-4", 1000, batch=True, at="2024-04-14")
    # from 2024-04-15: half of $30/$60
    assert estimate_cost("gpt-4", 1_000_000, 1_000_000, batch=True, at="2024-04-15") == Decimal("45")


def test_davinci_has_no_batch():
    with pytest.raises(PriceError, match="no Batch API price"):
        estimate_cost("text-davinci-003", 1000, batch=True, at="2022-12-01")


def test_dated_snapshot_names_and_other_providers_resolve():
    assert get_price("gpt-4o-mini-2024-07-18", at="2025-01-01").model == "gpt-4o-mini"
    price = get_price("claude-sonnet-4-5")
    assert price.provider == "anthropic" and "genai-prices" in price.snapshot
    assert get_price("anthropic/claude-sonnet-4-5").provider == "anthropic"


def test_every_figure_names_its_snapshot():
    price = get_price("gpt-4o", at="2024-06-01")
    assert "2024-05-13" in price.snapshot and "Hello GPT-4o" in price.snapshot


def test_at_accepts_dates_datetimes_and_rejects_garbage():
    from datetime import datetime
    assert estimate_cost("gpt-4o", 1000, at=datetime(2024, 6, 1, 12)) == Decimal("0.005")
    with pytest.raises(PriceError, match="YYYY-MM-DD"):
        estimate_cost("gpt-4o", 1000, at="June")


# ---- user overrides

def test_toml_overrides_replace_history(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('[[price]]\nmodel = "gpt-4o"\ninput = 2.0\noutput = 8\ncached_input = 1\n'
                    'batch_discount = 0.5\neffective = 2025-01-01\nsource = "contract"\naliases = ["our-4o"]\n'
                    '\n[[price]]\nmodel = "acme-1"\nprovider = "acme"\ninput = "0.30"\noutput = 1.2\n')
    catalog = Catalog().with_overrides(path)
    # 1M in (400k cached) + 1M out: 600k*2 + 400k*1 + 1M*8 = 9.6
    assert catalog.estimate_cost("our-4o", 1_000_000, 1_000_000, 400_000, at="2025-02-01") == Decimal("9.6")
    assert catalog.estimate_cost("gpt-4o", 1_000_000, 0, batch=True, at="2025-02-01") == Decimal("1")
    assert catalog.estimate_cost("acme-1", 1_000_000, 1_000_000) == Decimal("1.5")
    assert "contract" in catalog.price("gpt-4o", "2025-02-01").snapshot
    with pytest.raises(PriceError, match="no price before 2025-01-01"):
        catalog.price("gpt-4o", "2024-12-31")


def test_json_overrides(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text('{"price": [{"model": "acme-2", "input": 1, "output": 3}]}')
    assert Catalog().with_overrides(path).estimate_cost("acme-2", 500_000, 500_000) == Decimal("2")


@pytest.mark.parametrize("name, text, message", [
    ("p.toml", '[[price]]\nmodel = "x"\ninput = 1\noutptu = 2\n', r"p.toml:4: field 'outptu': unknown field \(Did you mean 'output'\?\)"),
    ("p.toml", '[[price]]\nmodel = "x"\ninput = "abc"\noutput = 2\n', r"p.toml:3: field 'input': 'abc' is not a number; write"),
    ("p.toml", '[[price]]\nmodel = "x"\ninput = 1\n', r"p.toml:1: missing field 'output'; add output"),
    ("p.toml", '[[price]]\nmodel = "x"\ninput = -1\noutput = 2\n', r"p.toml:3: field 'input': -1 is negative"),
    ("p.toml", '[[price]]\nmodel = "x"\ninput = 1\noutput = 2\neffective = "soon"\n', r"p.toml:5: field 'effective'.*YYYY-MM-DD"),
    ("p.toml", '[[price]\nmodel = "x"\n', r"p.toml:1: invalid TOML"),
    ("p.toml", 'title = "nothing"\n', r"p.toml:1: no price entries"),
    ("p.json", '{"price": [\n {"model": "a", "input": 1, "output": 2},\n {"model": "b",\n  "input": true,\n  "output": 2}]}',
     r"p.json:4: field 'input': True is not a number"),
    ("p.json", '{"price": [}', r"p.json:1: invalid JSON"),
    ("p.toml", '[batch_api.acme]\nlaunchd = 2025-03-01\nsource = "s"\n[[price]]\nmodel = "m"\ninput = 1\noutput = 2\n',
     r"p.toml:2: field 'launchd': unknown field \(Did you mean 'launched'\?\)"),
    ("p.toml", '[batch_api.acme]\nsource = "s"\n[[price]]\nmodel = "m"\ninput = 1\noutput = 2\n',
     r"p.toml:1: missing field 'launched'; add launched = \.\.\. to this \[batch_api.acme\] table"),
    ("p.toml", '[[price]]\nmodel = "m"\ninput = 1\noutput = 2\ncached_input = nan\n',
     r"p.toml:5: field 'cached_input': nan is not a finite number"),
    ("p.toml", '[[price]]\nmodel = "m"\ninput = 1\noutput = 2\n\n[[price]]\nmodel = "m"\ninput = 3\noutput = 4\n',
     r"p.toml:6: field 'effective': m already has a price effective undated"),
    ("p.toml", '[[price]]\nmodel = "m"\ninput = 1\noutput = 2\ncache_write_5m = "x"\n',
     r"p.toml:5: field 'cache_write_5m': 'x' is not a number"),
    ("p.toml", '[[price]]\nmodel = "m"\ninput = 1\noutput = 2\nlong_context = [{above = 0, input = 2, output = 4}]\n',
     r"p.toml:5: field 'long_context.above': 0 is not a token count; write the prompt size"),
    ("p.toml", '[[price]]\nmodel = "m"\ninput = 1\noutput = 2\nlong_context = [{above = 9, input = 2}]\n',
     r"p.toml:5: missing field 'long_context.output'; add output = \.\.\. to this long_context table"),
    ("p.toml", '[[price]]\nmodel = "m"\ninput = 1\noutput = 2\nflex = {input = 1, output = 2, cache = 1}\n',
     r"p.toml:5: field 'flex.cache': unknown field.*use one of input, output, cached_input"),
    ("p.toml", '[batch_api.acme]\nlaunched = 2025-03-01\nsource = "s"\ndiscount = 2\n[[price]]\nmodel = "m"\ninput = 1\noutput = 2\n',
     r"p.toml:4: field 'discount': 2 is above 1"),
    ("p.toml", '[[price]]\nmodel = "m"\ninput = 1\noutput = 2\nsource = 5\n',
     r"p.toml:5: field 'source': 5 is not text; write it in quotes, e.g. source = \"\.\.\.\""),
])
def test_bad_price_files_give_one_line_errors(tmp_path, name, text, message):
    from tokcost.errors import PriceFileError
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(PriceFileError, match=message) as info:
        Catalog().with_overrides(path)
    assert "\n" not in str(info.value)


def test_missing_price_file(tmp_path):
    from tokcost.errors import PriceFileError
    with pytest.raises(PriceFileError, match="no such prices file"):
        Catalog().with_overrides(tmp_path / "none.toml")


def test_user_batch_api_dates_batch_rates(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('[batch_api.acme]\nlaunched = 2025-03-01\nsource = "acme batch launch"\n\n'
                    '[[price]]\nmodel = "acme-3"\nprovider = "acme"\ninput = 2\noutput = 6\nbatch_discount = 0.25\n'
                    'effective = 2025-01-01\n')
    catalog = Catalog().with_overrides(path)
    with pytest.raises(PriceError, match="no Batch API before 2025-03-01"):
        catalog.estimate_cost("acme-3", 1_000_000, batch=True, at="2025-02-01")
    # a quarter of $2 + $6 per million
    assert catalog.estimate_cost("acme-3", 1_000_000, 1_000_000, batch=True, at="2025-03-01") == Decimal(2)
    assert catalog.price("acme-3", "2025-03-01").batch_source == "acme batch launch"


def test_user_file_with_cache_writes_long_context_and_tiers(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('[[price]]\nmodel = "acme-4"\nprovider = "acme"\ninput = 2\noutput = 10\ncached_input = 0.2\n'
                    'cache_write_5m = 2.5\ncache_write_1h = 4\nrequest_fee = 0.01\nbatch_discount = 0.5\n'
                    'long_context = [{above = 100000, input = 4, output = 15}]\n'
                    'priority = {input = 3, output = 15}\n')
    from tokcost.prices.billing import Usage, bill

    price = Catalog().with_overrides(path).price("acme-4")
    small = Usage(input_tokens=60_000, cache_write_5m_tokens=10_000, cache_write_1h_tokens=10_000,
                  cache_read_tokens=20_000, output_tokens=1_000)
    # 20,000 x 2 + 10,000 x 2.5 + 10,000 x 4 + 20,000 x 0.2 + 1,000 x 10 = 119,000 per million, + $0.01 per request
    assert bill(price, small).total == Decimal("0.129")
    big = Usage(input_tokens=200_000, cache_read_tokens=100_000, output_tokens=1_000, tier="batch")
    # above 100,000: input 4, cache reads 0.2 x 2 = 0.4 (scaled with input), output 15; batch halves the tokens:
    # (100,000 x 4 + 100,000 x 0.4 + 1,000 x 15) / 2 = 227,500 per million, + $0.01
    assert bill(price, big).total == Decimal("0.2375")
    assert bill(price, Usage(input_tokens=1_000_000, tier="priority")).total == Decimal("3")


def test_genai_prices_long_context_tiers_are_read_for_every_key():
    # Claude Sonnet 4.5 (docs.anthropic.com/en/docs/about-claude/pricing): above 200K input tokens $6 input,
    # $22.50 output, $7.50 5m writes, $12 1h writes, $0.60 hits
    tier = get_price("claude-sonnet-4-5", at="2026-01-01").standard.long_context[0]
    assert tier.above == 200_000
    assert (tier.rates.input, tier.rates.output, tier.rates.cache_write_5m, tier.rates.cache_write_1h,
            tier.rates.cached_input) == (6, Decimal("22.5"), Decimal("7.5"), 12, Decimal("0.6"))


@pytest.mark.parametrize("model, launched, batch_input", [
    # Anthropic Message Batches (2024-10-08) and Gemini Batch Mode (2025-07-07): 50% of standard prices
    ("claude-3-haiku", date(2024, 10, 8), Decimal("0.125")),
    ("claude-3-5-sonnet", date(2024, 10, 8), Decimal("1.5")),
    ("claude-opus-4-1", date(2024, 10, 8), Decimal("7.5")),
    ("gemini-2.0-flash", date(2025, 7, 7), Decimal("0.05")),
    ("gemini-2.5-flash", date(2025, 7, 7), Decimal("0.15")),  # genai-prices' own variant, redated to the launch
])
def test_batch_prices_filled_and_dated_from_the_launch(model, launched, batch_input):
    price = get_price(model, at="2026-01-01")
    assert price.batch.input == batch_input and price.batch_from == launched
    assert price.batch.output == price.standard.output / 2


def test_every_correction_cites_its_date_and_source():
    from tokcost.bundled import PRICE_CORRECTIONS
    from tokcost.prices import load_price_file

    corrections = load_price_file(PRICE_CORRECTIONS, origin="tokcost")
    points = [point for history in corrections.histories for point in history.points]
    for point in points:
        assert point.effective is not None, point.model
        # the source names where the figure was read, with a date: "... (2024-05-13) ..."
        assert point.source.startswith("tokcost correction: ") and any(c.isdigit() for c in point.source)
    assert corrections.batch_launches["openai"].launched == date(2024, 4, 15)
    assert corrections.batch_launches["anthropic"].launched == date(2024, 10, 8)
    assert corrections.batch_launches["google"].launched == date(2025, 7, 7)


def test_context_window_comes_from_genai_prices_for_corrected_models_too():
    from tokcost.prices import Catalog

    catalog = Catalog()
    assert catalog.context_window("gpt-4o-mini") == 128_000  # OpenAI model page: 128K context
    assert catalog.context_window("claude-3-5-haiku") == 200_000  # Anthropic models overview: 200K
    assert catalog.context_window("gpt-3.5-turbo") == 16_385  # a tokcost correction; window from genai-prices


# ------------------------------------------- fetching genai-prices' published data (a local fake server)

FAKE_DATA = [{"id": "openai", "name": "OpenAI", "api_pattern": r"https://api\.openai\.com",
              "model_match": {"starts_with": "tokcost-"}, "models": [
    {"id": "tokcost-fake-1", "match": {"equals": "tokcost-fake-1"}, "context_window": 64000,
     "prices": [{"prices": {"input_mtok": "1.5", "output_mtok": "6"}},
                {"constraint": {"start_date": "2026-11-20"},
                 "prices": {"input_mtok": "1.25", "output_mtok": "5", "cache_read_mtok": "0.125"}}]}]}]


@pytest.fixture
def price_server(monkeypatch, tmp_path):
    """A local HTTP server: ``serve(status, body)`` sets its answer; prices are fetched into tmp_path."""
    import http.server
    import threading

    from tokcost.prices import set_default_catalog

    answer = {"status": 200, "body": b""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(answer["status"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer["body"])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TOKCOST_PRICES_URL", f"http://127.0.0.1:{server.server_port}/data.json")
    set_default_catalog(None)

    def serve(status=200, body=None):
        answer["status"] = status
        answer["body"] = body if isinstance(body, bytes) else json.dumps(FAKE_DATA if body is None else body).encode()

    yield serve
    server.shutdown()
    server.server_close()
    set_default_catalog(None)


def _cli(capsys, *argv):
    from tokcost.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_update_fetches_and_the_catalog_uses_it(price_server, capsys, tmp_path):
    import datetime

    price_server()
    code, out, err = _cli(capsys, "models", "--update", "-m", "tokcost-fake-1", "--at", "2026-12-01",
                          "--format", "json")
    assert code == 0, err
    assert "fetched 1 providers, 1 models" in err and str(tmp_path) in err
    today = datetime.date.today().isoformat()
    row = json.loads(out)[0]
    assert (row["input"], row["cached_input"], row["output"]) == ("1.25", "0.125", "5")
    assert row["context_window"] == 64000 and row["effective"] == "2026-11-20"
    assert row["source"] == f"genai-prices data of {today}" and "2026-11-20" in row["price_snapshot"]
    # A later run, without --update, reads the fetched file; money names the snapshot it was priced at.
    code, out, _ = _cli(capsys, "spend", "-m", "tokcost-fake-1", "--input-tokens", "1e6", "--output-tokens", "1e6",
                        "--at", "2026-11-19", "--format", "json")
    assert code == 0
    row = json.loads(out)[0]
    assert row["cost_usd"] == "7.5" and f"price of undated (genai-prices data of {today})" in row["price_snapshot"]
    code, out, _ = _cli(capsys, "models", "-m", "tokcost-fake-1")
    assert f"genai-prices data fetched {today} (0 days ago" in out.replace("\n", " ")


@pytest.mark.parametrize("status, body, says", [
    (404, b"not here", "HTTP 404"),
    (200, b"{not json", "not JSON"),
    (200, [{"id": "openai"}], "not genai-prices price data"),
    (200, {"providers": []}, "expected genai-prices' list of providers"),
])
def test_a_failed_update_says_why_in_one_line_and_keeps_the_old_data(price_server, capsys, tmp_path, status,
                                                                      body, says):
    price_server()
    assert _cli(capsys, "models", "--update", "-m", "tokcost-fake-1")[0] == 0
    before = (tmp_path / "genai-prices-data.json").read_bytes()
    price_server(status, body)
    code, out, err = _cli(capsys, "models", "--update", "-m", "tokcost-fake-1")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert says in err and "prices unchanged" in err
    assert (tmp_path / "genai-prices-data.json").read_bytes() == before
    assert _cli(capsys, "models", "-m", "tokcost-fake-1")[0] == 0  # still priced from the old file


def test_offline_update_is_one_line(price_server, capsys, monkeypatch, tmp_path):
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("TOKCOST_PRICES_URL", f"http://127.0.0.1:{port}/data.json")
    code, out, err = _cli(capsys, "models", "--update")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "cannot reach" in err and "offline?" in err
    assert not (tmp_path / "genai-prices-data.json").exists()


def test_old_price_data_gets_a_note(price_server, capsys, tmp_path):
    price_server()
    assert _cli(capsys, "models", "--update", "-m", "tokcost-fake-1")[0] == 0
    path = tmp_path / "genai-prices-data.json"
    document = json.loads(path.read_text())
    document["fetched"] = "2020-01-01T00:00:00+00:00"
    path.write_text(json.dumps(document))
    from tokcost.prices import set_default_catalog

    set_default_catalog(None)
    code, out, err = _cli(capsys, "models", "-m", "tokcost-fake-1")
    assert code == 0 and "note: prices may be out of date" in out and "tokcost models --update" in out
    code, out, err = _cli(capsys, "models", "-m", "tokcost-fake-1", "--format", "json")
    assert "prices may be out of date" in err


def test_no_network_without_update(monkeypatch, capsys, tmp_path):
    """Listing, pricing and importing never fetch: the URL points nowhere and nothing is written."""
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TOKCOST_PRICES_URL", "http://127.0.0.1:9/never")
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("network used without --update")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    from tokcost.prices import set_default_catalog

    set_default_catalog(None)
    try:
        assert _cli(capsys, "models", "-m", "gpt-4o")[0] == 0
    finally:
        set_default_catalog(None)
    assert not (tmp_path / "genai-prices-data.json").exists()


def test_freshness_of_the_bundled_data_counts_from_its_newest_price_change(monkeypatch, tmp_path):
    import datetime

    from tokcost.prices.update import freshness, newest_change

    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))  # no fetched data: genai-prices' bundled snapshot
    catalog = Catalog()
    for today in (datetime.date(2026, 12, 3), datetime.date(2030, 1, 1)):
        newest = newest_change(catalog._snapshot.providers, today)
        assert newest is not None and newest <= today
        data = freshness(catalog, today=today)
        age = (today - newest).days
        assert data["age_days"] == age and f"newest price change on record {newest} ({age} days ago)" in data["summary"]
        assert bool(data["notes"]) == (age > 90)
        assert "tokcost corrections up to 20" in data["summary"]
    assert "run `tokcost models --update`" in data["notes"][0]  # 2030: years after any price in the data
