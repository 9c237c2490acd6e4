"""The tile sparkline: a min/max envelope per pixel column, painted without a plot widget."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

from widgets.sparkline import Sparkline, envelope
from widgets.theme import TEXT_MUTED


def test_envelope_keeps_the_extremes_of_each_column() -> None:
    t = np.arange(100, dtype=np.float64)  # 0..99 s
    v = np.zeros(100)
    v[37] = 5.0  # a one-sample spike must survive the reduction
    v[80] = -3.0
    col, low, high = envelope(t, v, 0.0, 100.0, columns=10)
    assert col.tolist() == list(range(10))
    assert high[3] == 5.0 and low[3] == 0.0
    assert low[8] == -3.0
    assert high.max() == 5.0 and low.min() == -3.0


def test_envelope_skips_gaps_nan_and_samples_outside_the_window() -> None:
    t = np.array([-5.0, 1.0, 2.0, 3.0, 50.0, 99.0, 120.0])
    v = np.array([9.0, 1.0, np.nan, 2.0, 4.0, 6.0, 9.0])
    col, low, high = envelope(t, v, 0.0, 100.0, columns=100)
    assert col.tolist() == [1.0, 3.0, 50.0, 99.0]
    assert low.tolist() == [1.0, 2.0, 4.0, 6.0] == high.tolist()
    empty = envelope(np.empty(0), np.empty(0), 0.0, 1.0, 10)
    assert all(part.size == 0 for part in empty)


def test_sparkline_paints_its_series(qtbot) -> None:
    spark = Sparkline()
    qtbot.addWidget(spark)
    spark.resize(200, 60)
    t = np.linspace(0, 300, 3000)
    spark.set_series(t, np.sin(t / 20), 0.0, 300.0, -1.0, 1.0)
    image = spark.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    line = QColor(TEXT_MUTED).rgb()
    drawn = sum(
        1 for x in range(image.width()) for y in range(image.height()) if image.pixel(x, y) == line
    )
    assert drawn > 150  # about one or more pixels per column
    assert spark.points == 3000
