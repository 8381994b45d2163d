"""The statistics report as tables (title, headers, rows): one source for the page, CSV, text and JSON."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from typing import Any

from ...content.programs import get_program
from .statistics import SUPPRESSED, Report

FIGURES = (("started", "Startade"), ("ongoing", "Pågående"), ("ended", "Avslutade"), ("maintained", "Vidmakthåll"))


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    #: column index whose numbers a bar chart shows (None = no chart)
    chart_column: int | None = None


def _reason_title(program_id: str | None, reason: str) -> str:
    program = get_program(program_id or "tobakshjalpen")
    found = next((r.title for r in program.end_reasons if r.id == reason), None) if program else None
    return found or reason or "Okänd"


def tables(report: Report, scope_names: dict[str, str] | None = None) -> list[Table]:
    """Every table of the report, already suppressed, in page order."""
    ov = report.overview
    names = scope_names or dict(ov["scopes"])
    out = []
    for key, _label in ov["scopes"]:
        t = ov["tables"][key]
        out.append(Table(f"oversikt-{key}", f"Översikt per månad: {names[key]}", ["Månad", *(l for _, l in FIGURES)],
                         [[r["month"], *(r[f] for f, _ in FIGURES)] for r in t["rows"]], chart_column=1))
    headers = ["Mått", *(names[k] for k, _ in ov["scopes"])]
    rows = [[label, *(ov["tables"][k]["totals"][f] for k, _ in ov["scopes"])]
            for f, label in FIGURES if f != "ongoing"]
    out.append(Table("perioden", "Hela perioden", headers, rows))
    reasons = sorted({r for k, _ in ov["scopes"] for r in ov["tables"][k]["reasons"]})
    out.append(Table("avslutningsorsak", "Avslutade per avslutningsorsak", ["Avslutningsorsak", *headers[1:]],
                     [[_reason_title(report.filters.program_id, r),
                       *(ov["tables"][k]["reasons"].get(r, SUPPRESSED) for k, _ in ov["scopes"])] for r in reasons]))
    focus = names[report.focus]
    out.append(Table("programflode", f"Programflöde: {focus}",
                     ["Modul", "Nått", "Avklarat", "Aktiva nu", "Median dagar", "Förvalda dagar"],
                     [[r["title"], r["reached"], r["completed"], r["active"], r["median_days"], r["default_days"]]
                      for r in report.funnel], chart_column=1))
    out.append(Table("utfall", f"Utfall vid uppföljning: {focus}",
                     ["Uppföljning", "Förväntade (ITT)", "Svarat", "Svarsfrekvens %",
                      # the questions cover all tobacco and nicotine (nicotine medicines allowed)
                      "Tobaks- och nikotinfria 7 dagar", "7 dagar % av svarande", "7 dagar % ITT",
                      "Kontinuerligt tobaks- och nikotinfria", "Kontinuerligt % av svarande",
                      "Kontinuerligt % ITT"],
                     [[f"{r['months']} månader", r["due"], r["answered"], r["response_rate"], r["point"],
                       r["point_respondents"], r["point_itt"], r["continuous"], r["continuous_respondents"],
                       r["continuous_itt"]] for r in report.outcomes], chart_column=6))
    out.append(Table("fagerstrom", f"Fagerström vid start: {focus}", ["Beroende", "Antal"],
                     [[r["band"], r["count"]] for r in report.fagerstrom], chart_column=1))
    return out


def to_csv(report: Report, scope_names: dict[str, str] | None = None) -> str:
    """All tables in one CSV (UTF-8 BOM, `;`), a title row before each table."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for table in tables(report, scope_names):
        writer.writerow([table.title])
        writer.writerow(table.headers)
        writer.writerows(table.rows)
        writer.writerow([])
    return out.getvalue()


def to_text(report: Report, scope_names: dict[str, str] | None = None) -> str:
    lines = []
    for table in tables(report, scope_names):
        widths = [max(len(str(v)) for v in col) for col in zip(table.headers, *table.rows)]
        lines.append(table.title)
        for row in [table.headers, *table.rows]:
            lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
        lines.append("")
    return "\n".join(lines) + "\n"


def to_json(report: Report, scope_names: dict[str, str] | None = None) -> str:
    return json.dumps({"filters": asdict(report.filters),
                       "tables": [{"key": t.key, "title": t.title, "headers": t.headers, "rows": t.rows}
                                  for t in tables(report, scope_names)]}, ensure_ascii=False, indent=2)
