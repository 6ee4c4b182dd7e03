"""`tokcost usage` and the budget gates of `usage` and `spend`, driven in-process."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from tokcost.bundled import SAMPLE_USAGE_DIR
from tokcost.cli import main
from tokcost.prices import Rates

# The bundled sample logs, priced by hand from the price pages cited in test_usage.py, file by file:
# openai_chat: 0.0004032 + 0.01155 + 0.608 + 0.00105; openai_responses: 0.006128 + 0.01452 + 1.016 + 0.0056;
# anthropic: 0.0108 + 0.0378 + 0.0378 + 0.0035 + 0.765 + 0.078 + 0.021 (cache writes and >200k input at
# base rates until b-engine's rules land); gemini: 0.00292 + 0.00275 + 0.395 + 0.001035;
# otel_spans: 0.0004032 + 0.0378 + 0.01155 + 0.395 + 0.00105.
SAMPLE_TOTAL_BASE_RATES = Decimal("3.4646594")
# With cache-write and long-context rates (test_usage.py): +0.0075 and +0.03 (Anthropic 5m and 1h writes),
# +0.7575 (Sonnet 4.5 at 250k), +0.385 twice (Gemini 2.5 Pro at 300k, log and span), +0.0075 (span 5m write).
SAMPLE_TOTAL = SAMPLE_TOTAL_BASE_RATES + Decimal("1.5725")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_no_file_replays_the_samples(capsys):
    code, out, err = run(capsys, "usage")
    assert code == 0 and "bundled sample logs" in out and "claude-sonnet-4-5-20250929" in out
    assert "Total: $" in out and "Skipped: 1 expired batch requests (not billed)." in out and "2 web search requests" in out
    assert err == ""


def test_json(capsys):
    code, out, _ = run(capsys, "usage", "--json")
    data = json.loads(out)
    assert code == 0 and data["requests"] == 24 and data["not_priced"] == [] and sum(data["skipped"].values()) == 2
    # base rates only until b-engine's rules land (Rates.long_context is one of them)
    assert Decimal(data["total_usd"]) == (SAMPLE_TOTAL if hasattr(Rates, "long_context") else SAMPLE_TOTAL_BASE_RATES)
    assert sum(Decimal(g["cost_usd"]) for g in data["groups"]) == Decimal(data["total_usd"])
    assert data["monthly_usd"].keys() == {"2026-11"}


def test_by_tag_csv(capsys):
    code, out, _ = run(capsys, "usage", str(SAMPLE_USAGE_DIR / "anthropic.jsonl"), "--by", "metadata.user", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["metadata.user"] for r in rows} == {"alice", "bob", "carol", "dave", "(none)"}
    assert rows[0].keys() >= {"requests", "input_tokens", "cache_read_tokens", "cost_usd"}


def test_by_span_attribute_and_day(capsys):
    code, out, _ = run(capsys, "usage", str(SAMPLE_USAGE_DIR / "otel_spans.json"), "--by", "user.id", "--by", "day",
                       "--json")
    groups = json.loads(out)["groups"]
    assert code == 0 and {(g["user.id"], g["day"]) for g in groups} >= {("alice", "2026-11-23"), ("carol", "2026-11-24")}


def test_what_if_labels_estimates(capsys):
    code, out, _ = run(capsys, "usage", str(SAMPLE_USAGE_DIR / "openai_chat.jsonl"), "--as", "gpt-4.1-mini",
                       "--as", "claude-haiku-4-5")
    assert code == 0
    assert "As gpt-4.1-mini: $" in out and "Tokens: same tokenizer." in out  # o200k to o200k: exact
    assert "As claude-haiku-4-5: $" in out and "≈ estimate for 4 of 4 records" in out and "≈$" in out
    assert "Break-even" in out


def test_what_if_json(capsys):
    code, out, _ = run(capsys, "usage", str(SAMPLE_USAGE_DIR / "openai_chat.jsonl"), "--as", "gpt-4", "--json")
    (what,) = json.loads(out)["what_if"]
    # two records log their text (re-counted with both tokenizers, exact); two do not (scaled: estimates)
    assert code == 0 and what["model"] == "gpt-4" and what["estimated_records"] == 2
    assert any(basis.startswith("estimate:") for basis in what["token_basis"])
    assert json.loads(out)["break_even"][0]["cheapest_alternative"] == "gpt-4"


def test_what_if_tier(capsys):
    code, out, _ = run(capsys, "usage", str(SAMPLE_USAGE_DIR / "openai_chat.jsonl"), "--tier", "batch", "--json")
    (what,) = json.loads(out)["what_if"]
    # every request at gpt-4o-mini, o4-mini and gpt-4.1 Batch prices (half): (0.0004032 + 0.01155 + 0.608) / 2
    # = 0.3099766, + 0.00105 (already batch) = 0.3110266
    assert code == 0 and Decimal(what["total_usd"]) == Decimal("0.3110266")


def test_focus_file(capsys, tmp_path):
    target = tmp_path / "focus.csv"
    code, _, err = run(capsys, "usage", "--focus", str(target), "--json")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert code == 0 and "FOCUS 1.2 rows" in err
    assert rows[0]["ChargeCategory"] == "Usage" and rows[0]["BillingCurrency"] == "USD"
    assert {"BilledCost", "EffectiveCost", "ListCost", "ChargePeriodStart", "ChargePeriodEnd", "ServiceName",
            "ProviderName", "ResourceId", "SkuId", "PricingQuantity", "PricingUnit", "ConsumedQuantity",
            "ConsumedUnit"} <= rows[0].keys()
    code, _, err = run(capsys, "usage", "--focus", str(tmp_path / "missing" / "f.csv"))
    assert code == 1 and "no such directory" in err


def test_unpriced_records_are_reported_and_strict_fails(capsys, tmp_path):
    log = tmp_path / "log.jsonl"
    good = {"model": "gpt-4o-mini", "created": 1762074000, "usage": {"prompt_tokens": 1000, "completion_tokens": 0}}
    log.write_text(json.dumps(good) + "\n" + json.dumps({**good, "model": "gpt-9"}) + "\n")
    code, out, err = run(capsys, "usage", str(log))
    assert code == 0 and "Not priced: 1 records" in out
    assert f"tokcost: not priced: {log}:2: gpt-9 on 2025-11-02: no price for model 'gpt-9'" in err
    code, out, err = run(capsys, "usage", str(log), "--strict")
    assert code == 1 and out == "" and err.count("\n") == 1 and f"{log}:2:" in err


def test_missing_file_and_bad_format(capsys, tmp_path):
    code, _, err = run(capsys, "usage", str(tmp_path / "nope.jsonl"))
    assert code == 1 and "nope.jsonl: no such usage log" in err
    code, _, err = run(capsys, "usage", "--format", "xml")
    assert code == 2 and "invalid choice" in err


def test_usage_budget_gate(capsys):
    # the samples cost $3.46 ($5.04 with b-engine's rules), all in November 2026
    code, _, err = run(capsys, "usage", "--json", "--budget", "3")
    assert code == 3 and err in ("tokcost: over budget: replayed cost of 2026-11 $3.46, more than --budget $3.00\n",
                                 "tokcost: over budget: replayed cost of 2026-11 $5.04, more than --budget $3.00\n")
    assert run(capsys, "usage", "--json", "--budget", "$1,000")[0] == 0
    code, _, err = run(capsys, "usage", "--budget", "lots")
    assert code == 1 and "--budget 'lots' is not an amount of USD" in err


def test_spend_budget_gate(capsys):
    # one-liner: 1M input tokens of gpt-4o-mini at $0.15 per 1M = $0.15
    code, _, err = run(capsys, "spend", "-m", "gpt-4o-mini", "--input-tokens", "1e6", "--at", "2025-01-01",
                       "--format", "json", "--budget", "0.10")
    assert code == 3 and err.strip() == "tokcost: over budget: the cost $0.15, more than --budget $0.10"
    assert run(capsys, "spend", "-m", "gpt-4o-mini", "--input-tokens", "1e6", "--at", "2025-01-01",
               "--format", "json", "--budget", "0.15")[0] == 0
    code, out, err = run(capsys, "spend", "-m", "gpt-4o-mini", "--months", "2", "--format", "json",
                         "--budget", "0.01")
    peak = max(Decimal(v) for v in json.loads(out)["models"][0]["monthly_usd"])
    assert code == 3 and err.count("\n") == 1 and "gpt-4o-mini projected for month" in err
    assert run(capsys, "spend", "-m", "gpt-4o-mini", "--months", "2", "--format", "json",
               "--budget", str(peak))[0] == 0


def test_report_gains_a_replay_section(capsys, tmp_path):
    logs = [str(SAMPLE_USAGE_DIR / "anthropic.jsonl"), str(SAMPLE_USAGE_DIR / "gemini.jsonl")]
    code, _, _ = run(capsys, "report", "--usage", *logs, "--out", str(tmp_path / "r.md"))
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert code == 0 and "## Replayed usage" in text and "| claude-haiku-4-5-20251001 | 1 |" in text
    code, _, _ = run(capsys, "report", "--usage", logs[0], "--out", str(tmp_path / "r.html"))
    assert code == 0 and "<h2>Replayed usage</h2>" in (tmp_path / "r.html").read_text(encoding="utf-8")
    code, out, _ = run(capsys, "report", "--usage", logs[1], "--format", "json")
    replay = json.loads(out)["replay"]
    # gemini.jsonl: 0.00292 + 0.00275 + 0.395 + 0.001035 at base rates (0.78 for the >200k Pro request with
    # b-engine's long-context rule)
    assert Decimal(replay["total_usd"]) == (Decimal("0.786705") if hasattr(Rates, "long_context")
                                            else Decimal("0.401705"))


def test_typos_in_by_and_as_are_errors_with_a_suggestion(capsys):
    code, _, err = run(capsys, "usage", "--by", "metadata.usr")
    assert code == 1 and "--by 'metadata.usr': no record has this field. Did you mean 'metadata.user'" in err
    code, _, err = run(capsys, "usage", "--as", "gpt-4.1-mimi")
    assert code == 1 and err.count("\n") == 1 and "--as gpt-4.1-mimi: no price for model" in err


def test_a_problem_shared_by_many_records_is_reported_once(capsys, tmp_path):
    log = tmp_path / "log.jsonl"
    bad = {"model": "gpt-9", "created": 1762074000, "usage": {"prompt_tokens": 1000, "completion_tokens": 0}}
    log.write_text((json.dumps(bad) + "\n") * 30)
    code, out, err = run(capsys, "usage", str(log))
    assert code == 0 and "Not priced: 30 records" in out
    assert err.count("\n") == 1 and f"{log}:1: gpt-9 on 2025-11-02" in err and "(and 29 more records)" in err


def test_no_figure_is_cut_at_80_100_120_columns(capsys, monkeypatch):
    import tokcost.cli.common as common
    from tokcost.formatting import money

    code, out, _ = run(capsys, "usage", str(SAMPLE_USAGE_DIR / "openai_chat.jsonl"), "--as", "gpt-4.1-mini",
                       "--json")
    data = json.loads(out)
    figures = [money(Decimal(g["cost_usd"]), 4) for g in data["groups"]]
    figures += [money(Decimal(g["as gpt-4.1-mini"]), 4) for g in data["groups"]]
    monkeypatch.setattr(common, "stdout_is_terminal", lambda: True, raising=False)
    for width in (80, 100, 120):
        monkeypatch.setenv("COLUMNS", str(width))
        code, out, _ = run(capsys, "usage", str(SAMPLE_USAGE_DIR / "openai_chat.jsonl"), "--as", "gpt-4.1-mini")
        assert code == 0 and all(figure in out for figure in figures), (width, out)
        assert max(len(line) for line in out.splitlines() if line.startswith(("┃", "│", "┏"))) <= width


def test_replay_and_spend_give_the_same_cost_for_the_same_tokens(capsys, tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"model": "gpt-4o-mini", "created": 1762074000, "object": "chat.completion",
                               "usage": {"prompt_tokens": 2000, "completion_tokens": 300,
                                         "prompt_tokens_details": {"cached_tokens": 1024}}}) + "\n")
    _, out, _ = run(capsys, "usage", str(log), "--json")
    replayed = Decimal(json.loads(out)["total_usd"])
    _, out, _ = run(capsys, "spend", "-m", "gpt-4o-mini", "--input-tokens", "2000", "--cached-input-tokens", "1024",
                    "--output-tokens", "300", "--at", "2025-11-02", "--format", "json")
    assert replayed == Decimal(json.loads(out)[0]["cost_usd"]) == Decimal("0.0004032")


def test_itemise_prints_each_bill(capsys):
    code, out, _ = run(capsys, "usage", str(SAMPLE_USAGE_DIR / "openai_chat.jsonl"), "--itemise")
    first = json.loads(out.splitlines()[0])
    assert code == 0 and len(out.splitlines()) == 4 and first["where"].endswith("openai_chat.jsonl:1")
    # 976 x $0.15 + 1,024 x $0.075 + 300 x $0.60 per 1M
    assert [(line["item"], line["tokens"], line["usd_per_million"]) for line in first["lines"]] == [
        ("input", "976", "0.15"), ("cache read", "1024", "0.075"), ("output", "300", "0.6")]
    assert first["cost_usd"] == "0.0004032" and first["tier"] == "standard"
