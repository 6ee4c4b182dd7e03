"""The report as one self-contained HTML file: inline CSS, charts as inline SVG, no scripts."""

from __future__ import annotations

from html import escape

from tokcost.report.figures import figures
from tokcost.report.tables import language_table, model_table, projection_table

CSS = """
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --card:#fff; --accent:#4f46e5;
        --good:#059669; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); line-height:1.5;
       font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 40px 24px 64px; }
header h1 { font-size: 30px; margin: 0 0 4px; letter-spacing: -0.02em; }
header .kicker { color: var(--accent); font-weight: 600; text-transform: uppercase; font-size: 12px;
                 letter-spacing: .08em; }
header p { color: var(--muted); margin: 4px 0; }
.facts { display:flex; flex-wrap:wrap; gap:8px; margin-top:14px; padding:0; list-style:none; }
.facts li { background:#eef2ff; color:#3730a3; border-radius:999px; padding:3px 12px; font-size:13px; }
.findings { display:grid; grid-template-columns:repeat(auto-fit,minmax(210px,1fr)); gap:14px; margin:28px 0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:14px; padding:16px 18px;
        box-shadow:0 1px 2px rgba(15,23,42,.04); }
.card .label { color:var(--muted); font-size:13px; }
.card .value { font-size:26px; font-weight:700; color:var(--good); letter-spacing:-0.01em; margin:2px 0; }
.card .detail { font-size:13px; color:var(--ink); }
section { background:var(--card); border:1px solid var(--line); border-radius:14px; padding:22px 24px;
          margin:18px 0; }
section h2 { font-size:19px; margin:0 0 4px; }
section .lead { color:var(--muted); margin:0 0 14px; font-size:14px; }
figure { margin: 8px 0 16px; overflow-x:auto; }
figure svg { max-width:100%; height:auto; display:block; }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:14px; font-variant-numeric: tabular-nums; }
th, td { padding:7px 10px; border-bottom:1px solid var(--line); text-align:left; white-space:nowrap; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.05em; color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; }
td:last-child { white-space:normal; }
tr.best td { background:#ecfdf5; font-weight:600; }
tr.dim td { color:var(--muted); }
.badge { display:inline-block; background:var(--good); color:#fff; border-radius:6px; font-size:11px;
         padding:1px 7px; margin-left:6px; font-weight:600; vertical-align:1px; }
.missing { border-style:dashed; color:var(--muted); }
details { margin-top:12px; font-size:13px; color:var(--muted); }
details summary { cursor:pointer; }
footer { color:var(--muted); font-size:13px; margin-top:28px; }
code { background:#f1f5f9; padding:1px 5px; border-radius:5px; font-size:13px; }
@media print { body { background:#fff; } section, .card { break-inside: avoid; box-shadow:none; } }
"""


def _table(headers, rows, numeric=(), row_classes=None) -> str:
    head = "".join(f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        cells = "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def render_html(view: dict) -> str:
    charts = figures(view)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>tokcost report · {escape(view['title'])}</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<header>",
        '<div class="kicker">tokcost report</div>',
        f"<h1>{escape(view['title'])}</h1>",
    ]
    if view.get("subtitle"):
        parts.append(f"<p>{escape(view['subtitle'])}</p>")
    if view.get("facts"):
        parts.append('<ul class="facts">' + "".join(f"<li>{escape(f)}</li>" for f in view["facts"]) + "</ul>")
    parts.append("</header>")

    if view.get("findings"):
        parts.append('<div class="findings">')
        for item in view["findings"]:
            parts.append(f'<div class="card"><div class="label">{escape(item["title"])}</div>'
                         f'<div class="value">{escape(item["value"])}</div>'
                         f'<div class="detail">{escape(item.get("detail", ""))}</div></div>')
        parts.append("</div>")

    languages = view.get("languages")
    if languages:
        headers, rows, numeric = language_table(languages)
        parts += ["<section>", "<h2>The language premium</h2>",
                  f'<p class="lead">{escape(languages["lead"])}</p>',
                  f"<figure>{charts['premium']}</figure>",
                  _table(headers, [[escape(c) for c in row] for row in rows], numeric=numeric), "</section>"]

    models = view.get("models")
    if models:
        headers, rows, numeric, marks = model_table(models)
        cells, classes = [], []
        for row, (best, adequate) in zip(rows, marks):
            row = [escape(c) for c in row]
            if best:
                row[0] += '<span class="badge">cheapest adequate</span>'
                row[-1] = ""
            cells.append(row)
            classes.append("best" if best else "" if adequate else "dim")
        parts += ["<section>", "<h2>Monthly spend per model</h2>",
                  f'<p class="lead">{escape(models["lead"])}</p>',
                  f"<figure>{charts['spend']}</figure>",
                  _table(headers, cells, numeric=numeric, row_classes=classes)]
        snapshots = [row["price_snapshot"] for row in models["rows"] if row.get("price_snapshot")]
        if snapshots:
            parts.append("<details><summary>Price snapshots</summary><ul>"
                         + "".join(f"<li>{escape(text)}</li>" for text in snapshots) + "</ul></details>")
        parts.append("</section>")

    projection = view.get("projection")
    if projection:
        headers, rows, numeric = projection_table(projection)
        parts += ["<section>", "<h2>Spend over time</h2>",
                  f'<p class="lead">{escape(projection["caption"])}</p>',
                  f"<figure>{charts['projection']}</figure>",
                  _table(headers, [[escape(c) for c in row] for row in rows], numeric=numeric), "</section>"]

    for section, reason in (view.get("unavailable") or {}).items():
        parts.append(f'<section class="missing"><h2>{escape(section)}: not available</h2>'
                     f"<p>{escape(reason)}</p></section>")

    parts.append(f"<footer>{escape(view.get('footer', ''))}</footer>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)

