"""The shift quality report as PDF (fpdf2): figures, Pareto, reject p chart, SPC per
characteristic with capability, and the defect list. Charts are drawn with PDF lines, so no
plotting library (and no Qt) is needed.

Text is set in DejaVu Sans when the system has it (Unicode: σ, X̄); otherwise in the PDF core
font, with characters outside Latin-1 replaced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from app.config import StationConfig
from app.quality import spc
from app.quality.queries import (
    DefectFilter,
    count_defects,
    defect_page,
    measurement_series,
    pareto,
    reject_counts,
)
from app.storage.database import Database

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("C:/Windows/Fonts/DejaVuSans.ttf"),
)
LISTED = 200
"""Defects listed at the end of the report (the newest)."""


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    w: float
    h: float


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


class _Pdf:
    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(True, margin=15)
        self.unicode = False
        for path in FONT_PATHS:
            if path.is_file():
                self.pdf.add_font("body", "", str(path))
                self.unicode = True
                break
        self.family = "body" if self.unicode else "helvetica"
        self.pdf.add_page()

    def text(self, value: str) -> str:
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float) -> None:
        self.pdf.set_font(self.family, size=size)

    def line(self, value: str, size: float = 9, height: float = 5) -> None:
        self.font(size)
        self.pdf.cell(0, height, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def table(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        self.font(8)
        self.pdf.set_fill_color(225, 225, 225)
        for text, width in zip(header, widths, strict=True):
            self.pdf.cell(width, 5, self.text(text), border=1, fill=True)
        self.pdf.ln()
        for row in rows:
            for text, width in zip(row, widths, strict=True):
                self.pdf.cell(width, 4.5, self.text(text)[:60], border=1)
            self.pdf.ln()

    def room(self, height: float) -> Box:
        """A box of ``height`` mm across the page (a new page when it does not fit)."""
        pdf = self.pdf
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        box = Box(pdf.l_margin, pdf.get_y(), pdf.w - pdf.l_margin - pdf.r_margin, height)
        pdf.set_y(box.y + height + 2)
        return box

    def chart(self, box: Box, chart: spc.Chart, title: str) -> None:
        pdf = self.pdf
        self.font(8)
        pdf.text(box.x, box.y + 3, self.text(title))
        plot = Box(box.x + 14, box.y + 5, box.w - 16, box.h - 9)
        values = chart.values
        finite = np.isfinite(values)
        everything = np.concatenate([values[finite], chart.ucl, chart.lcl, chart.center])
        everything = everything[np.isfinite(everything)]
        if everything.size == 0:
            return
        low, high = float(everything.min()), float(everything.max())
        if high == low:
            low, high = low - 1, high + 1
        n = max(values.size - 1, 1)

        def xy(i: float, v: float) -> tuple[float, float]:
            return plot.x + plot.w * i / n, plot.y + plot.h * (1 - (v - low) / (high - low))

        pdf.set_draw_color(160, 160, 160)
        pdf.rect(plot.x, plot.y, plot.w, plot.h)
        for v in (low, high):
            pdf.text(box.x, xy(0, v)[1] + 1, f"{v:.4g}")
        for series, colour in ((chart.center, (30, 130, 30)), (chart.ucl, (200, 0, 0)),
                               (chart.lcl, (200, 0, 0))):  # fmt: skip
            pdf.set_draw_color(*colour)
            points = [xy(i, float(v)) for i, v in enumerate(series) if math.isfinite(v)]
            if len(points) > 1:
                pdf.polyline(points)
        pdf.set_draw_color(40, 40, 40)
        points = [xy(i, float(v)) for i, v in enumerate(values) if math.isfinite(v)]
        if len(points) > 1:
            pdf.polyline(points)
        pdf.set_fill_color(210, 0, 0)
        for i in np.flatnonzero(chart.out_of_control & finite).tolist():
            x, y = xy(i, float(values[i]))
            pdf.ellipse(x - 0.9, y - 0.9, 1.8, 1.8, style="F")

    def bars(self, box: Box, items: list[tuple[str, int]], title: str) -> None:
        pdf = self.pdf
        self.font(8)
        pdf.text(box.x, box.y + 3, self.text(title))
        if not items:
            return
        top = max(n for _, n in items)
        width = (box.w - 4) / len(items)
        base = box.y + box.h - 6
        pdf.set_fill_color(74, 120, 176)
        for i, (label, n) in enumerate(items):
            h = (box.h - 14) * n / top
            x = box.x + 2 + i * width
            pdf.rect(x + 1, base - h, width - 2, h, style="F")
            pdf.text(x + 1, base - h - 1, str(n))
            pdf.text(x + 1, base + 4, self.text(label[:18]))

    def save(self, path: Path) -> None:
        self.pdf.output(str(path))


def shift_report(
    database: Database, config: StationConfig, start: float, end: float, path: Path
) -> int:
    """Write the quality report of ``start`` .. ``end``; returns the defects in the window."""
    quality = config.quality
    where = DefectFilter(start=start, end=end)
    doc = _Pdf()
    info = config.station
    doc.line("Shift quality report", size=16, height=9)
    doc.line(f"{info.company} · {info.site} · {info.line} · {info.station}")
    doc.line(f"From {_local(start)} to {_local(end)}")
    total = count_defects(database, where)
    doc.line(f"Defects: {total}", size=11, height=7)
    for inspection in quality.inspections:
        counts = reject_counts(database, inspection.device, start, end, bucket_s=3600.0)
        parts, rejected = int(counts.inspected.sum()), int(counts.rejected.sum())
        rate = f"{100 * rejected / parts:.2f} %" if parts else "–"
        doc.line(f"{inspection.device}: {parts} parts inspected, {rejected} rejected ({rate})")
        if counts.inspected.size >= 2:
            chart = spc.p_chart(counts.rejected, counts.inspected)
            doc.chart(doc.room(45), chart, f"{inspection.device}: reject rate per hour (p chart)")
    by_code = pareto(database, where, "code")
    names = {c.code: c.en for c in quality.defect_codes}
    doc.bars(doc.room(55), [(names.get(k, k), n) for k, n in by_code], "Pareto by defect type")
    doc.table(
        ["Machine", "Defects"],
        [[k, str(n)] for k, n in pareto(database, where, "machine")],
        [60, 30],
    )
    doc.pdf.ln(3)
    for char in quality.characteristics:
        series = measurement_series(database, char.name, start, end)
        if series.values.size < 3:
            doc.line(f"{char.name}: fewer than 3 measurements")
            continue
        imr = spc.individuals(series.values)
        doc.chart(doc.room(45), imr.location, f"{char.name} ({char.unit}): individuals chart")
        cap = spc.capability(series.values, char.lsl, char.usl, imr.sigma_within)

        def fmt(name: str, index: spc.Index) -> str:
            if math.isnan(index.value):
                return f"{name} –"
            return f"{name} {index.value:.2f} [{index.low:.2f}, {index.high:.2f}]"

        doc.line(
            f"{char.name}: n={cap.n}, mean {cap.mean:.4g}, "
            + ", ".join(
                [fmt("Cp", cap.cp), fmt("Cpk", cap.cpk), fmt("Pp", cap.pp), fmt("Ppk", cap.ppk)]
            )
            + f" ({cap.confidence * 100:.0f} % confidence)",
            size=8,
        )
        rules = int(imr.location.out_of_control.sum())
        doc.line(f"{char.name}: {rules} points break a Nelson rule", size=8)
    listed = defect_page(database, where, 0, LISTED)
    doc.pdf.ln(2)
    doc.line(f"Defects (newest {len(listed)} of {total})", size=11, height=7)
    doc.table(
        ["Time", "Machine", "Serial", "Code", "Disposition", "Inspector"],
        [[_local(d.ts), d.machine, d.serial, d.code, d.disposition, d.inspector] for d in listed],
        [30, 25, 40, 28, 25, 30],
    )
    doc.save(path)
    return total
