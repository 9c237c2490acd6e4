"""``shopfloor detect IN.csv OUT.csv``: replay a CSV through the anomaly detectors.

The rows are read and scored one at a time, in file order, exactly as live samples would be:
nothing looks ahead. The output has the input columns plus ``anomaly_score`` in [0, 1] and
``anomaly`` (1 when the score reaches the threshold). Bad rows are skipped and counted.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from app.detectors.registry import (
    AUTO,
    DEFAULT_THRESHOLD,
    MULTIVARIATE,
    UNIVARIATE,
    RowScorer,
    make_row_scorer,
)

EXIT_OK = 0
EXIT_NO_ROWS = 1
EXIT_USAGE = 2
#: How many bad rows are quoted in the summary.
EXAMPLES = 5


class DetectError(Exception):
    """A problem with the input that stops the replay; the message is one clear line."""


@dataclass
class Summary:
    """What a replay did."""

    rows: int = 0
    scored: int = 0
    anomalies: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    detector: str = ""

    def skip(self, line: int, reason: str, detail: str) -> None:
        """Count a bad row."""
        self.skipped[reason] += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(f"line {line}: {detail}")

    def report(self) -> str:
        """Summary for stderr."""
        lines = [
            f"{self.scored} of {self.rows} rows scored with '{self.detector}', "
            f"{self.anomalies} anomalous"
        ]
        if self.skipped:
            reasons = ", ".join(f"{count} {why}" for why, count in self.skipped.most_common())
            lines.append(f"skipped {sum(self.skipped.values())} bad rows: {reasons}")
            lines.extend(f"  {example}" for example in self.examples)
        return "\n".join(lines)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``detect`` subcommand."""
    names = sorted({AUTO, *UNIVARIATE, *MULTIVARIATE})
    parser = subparsers.add_parser(
        "detect",
        help="replay a CSV through the anomaly detectors",
        description=(
            "Score every row of IN.csv (a 'timestamp' column and numeric columns) in order, as "
            "a live stream, and write the rows with 'anomaly_score' and 'anomaly' to OUT.csv."
        ),
    )
    parser.add_argument("input", metavar="IN.csv", help="input CSV with a 'timestamp' column")
    parser.add_argument("output", metavar="OUT.csv", help="output CSV to write")
    parser.add_argument(
        "--detector",
        default=AUTO,
        choices=names,
        help="detector to use; 'auto' picks the univariate or the multivariate one by the "
        "number of numeric columns (default: %(default)s)",
    )
    parser.add_argument(
        "--threshold",
        type=_unit_interval,
        default=DEFAULT_THRESHOLD,
        help="score at or above which a row is anomalous, in [0, 1] (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def _unit_interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is outside [0, 1]")
    return value


def run(args: argparse.Namespace) -> int:
    """Entry point of the subcommand; returns the exit code."""
    try:
        summary = detect_file(Path(args.input), Path(args.output), args.detector, args.threshold)
    except DetectError as exc:
        sys.stderr.write(f"shopfloor detect: {exc}\n")
        return EXIT_USAGE
    sys.stderr.write(summary.report() + "\n")
    if summary.scored == 0:
        sys.stderr.write("shopfloor detect: no usable rows\n")
        return EXIT_NO_ROWS
    return EXIT_OK


def detect_file(
    source: Path, target: Path, detector: str = AUTO, threshold: float = DEFAULT_THRESHOLD
) -> Summary:
    """Replay ``source`` into ``target``; raise :class:`DetectError` on unusable input."""
    try:
        infile = source.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise DetectError(f"{source}: no such file") from None
    except OSError as exc:
        raise DetectError(f"{source}: cannot read ({exc.strerror})") from None
    with infile:
        reader = csv.reader(infile)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DetectError(f"{source}: not a readable CSV file ({exc})") from None
        if header is None or not any(cell.strip() for cell in header):
            raise DetectError(f"{source}: the file is empty")
        names = [cell.strip() for cell in header]
        time_col = _timestamp_column(names, source)
        value_cols = [i for i in range(len(names)) if i != time_col]
        if not value_cols:
            raise DetectError(f"{source}: no numeric column beside '{names[time_col]}'")
        try:
            scorer = make_row_scorer(detector, [names[i] for i in value_cols])
        except ValueError as exc:
            raise DetectError(str(exc)) from None
        try:
            outfile = target.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise DetectError(f"{target}: cannot write ({exc.strerror})") from None
        with outfile:
            return _replay(reader, header, time_col, value_cols, scorer, threshold, outfile)


def _timestamp_column(names: list[str], source: Path) -> int:
    lowered = [name.lower() for name in names]
    if "timestamp" not in lowered:
        found = ", ".join(f"'{n}'" for n in names)
        raise DetectError(f"{source}: no 'timestamp' column (columns: {found})")
    return lowered.index("timestamp")


def _replay(
    reader: Any,
    header: list[str],
    time_col: int,
    value_cols: list[int],
    scorer: RowScorer,
    threshold: float,
    outfile: TextIO,
) -> Summary:
    """Score the rows of ``reader`` (a csv.reader, for its line numbers) in order."""
    summary = Summary(detector=scorer.name)
    writer = csv.writer(outfile, lineterminator="\n")
    writer.writerow([*header, "anomaly_score", "anomaly"])
    width = len(header)
    last_time = -math.inf
    line = 1
    reason = ""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except (csv.Error, UnicodeDecodeError) as exc:
            line += 1
            summary.rows += 1
            summary.skip(line, "unreadable", f"not valid CSV ({exc})")
            continue
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue  # blank lines are not rows
        summary.rows += 1
        if len(row) != width:
            summary.skip(line, "wrong column count", f"{len(row)} fields, expected {width}")
            continue
        stamp = parse_timestamp(row[time_col])
        if stamp is None:
            summary.skip(line, "bad timestamp", f"cannot read timestamp '{row[time_col]}'")
            continue
        if stamp < last_time:
            summary.skip(line, "time going backwards", f"'{row[time_col]}' is before the row above")
            continue
        values: list[float] = []
        problem = ""
        for i in value_cols:
            cell = row[i].strip()
            if not cell:
                problem = f"missing value in '{header[i]}'"
                reason = "missing value"
                break
            try:
                value = float(cell)
            except ValueError:
                problem = f"'{cell}' in '{header[i]}' is not a number"
                reason = "not a number"
                break
            if not math.isfinite(value):
                problem = f"'{cell}' in '{header[i]}' is not a finite number"
                reason = "not a number"
                break
            values.append(value)
        if problem:
            summary.skip(line, reason, problem)
            continue
        last_time = stamp
        score = scorer.score(stamp, values)
        hit = score >= threshold
        summary.scored += 1
        summary.anomalies += hit
        writer.writerow([*row, f"{score:.6f}", "1" if hit else "0"])
    return summary


def parse_timestamp(text: str) -> float | None:
    """Seconds since the epoch from ISO 8601 text or a plain number; None if unreadable."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        return value if math.isfinite(value) else None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        # Naive times are taken as UTC: only their order and spacing matter here.
        return (moment - _EPOCH).total_seconds()
    return moment.timestamp()


_EPOCH = datetime(1970, 1, 1)
