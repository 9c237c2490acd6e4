"""Raw readings to engineering values, ``raw * scale + offset``, with unusable results marked.

A register that holds a float NaN or infinity, or a scale that overflows (1e300 times a large
count), gives a value no alarm limit can be compared with. Such a value is never published as
GOOD: it becomes BAD quality with the reason ``not a number`` (NaN) or ``out of range``
(infinite), so that storage, the views and the alarms see the tag as what it is. The alarm
evaluator recognises these reasons (:data:`VALUE_REASONS`) to drive a tag's bad-value alarm.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from app.model import FloatArray, IntArray, Quality, QualityArray

NOT_A_NUMBER = "not a number"
OUT_OF_RANGE = "out of range"
#: Reasons of a value the device delivered but that is not a finite number.
VALUE_REASONS = frozenset({NOT_A_NUMBER, OUT_OF_RANGE})


def engineering_values(
    raw: FloatArray,
    scale: FloatArray,
    offset: FloatArray,
    tag_ids: IntArray,
    exempt: Iterable[int] = (),
    fresh: npt.NDArray[np.bool_] | None = None,
) -> tuple[FloatArray, QualityArray, dict[int, str]]:
    """Scaled values, their quality and the reasons of the bad ones (keyed by tag id).

    ``exempt`` are positions whose NaN is expected (string tags carry their value as text);
    ``fresh``, when given, marks the positions that carry a value at all (streaming devices).
    Vectorised: Python only touches the positions that came out non-finite.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        values = raw * scale + offset
    quality = np.zeros(values.shape[0], dtype=np.uint8)
    unusable = ~np.isfinite(values)
    if fresh is not None:
        unusable &= fresh
    reasons: dict[int, str] = {}
    if not unusable.any():
        return values, quality, reasons
    for index in exempt:
        unusable[index] = False
    for index in np.flatnonzero(unusable).tolist():
        quality[index] = Quality.BAD
        reasons[int(tag_ids[index])] = NOT_A_NUMBER if np.isnan(values[index]) else OUT_OF_RANGE
    values[unusable] = np.nan  # an infinity is not a reading: nothing downstream sees it
    return values, quality, reasons
