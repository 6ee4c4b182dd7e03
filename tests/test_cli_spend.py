"""`tokcost spend` and `tokcost models`, driven in-process."""

import json

import pytest

from tokcost.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_one_liner_json(capsys):
    code, out, _ = run(capsys, "spend", "--model", "gpt-4o-mini", "--input-tokens", "1e6", "--output-tokens", "2e5",
                       "--at", "2025-01-01", "--format", "json")
    assert code == 0
    row = json.loads(out)[0]
    assert row["cost_usd"] == "0.27" and "2024-10-01" in row["price_snapshot"]


def test_one_liner_table_and_history(capsys):
    code, out, _ = run(capsys, "spend", "--model", "gpt-4o", "--input-tokens", "1000000", "--at", "2024-06-01")
    assert code == 0 and "$5.0000" in out and "2024-05-13" in out


def test_workload_json(capsys, tmp_path):
    code, out, _ = run(capsys, "spend", "--months", "2", "--model", "gpt-4o-mini", "--model", "gpt-4.1-nano",
                       "--at", "2026-11-25", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [m["model"] for m in data["models"]] == ["gpt-4o-mini", "gpt-4.1-nano"]
    assert len(data["models"][0]["monthly_usd"]) == 2 and data["cheapest"]


def test_workload_table_and_csv(capsys):
    code, out, _ = run(capsys, "spend", "--months", "2", "--model", "gpt-4o-mini", "--model", "gpt-4o")
    assert code == 0 and "Per language" in out and "Savings of switching" in out and "break-even" in out
    code, out, _ = run(capsys, "spend", "--months", "2", "--model", "gpt-4o-mini", "--format", "csv")
    assert code == 0 and out.startswith("model,tokenizer,counts,window,per_1k_requests")


def test_claims(capsys):
    code, out, _ = run(capsys, "spend", "--claims", "--at", "2026-11-25")
    assert code == 0 and "60.0%" in out and "70.0%" in out and "88.9%" in out and "hin_Deva" in out


def test_models(capsys):
    code, out, _ = run(capsys, "models", "--model", "gpt-4o", "--history", "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[1].startswith("gpt-4o,openai,2024-05-13,5,,15") and lines[2].startswith("gpt-4o,openai,2024-10-02,2.5,1.25,10")
    code, out, _ = run(capsys, "models", "--provider", "anthropic", "--format", "json")
    assert code == 0 and all(row["provider"] == "anthropic" for row in json.loads(out))
    code, out, _ = run(capsys, "models", "--at", "2023-01-01", "--format", "csv")
    # dated models appear only once launched; genai-prices' undated entries always do
    assert not any(line.startswith(("gpt-4o,", "gpt-4o-mini,")) for line in out.splitlines())
    assert any(line.startswith("text-davinci-003,") for line in out.splitlines())


@pytest.mark.parametrize("argv, message", [
    (["spend", "--model", "gpt-4o-mnii", "--input-tokens", "10"], "Did you mean 'gpt-4o-mini'"),
    (["spend", "--input-tokens", "10"], "need a model"),
    (["spend", "--model", "gpt-4o", "--input-tokens", "ten"], "is not a number"),
    (["spend", "--model", "gpt-4o", "--input-tokens", "10", "--at", "someday"], "YYYY-MM-DD"),
    (["spend", "--model", "gpt-4o-mini", "--input-tokens", "10", "--at", "2020-01-01"], "no price before"),
    (["spend", "--months", "0"], "--months 0 is out of range"),
    (["spend", "--workload", "/nonexistent/w.toml"], "no such workload file"),
    (["models", "--provider", "opneai"], "Did you mean 'openai'"),
    (["spend", "--model", "text-davinci-003", "--input-tokens", "10", "--batch", "--at", "2023-01-01"],
     "has no Batch API price in the catalog; price it at standard rates (drop --batch"),
])
def test_bad_input(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert message in err and err.count("\n") == 1


def test_bad_files(capsys, tmp_path):
    workload = tmp_path / "w.toml"
    workload.write_text('[workload]\nrequests_per_day = 10\n[languages]\nxx_Latn = 1\n')
    code, _, err = run(capsys, "spend", "--workload", str(workload))
    assert code == 1 and f"{workload}:4: field 'languages.xx_Latn'" in err
    prices = tmp_path / "p.toml"
    prices.write_text('[[price]]\nmodel = "m"\ninput = 1\n')
    code, _, err = run(capsys, "spend", "--prices", str(prices), "--model", "m", "--input-tokens", "1")
    assert code == 1 and f"{prices}:1: missing field 'output'" in err


def test_user_prices_file(capsys, tmp_path):
    prices = tmp_path / "p.toml"
    prices.write_text('[[price]]\nmodel = "house-llm"\ninput = 1\noutput = 4\nsource = "our GPUs"\n')
    code, out, _ = run(capsys, "spend", "--prices", str(prices), "--model", "house-llm", "--input-tokens", "1e6",
                       "--output-tokens", "1e6", "--format", "json")
    assert code == 0 and json.loads(out)[0]["cost_usd"] == "5"


def test_claude_batch_one_liner(capsys):
    # Anthropic Message Batches: Claude Haiku 3.5 $0.40 per 1M input tokens in batch
    code, out, _ = run(capsys, "spend", "--model", "claude-3-5-haiku", "--input-tokens", "1e6", "--batch",
                       "--format", "json")
    assert code == 0 and json.loads(out)[0]["cost_usd"] == "0.4"


def test_requests_split_totals_so_long_context_goes_by_request(capsys):
    # Sonnet 4 (docs.anthropic.com/en/docs/about-claude/pricing): 20 requests of 250K tokens each cross the 200K
    # long-context threshold ($6 per 1M); 50 requests of 100K do not ($3); batch halves either.
    code, out, _ = run(capsys, "spend", "--model", "claude-sonnet-4", "--input-tokens", "5e6", "--requests", "20",
                       "--batch", "--format", "json")
    assert code == 0 and json.loads(out)[0]["cost_usd"] == "15" and "above 200,000" in json.loads(out)[0]["notes"]
    code, out, _ = run(capsys, "spend", "--model", "claude-sonnet-4", "--input-tokens", "5e6", "--requests", "50",
                       "--format", "json")
    assert code == 0 and json.loads(out)[0]["cost_usd"] == "15"


def test_flex_tier_one_liner(capsys):
    # platform.openai.com/docs/pricing, Flex: gpt-5 $0.625 per 1M input tokens
    code, out, _ = run(capsys, "spend", "--model", "gpt-5", "--input-tokens", "1e6", "--tier", "flex",
                       "--format", "json")
    assert code == 0 and json.loads(out)[0]["cost_usd"] == "0.625"
    code, _, err = run(capsys, "spend", "--model", "gpt-4o-mini", "--input-tokens", "1", "--tier", "flex")
    assert code == 1 and "no flex price in the catalog" in err and err.count("\n") == 1
