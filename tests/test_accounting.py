"""Token accounting against OpenAI's published recipes, computed here by hand with tiktoken."""

import pytest
import tiktoken

from tokcost.accounting import (count_messages, estimate_output_tokens, image_tokens, schema_tokens,
                                tool_tokens)

O200K = tiktoken.get_encoding("o200k_base")
CL100K = tiktoken.get_encoding("cl100k_base")


def recipe(messages, enc, tokens_per_message=3, tokens_per_name=1):
    """The cookbook's num_tokens_from_messages, restated."""
    total = 0
    for message in messages:
        total += tokens_per_message
        for key, value in message.items():
            total += len(enc.encode(value))
            if key == "name":
                total += tokens_per_name
    return total + 3


MESSAGE_LISTS = [
    [{"role": "user", "content": "hello world"}],
    [{"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate "
                                   "jargon into plain English."},
     {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
     {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
     {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}],
    [{"role": "user", "content": "Wie spät ist es in 東京? Сколько стоит доставка?"},
     {"role": "assistant", "content": "In Tokio ist es 14:00. Доставка бесплатна."}],
    [{"role": "system", "content": ""}, {"role": "user", "content": "  spaces\n\nand\ttabs  "}],
    [{"role": "user", "content": "नमस्ते, मेरा ऑर्डर कहाँ है?", "name": "priya"}],
]


@pytest.mark.parametrize("messages", MESSAGE_LISTS)
@pytest.mark.parametrize("model, enc", [("gpt-4o", O200K), ("gpt-4o-mini", O200K), ("gpt-4", CL100K),
                                        ("gpt-3.5-turbo-0125", CL100K)])
def test_messages_match_published_recipe(messages, model, enc):
    assert count_messages(messages, model=model).total == recipe(messages, enc)


def test_gpt_35_0301_constants():
    messages = MESSAGE_LISTS[1]
    assert count_messages(messages, model="gpt-3.5-turbo-0301").total == recipe(messages, CL100K, 4, -1)


def test_hello_world_by_hand():
    # 3 per message + "user" (1) + "hello world" (2) + 3 priming
    assert count_messages([{"role": "user", "content": "hello world"}]).total == 9


WEATHER = [{"type": "function", "function": {
    "name": "get_current_weather", "description": "Get the current weather in a given location",
    "parameters": {"type": "object", "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "description": "The unit of temperature to return", "enum": ["celsius", "fahrenheit"]},
    }, "required": ["location"]}}}]


def test_tools_match_cookbook_recipe():
    # num_tokens_for_tools, gpt-4o constants: func_init 7, prop_init 3, prop_key 3, enum_init -3,
    # enum_item 3, func_end 12
    e = O200K.encode
    expected = (7 + len(e("get_current_weather:Get the current weather in a given location")) + 3
                + 3 + len(e("location:string:The city and state, e.g. San Francisco, CA"))
                + 3 - 3 + 3 + len(e("celsius")) + 3 + len(e("fahrenheit"))
                + len(e("unit:string:The unit of temperature to return")) + 12)
    assert tool_tokens(WEATHER, "gpt-4o") == expected
    # gpt-3.5/gpt-4 use func_init 10 and cl100k
    c = CL100K.encode
    expected_35 = (10 + len(c("get_current_weather:Get the current weather in a given location")) + 3
                   + 3 + len(c("location:string:The city and state, e.g. San Francisco, CA"))
                   + 3 - 3 + 3 + len(c("celsius")) + 3 + len(c("fahrenheit"))
                   + len(c("unit:string:The unit of temperature to return")) + 12)
    assert tool_tokens(WEATHER, "gpt-3.5-turbo") == expected_35
    messages = [{"role": "user", "content": "What's the weather like in San Francisco?"}]
    assert count_messages(messages, "gpt-4o", tools=WEATHER).total == recipe(messages, O200K) + expected


def test_tool_calls_and_schema_count_something():
    call = [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_current_weather",
                                                          "arguments": '{"location": "Paris"}'}}]}]
    tokens = count_messages(call, "gpt-4o").messages
    # 3 + "assistant" + 3 overhead + name + arguments + 3 priming
    assert tokens == 3 + 1 + 3 + len(O200K.encode("get_current_weather")) + len(O200K.encode('{"location": "Paris"}')) + 3
    assert schema_tokens({"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}) > 8


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


def test_gpt_4o_mini_image_costs_the_same_dollars_as_gpt_4o_at_launch():
    from decimal import Decimal
    from tokcost import estimate_cost
    mini = estimate_cost("gpt-4o-mini", image_tokens(1024, 1024, model="gpt-4o-mini"), at="2024-08-01")
    big = estimate_cost("gpt-4o", image_tokens(1024, 1024, model="gpt-4o"), at="2024-06-01")
    # 25501 * 0.15 = 3825.15 vs 765 * 5 = 3825 (per million): within 0.004%
    assert abs(mini - big) / big < Decimal("0.0001")


def test_image_in_message_parts():
    messages = [{"role": "user", "content": [
        {"type": "text", "text": "What is broken here?"},
        {"type": "image_url", "image_url": {"url": "data:...", "width": 1024, "height": 1024, "detail": "high"}}]}]
    tokens = count_messages(messages, "gpt-4o")
    assert tokens.images == 765
    assert tokens.messages == 3 + 1 + len(O200K.encode("What is broken here?")) + 3


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
