"""The report as Markdown, with its charts as SVG files beside it (GitHub and most viewers show them)."""

from __future__ import annotations

from tokcost.report.figures import figures
from tokcost.report.tables import language_table, model_table, projection_table, replay_table


def _table(headers, rows, right=()) -> list:
    align = ["---:" if i in right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def _section(title: str, lead: str, chart_title: str, chart_file: str, headers, rows, numeric) -> list:
    """A heading, its lead, its chart and its table."""
    return [f"## {title}", "", lead, "", f"![{chart_title}]({chart_file})", ""] + _table(headers, rows, numeric) + [""]


def render_markdown(view: dict, chart_prefix: str = "report") -> tuple:
    """(markdown text, {file name: svg}) — the caller writes the charts beside the text."""
    charts = {f"{chart_prefix}-{name}.svg": svg for name, svg in figures(view).items()}
    link = {name.split("-")[-1][:-4]: name for name in charts}
    lines = [f"# {view['title']}", ""]
    if view.get("subtitle"):
        lines += [view["subtitle"], ""]
    if view.get("facts"):
        lines += [" · ".join(view["facts"]), ""]
    if view.get("findings"):
        lines += ["## Key findings", ""]
        lines += [f"- **{item['title']}: {item['value']}** — {item.get('detail', '')}" for item in view["findings"]]
        lines.append("")

    languages = view.get("languages")
    if languages:
        lines += _section("The language premium", languages["lead"], "Tokenizer premium by language",
                          link["premium"], *language_table(languages))

    models = view.get("models")
    if models:
        headers, rows, numeric, marks = model_table(models)
        for row, (best, _) in zip(rows, marks):
            if best:
                row[0] = f"**{row[0]}** ★"
        lines += _section("Monthly spend per model", models["lead"], "Monthly spend per model", link["spend"],
                          headers, rows, numeric)
        snapshots = [row["price_snapshot"] for row in models["rows"] if row.get("price_snapshot")]
        if snapshots:
            lines += ["<details><summary>Price snapshots</summary>", ""]
            lines += [f"- {text}" for text in snapshots] + ["", "</details>", ""]

    projection = view.get("projection")
    if projection:
        lines += _section("Spend over time", projection["caption"], "Spend over time", link["projection"],
                          *projection_table(projection))

    replay = view.get("replay")
    if replay:
        lines += ["## Replayed usage", "", replay["lead"], ""] + _table(*replay_table(replay)) + [""]
        lines += [f"- {note}" for note in replay["notes"]] + ([""] if replay["notes"] else [])

    for section, reason in (view.get("unavailable") or {}).items():
        lines += [f"## {section}: not available", "", reason, ""]
    if view.get("footer"):
        lines += ["---", "", f"_{view['footer']}_", ""]
    return "\n".join(lines), charts
