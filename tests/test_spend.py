"""Workload projection: arithmetic checked against hand-computed values."""

from decimal import Decimal

import pytest
import tiktoken

from tokcost.spend import WorkloadError, claims, load_workload, project, request_shape

O200K = tiktoken.get_encoding("o200k_base")

SIMPLE = """
[workload]
name = "tiny"
requests_per_day = 1000
days_per_month = 30
monthly_growth = 0.1
output_tokens = 100
models = ["gpt-4o-mini"]

[languages]
eng_Latn = 1.0

[request]
system_prompt = "Be brief."
user_sentences = 1

[examples]
eng_Latn = "hello world"
"""


def write(tmp_path, text, name="w.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_simple_workload_by_hand(tmp_path):
    w = load_workload(write(tmp_path, SIMPLE))
    shape = request_shape(w, "gpt-4o-mini", "eng_Latn")
    system = 3 + 1 + len(O200K.encode("Be brief."))
    user = 3 + 1 + len(O200K.encode("hello world")) + 3
    assert shape.input_tokens == system + user
    assert shape.output_tokens == 100  # English: ratio 1
    result = project(w, months=3, at="2025-01-01")
    spend = result.models[0]
    per_request = (Decimal(system + user) * Decimal("0.15") + 100 * Decimal("0.6")) / 1_000_000
    assert spend.cost_per_request == per_request
    assert spend.cost_per_1k == per_request * 1000
    # 30,000 requests in month 1, x1.1 and x1.21 after
    assert result.requests == [Decimal(30000), Decimal("33000.0"), Decimal("36300.00")]
    assert spend.monthly == [per_request * 30000, per_request * 33000, per_request * 36300]
    assert "2024-10-01" in spend.snapshot


def test_batch_and_cache_shares_by_hand(tmp_path):
    long_prompt = "Follow the policy. " * 400  # well above the 1024-token caching minimum
    text = SIMPLE.replace('system_prompt = "Be brief."', f'system_prompt = "{long_prompt}"').replace(
        "output_tokens = 100", "output_tokens = 100\ncache_hit_rate = 0.5\nbatch_share = 0.2")
    w = load_workload(write(tmp_path, text))
    shape = request_shape(w, "gpt-4o-mini", "eng_Latn")
    system = 4 + len(O200K.encode(long_prompt))
    cacheable = system // 128 * 128
    assert shape.cached_input_tokens == Decimal("0.5") * cacheable
    inp, cached, out = shape.input_tokens, shape.cached_input_tokens, Decimal(100)
    std = ((inp - cached) * Decimal("0.15") + cached * Decimal("0.075") + out * Decimal("0.6")) / 1_000_000
    result = project(w, months=1, at="2025-01-01")
    assert result.models[0].cost_per_request == Decimal("0.8") * std + Decimal("0.2") * std / 2


def test_languages_cost_their_own_tokens(tmp_path):
    text = SIMPLE.replace("eng_Latn = 1.0", "eng_Latn = 0.5\nhin_Deva = 0.5")
    w = load_workload(write(tmp_path, text))
    english = request_shape(w, "gpt-4o-mini", "eng_Latn")
    hindi = request_shape(w, "gpt-4o-mini", "hin_Deva")
    assert hindi.output_tokens > english.output_tokens
    # gpt-3.5 (cl100k) pays a larger Hindi premium than gpt-4o-mini (o200k)
    hindi_35 = request_shape(w, "gpt-3.5-turbo-0125", "hin_Deva")
    assert hindi_35.output_tokens / 100 > hindi.output_tokens / 100 * Decimal("1.5")
    result = project(w, months=1, at="2025-01-01")
    rows = {r["language"]: r for r in result.models[0].per_language}
    assert result.models[0].cost_per_request == (rows["eng_Latn"]["cost_per_request_usd"]
                                                 + rows["hin_Deva"]["cost_per_request_usd"]) / 2


def test_sample_workload_projects():
    w = load_workload()
    assert len(w.languages) == 12 and w.tools and w.images and w.system_prompt
    result = project(w, months=12, at="2026-11-25")
    data = result.to_dict()
    assert data["cheapest"] == result.cheapest.model
    assert len(data["models"][0]["monthly_usd"]) == 12
    assert all(m["price_snapshot"] for m in data["models"])
    savings = {s["to"]: s for s in result.savings()}
    first = result.models[0]
    assert savings[first.model]["monthly_usd"] == 0
    assert result.cheapest.cost_per_request <= min(m.cost_per_request for m in result.models)


@pytest.mark.parametrize("change, message", [
    (("requests_per_day = 1000", "requests_per_day = \"lots\""), r"w.toml:4: field 'workload.requests_per_day': 'lots' is not a number"),
    (("eng_Latn = 1.0", "eng_Latn = 0.7"), r"w.toml:10: section \[languages\]: shares sum to 0.7, not 1"),
    (("eng_Latn = 1.0", "english = 1.0"), r"field 'languages.english': no sample text"),
    (("days_per_month = 30", "days_per_mnth = 30"), r"w.toml:5: field 'workload.days_per_mnth': unknown field.*days_per_month"),
    (("monthly_growth = 0.1", "monthly_growth = 0.1\ncache_hit_rate = 1.5"), r"field 'workload.cache_hit_rate': 1.5 is out of range"),
    (("[request]", "[request\n"), r"w.toml:\d+: invalid TOML"),
    (("output_tokens = 100", "output_tokens = inf"), r"w.toml:7: field 'workload.output_tokens': inf is not a finite"),
    (('name = "tiny"', "name = 5"), r"w.toml:3: field 'workload.name': 5 is not text"),
    (("[languages]\neng_Latn = 1.0", ""), r"w.toml:1: missing section \[languages\]"),
    (('eng_Latn = "hello world"', "eng_Latn = 3"), r"w.toml:18: field 'examples.eng_Latn': 3 is not text"),
    (('eng_Latn = "hello world"', 'hin_Deva = "x"'), r"w.toml:18: field 'examples.hin_Deva': not a language of the mix"),
    (("user_sentences = 1", "user_sentences = 1\n\n[[request.tools]]\ndescription = \"x\""),
     r"w.toml:17: field 'request.tools': each tool needs a name"),
])
def test_bad_workloads(tmp_path, change, message):
    path = write(tmp_path, SIMPLE.replace(*change))
    with pytest.raises(WorkloadError, match=message) as info:
        load_workload(path)
    assert "\n" not in str(info.value)


def test_missing_workload_file(tmp_path):
    with pytest.raises(WorkloadError, match="no such workload file"):
        load_workload(tmp_path / "nope.toml")


def test_gpt_4o_mini_launch_claims():
    result = claims(at_now="2026-11-25")
    mix = {row["input_share_percent"]: row for row in result["mix"]}
    # all output: 1 - 0.6/1.5 = 60%; all input: 1 - 0.15/0.5 = 70%
    assert mix[0]["saving_vs_gpt-3.5_percent"] == Decimal(60)
    assert mix[100]["saving_vs_gpt-3.5_percent"] == Decimal(70)
    # 20 / 0.15 = 133.3x at all input; 100x needs 0.6 - 0.45x <= 0.2, x >= 8/9
    assert mix[100]["times_cheaper_than_davinci"] == Decimal(20) / Decimal("0.15")
    assert abs(result["hundred_x_from_input_share_percent"] - Decimal(800) / 9) < Decimal("1e-20")
    pages = {p["language"]: p for p in result["pages"]}
    assert pages["hin_Deva"]["pages_per_million_o200k"] > 2 * pages["hin_Deva"]["pages_per_million_cl100k"]


def test_claims_per_page_count_each_model_with_its_own_tokenizer():
    """The launch's "100x cheaper than text-davinci-003" per page, not per token: text-davinci-003
    counts with p50k_base, gpt-4o-mini with o200k_base. Expected values from tiktoken's own counts
    and OpenAI's list prices (text-davinci-003 $20/M in 2022; gpt-4o-mini $0.15/M input)."""
    from tokcost.bundled import FLORES_SAMPLE_DIR
    from tokcost.spend import claims

    result = claims(at_now="2024-08-01")["per_page"]
    per_token = Decimal("20") / Decimal("0.15")
    assert result["times_cheaper_per_input_token"] == per_token
    for code in ("eng_Latn", "hin_Deva", "jpn_Jpan"):
        lines = [line for line in (FLORES_SAMPLE_DIR / f"{code}.txt").read_text(encoding="utf-8").splitlines() if line]
        p50k = sum(len(t) for t in tiktoken.get_encoding("p50k_base").encode_ordinary_batch(lines))
        o200k = sum(len(t) for t in tiktoken.get_encoding("o200k_base").encode_ordinary_batch(lines))
        assert abs(float(result["times_cheaper_per_page"][code]) - float(per_token) * p50k / o200k) < 1e-6
    # Hindi pages cost far more tokens on p50k_base than English pages do.
    assert result["times_cheaper_per_page"]["hin_Deva"] > 4 * result["times_cheaper_per_page"]["eng_Latn"]


# ---- one engine: the projection prices through prices.billing.bill

LONG_PROMPT = "Follow the policy. " * 400  # well above the 1024-token caching minimum


def test_claude_projection_writes_the_cache_once_per_lifetime_and_batches_at_half(tmp_path):
    # Sonnet 4 (docs.anthropic.com/en/docs/about-claude/pricing): $3 input, $3.75 5m writes, $0.30 hits, $15 output;
    # Message Batches half of each. 1,000 requests/day over 288 five-minute cache lifetimes: 28.8% of caching
    # requests write the prefix, the rest read it.
    text = SIMPLE.replace('system_prompt = "Be brief."', f'system_prompt = "{LONG_PROMPT}"').replace(
        "output_tokens = 100", "output_tokens = 100\ncache_hit_rate = 0.5\nbatch_share = 0.2").replace(
        'models = ["gpt-4o-mini"]', 'models = ["claude-sonnet-4"]')
    w = load_workload(write(tmp_path, text))
    shape = request_shape(w, "claude-sonnet-4", "eng_Latn")
    caching = Decimal("0.5") * shape.cacheable_tokens
    writes, reads = caching * Decimal("0.288"), caching * Decimal("0.712")
    std = ((shape.input_tokens - caching) * 3 + writes * Decimal("3.75") + reads * Decimal("0.3")
           + 100 * 15) / Decimal(1_000_000)
    spend = project(w, months=1, at="2025-06-01").models[0]
    assert spend.cost_per_request == Decimal("0.8") * std + Decimal("0.2") * std / 2
    assert any("cache writes" in note for note in spend.notes)
    assert spend.standard_cost_per_request - spend.batch_cost_per_request == std / 2


def test_projection_and_bill_give_the_same_cost_for_the_same_tokens(tmp_path):
    from tokcost.prices import get_price
    from tokcost.prices.billing import Usage, bill

    text = SIMPLE.replace('models = ["gpt-4o-mini"]', 'models = ["o4-mini"]') + "\n[reasoning]\no4-mini = 1500\n"
    w = load_workload(write(tmp_path, text))
    spend = project(w, months=1, at="2025-05-01").models[0]
    row = spend.per_language[0]
    replayed = Usage(input_tokens=int(row["input_tokens"]), output_tokens=int(row["output_tokens"]) + 1500,
                     reasoning_tokens=1500)
    assert bill(get_price("o4-mini", at="2025-05-01"), replayed).total == spend.cost_per_request
    # and by hand: o4-mini $1.10 / $4.40 per 1M, 1,500 reasoning tokens billed as output
    assert spend.cost_per_request == (row["input_tokens"] * Decimal("1.1") + 1600 * Decimal("4.4")) / 1_000_000
    assert spend.reasoning_tokens == 1500 and "stated for o4-mini" in spend.reasoning_basis


def test_reasoning_models_get_a_labelled_default_and_others_none(tmp_path):
    w = load_workload(write(tmp_path, SIMPLE))
    result = project(w, models=["o4-mini", "gpt-4o-mini", "gpt-5.1", "claude-sonnet-4"], months=1, at="2026-11-25")
    spends = {s.model: s for s in result.models}
    assert spends["o4-mini"].reasoning_tokens == 1024
    assert "API default; estimate" in spends["o4-mini"].reasoning_basis
    assert any(note.startswith("reasoning 1,024") for note in spends["o4-mini"].notes)
    assert [spends[m].reasoning_tokens for m in ("gpt-4o-mini", "gpt-5.1", "claude-sonnet-4")] == [0, 0, 0]
    data = result.to_dict()["models"][0]
    assert data["reasoning_tokens_per_request"] == 1024


def test_reasoning_effort_and_workload_default(tmp_path):
    text = SIMPLE + '\n[reasoning]\ndefault = "high"\n"gpt-5" = "low"\n"claude-sonnet-4" = 4000\n'
    w = load_workload(write(tmp_path, text))
    result = project(w, models=["o3", "gpt-5-mini", "claude-sonnet-4", "gpt-4.1"], months=1, at="2026-11-25")
    assert [s.reasoning_tokens for s in result.models] == [1638, 410, 4000, 0]
    assert "workload default; estimate" in result.models[0].reasoning_basis


@pytest.mark.parametrize("value, message", [
    ('o4-mini = "lots"', r"w.toml:21: field 'reasoning.o4-mini': 'lots' is neither a token count nor an effort"),
    ("o4-mini = -5", r"w.toml:21: field 'reasoning.o4-mini': -5 is neither"),
])
def test_bad_reasoning(tmp_path, value, message):
    with pytest.raises(WorkloadError, match=message):
        load_workload(write(tmp_path, SIMPLE + f"\n[reasoning]\n{value}\n"))


def test_claude_batch_and_images_are_priced_in_the_sample_workload():
    result = project(load_workload(), models=["claude-3-5-haiku", "gemini-2.0-flash", "gpt-4o-mini"], months=1,
                     at="2026-11-25")
    for row in result.break_even():
        assert row["batch_saving_per_10pct_usd_month"] > 0, row["model"]
    for spend in result.models:
        assert not any("not priced" in note for note in spend.notes), spend.model


def test_long_context_tier_applies_per_request_shape(tmp_path):
    # Gemini 2.5 Pro (ai.google.dev/gemini-api/docs/pricing): prompts above 200k tokens pay $2.50 / $15 per 1M.
    text = SIMPLE.replace('system_prompt = "Be brief."', 'system_prompt = """' + "word " * 210_000 + '"""')
    w = load_workload(write(tmp_path, text))
    spend = project(w, models=["gemini-2.5-pro"], months=1, at="2026-01-01").models[0]
    inp = spend.per_language[0]["input_tokens"]
    assert inp > 200_000
    # Gemini 2.5 Pro thinks by default: 1,024 reasoning tokens (the labelled default) billed as output too
    assert spend.cost_per_request == (inp * Decimal("2.5") + (100 + 1024) * 15) / 1_000_000
    assert any(note.startswith("long-context rates (prompt above 200,000 tokens) for eng_Latn") for note in spend.notes)
