"""``shopfloor detect IN.csv OUT.csv``: replay a CSV through the anomaly detectors.

The rows are read and scored one at a time, in file order, exactly as live samples would be:
nothing looks ahead. The output has the input columns plus ``anomaly_score`` in [0, 1],
``anomaly`` (1 when the score reaches the threshold) and ``out_of_order`` (1 when the row's
timestamp is earlier than the row above; it is scored in file order all the same).

Nothing is lost silently: every line after the header is written to OUT, or rejected and
counted with its line number and reason (blank lines are counted apart). OUT is written to a
temporary file beside it and renamed at the end, so a failed run leaves OUT as it was, and IN
itself is refused as OUT.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from app.commands.csv_lines import Line, open_text, read_lines
from app.detectors.multivariate import MAX_COLUMNS as PCA_MAX_COLUMNS
from app.detectors.registry import (
    AUTO,
    DEFAULT_MULTIVARIATE,
    DEFAULT_THRESHOLD,
    DEFAULT_UNIVARIATE,
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
#: How many line ranges per reason the summary lists.
RANGES = 8
#: Value columns a univariate replay takes (one detector each, about 1 KiB apiece) ...
MAX_COLUMNS = 20_000
#: ... and the detectors that keep much more per column (sequence: about 300 KiB).
COLUMN_LIMITS = {"sequence": 500, **dict.fromkeys(MULTIVARIATE, PCA_MAX_COLUMNS)}
OUT_OF_ORDER = "out_of_order"
ADDED_COLUMNS = ("anomaly_score", "anomaly", OUT_OF_ORDER)


class DetectError(Exception):
    """A problem with the input that stops the replay; the message is one clear line."""


@dataclass
class Summary:
    """What a replay did. ``rows`` counts every non-blank line after the header."""

    rows: int = 0
    scored: int = 0
    anomalies: int = 0
    blank: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    """Rejected rows (not in OUT) by reason."""
    rejected: dict[str, array[int]] = field(default_factory=dict)
    """Line numbers of the rejected rows, by reason."""
    examples: list[str] = field(default_factory=list)
    out_of_order: array[int] = field(default_factory=lambda: array("q"))
    """Line numbers of the rows whose timestamp is earlier than the row above (kept)."""
    detector: str = ""
    rejects: Any = field(default=None, repr=False)
    """A csv writer that gets ``line, reason, detail`` of every rejected row (``--rejects``)."""

    def skip(self, line: int, reason: str, detail: str) -> None:
        """Count a rejected row."""
        self.skipped[reason] += 1
        self.rejected.setdefault(reason, array("q")).append(line)
        if self.rejects is not None:
            self.rejects.writerow([line, reason, detail])
        if len(self.examples) < EXAMPLES:
            self.examples.append(f"line {line}: {detail}")

    def rejected_lines(self) -> list[int]:
        """Every rejected line number, in order."""
        return sorted(n for lines in self.rejected.values() for n in lines)

    def report(self) -> str:
        """Summary for stderr."""
        lines = [
            f"{self.scored} of {self.rows} rows scored with '{self.detector}', "
            f"{self.anomalies} anomalous"
        ]
        if self.skipped:
            reasons = ", ".join(f"{count} {why}" for why, count in self.skipped.most_common())
            count = sum(self.skipped.values())
            lines.append(f"rejected {_n(count, 'bad row')} (not in OUT): {reasons}")
            lines.extend(f"  {example}" for example in self.examples)
            if count > len(self.examples):  # the others by line number (all: --rejects)
                for why, _ in self.skipped.most_common():
                    lines.append(f"  {why}: {_ranges(self.rejected[why])}")
        if self.out_of_order:
            lines.append(
                f"{_n(len(self.out_of_order), 'row')} earlier than the row above, kept in file "
                f"order with {OUT_OF_ORDER}=1: {_ranges(self.out_of_order)}"
            )
        if self.blank:
            lines.append(f"{_n(self.blank, 'blank line')} ignored")
        return "\n".join(lines)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _ranges(numbers: array[int]) -> str:
    """``lines 3-7, 12`` for sorted line numbers; the first :data:`RANGES` ranges."""
    spans: list[str] = []
    start = prev = -2
    for n in [*numbers, -1]:
        if n == prev + 1:
            prev = n
            continue
        if prev >= 0:
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
        start = prev = n
    shown = ", ".join(spans[:RANGES])
    more = f" and {len(spans) - RANGES} more ranges" if len(spans) > RANGES else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``detect`` subcommand."""
    names = sorted({AUTO, *UNIVARIATE, *MULTIVARIATE})
    parser = subparsers.add_parser(
        "detect",
        help="replay a CSV through the anomaly detectors",
        description=(
            "Score every row of IN.csv (a 'timestamp' column and numeric columns) in order, as "
            "a live stream, and write the rows with 'anomaly_score', 'anomaly' and "
            "'out_of_order' to OUT.csv. Rows that cannot be scored are rejected and listed by "
            "line number on stderr."
        ),
    )
    parser.add_argument("input", metavar="IN.csv", help="input CSV with a 'timestamp' column")
    parser.add_argument("output", metavar="OUT.csv", help="output CSV to write (not IN.csv)")
    parser.add_argument(
        "--detector",
        default=AUTO,
        choices=names,
        help="detector to use; 'auto' picks the univariate or the multivariate one by the "
        "number of numeric columns (default: %(default)s)",
    )
    parser.add_argument(
        "--rejects",
        metavar="REJECTS.csv",
        help="also write every rejected line of IN.csv (line, reason, detail) to this CSV",
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
        rejects = Path(args.rejects) if args.rejects else None
        summary = detect_file(
            Path(args.input), Path(args.output), args.detector, args.threshold, rejects
        )
    except DetectError as exc:
        sys.stderr.write(f"shopfloor detect: {exc}\n")
        return EXIT_USAGE
    sys.stderr.write(summary.report() + "\n")
    if summary.scored == 0:
        sys.stderr.write("shopfloor detect: no usable rows\n")
        return EXIT_NO_ROWS
    return EXIT_OK


def detect_file(
    source: Path,
    target: Path,
    detector: str = AUTO,
    threshold: float = DEFAULT_THRESHOLD,
    rejects: Path | None = None,
) -> Summary:
    """Replay ``source`` into ``target`` (rejected lines into ``rejects`` if given); raise
    :class:`DetectError` on unusable input."""
    try:
        infile = open_text(source)
    except FileNotFoundError:
        raise DetectError(f"{source}: no such file") from None
    except OSError as exc:
        raise DetectError(f"{source}: cannot read ({exc.strerror})") from None
    with infile:
        _refuse_same_file(source, target)
        if rejects is not None:
            _refuse_same_file(source, rejects)
            if os.path.realpath(rejects) == os.path.realpath(target):
                raise DetectError(f"{rejects}: the rejects file cannot be OUT.csv too")
        lines = read_lines(infile)
        header = _header(lines, source)
        names = [cell.strip() for cell in header.cells or []]
        time_col = _timestamp_column(names, source)
        value_cols = [i for i in range(len(names)) if i != time_col]
        if not value_cols:
            raise DetectError(f"{source}: no numeric column beside '{names[time_col]}'")
        _check_width(detector, len(value_cols), source)
        try:
            scorer = make_row_scorer(detector, [names[i] for i in value_cols])
        except ValueError as exc:
            raise DetectError(str(exc)) from None
        with ExitStack() as stack:
            outfile = stack.enter_context(_AtomicOutput(target))
            summary = Summary(detector=scorer.name)
            if rejects is not None:
                summary.rejects = csv.writer(
                    stack.enter_context(_AtomicOutput(rejects)), lineterminator="\n"
                )
                summary.rejects.writerow(["line", "reason", "detail"])
            _replay(lines, names, time_col, value_cols, scorer, threshold, outfile, summary)
        summary.rejects = None  # its file is closed
        return summary


def _refuse_same_file(source: Path, target: Path) -> None:
    """Writing OUT over IN would destroy the input: refuse, through links too."""
    try:
        same = os.path.samefile(source, target)
    except OSError:  # OUT does not exist yet
        same = False
    if same or os.path.realpath(source) == os.path.realpath(target):
        raise DetectError(
            f"{target} is the input file itself; writing it would destroy the input: "
            "choose another OUT.csv"
        )


def _header(lines: Iterator[Line], source: Path) -> Line:
    """The first non-blank line; DetectError if there is none or it cannot be read."""
    for line in lines:
        if line.cells is None:
            raise DetectError(
                f"{source}: not a readable CSV file (line {line.number}: {line.detail})"
            )
        if not line.blank:
            return line
    raise DetectError(f"{source}: the file is empty")


def _timestamp_column(names: list[str], source: Path) -> int:
    lowered = [name.lower() for name in names]
    if "timestamp" not in lowered:
        found = ", ".join(f"'{n}'" for n in names[:20])
        more = f" and {len(names) - 20} more" if len(names) > 20 else ""
        raise DetectError(f"{source}: no 'timestamp' column (columns: {found}{more})")
    if lowered.count("timestamp") > 1:
        raise DetectError(f"{source}: more than one 'timestamp' column")
    return lowered.index("timestamp")


def _check_width(detector: str, columns: int, source: Path) -> None:
    """Refuse more value columns than the detector handles in bounded memory."""
    name = detector
    if name == AUTO:
        name = DEFAULT_UNIVARIATE if columns == 1 else DEFAULT_MULTIVARIATE
    limit = COLUMN_LIMITS.get(name, MAX_COLUMNS)
    if columns <= limit:
        return
    if name in MULTIVARIATE:
        hint = (
            f"the multivariate detector '{name}' (one correlation matrix over all columns) "
            f"takes at most {limit} numeric columns; score each column on its own with "
            "--detector robust, or keep the columns of one machine"
        )
    else:
        hint = (
            f"detector '{name}' takes at most {limit:,} numeric columns here (one detector per "
            "column)"
            + ("; --detector robust needs far less memory per column" if name == "sequence" else "")
        )
    raise DetectError(f"{source}: {columns:,} numeric columns: {hint}")


class _AtomicOutput:
    """A text file written beside ``target`` and renamed over it only when all went well."""

    def __init__(self, target: Path) -> None:
        self.target = Path(os.path.realpath(target))  # through a link: replace what it names
        self.display = target
        self._temp = ""
        self._file: TextIO | None = None

    def __enter__(self) -> TextIO:
        if self.target.is_dir():
            raise DetectError(f"{self.display}: cannot write (it is a directory)")
        try:
            fd, self._temp = tempfile.mkstemp(
                dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part"
            )
        except OSError as exc:
            raise DetectError(f"{self.display}: cannot write ({exc.strerror})") from None
        os.chmod(fd, _mode_for(self.target))
        self._file = os.fdopen(fd, "w", newline="", encoding="utf-8")
        return self._file

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        assert self._file is not None
        try:
            self._file.close()
            if kind is None:
                os.replace(self._temp, self.target)
                self._temp = ""
        except OSError as exc:
            raise DetectError(f"{self.display}: cannot write ({exc.strerror})") from None
        finally:
            if self._temp:
                os.unlink(self._temp)


def _mode_for(target: Path) -> int:
    """Keep an existing OUT's permissions; a new one gets the usual umask-based mode."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _replay(
    lines: Iterator[Line],
    header: list[str],
    time_col: int,
    value_cols: list[int],
    scorer: RowScorer,
    threshold: float,
    outfile: TextIO,
    summary: Summary,
) -> None:
    """Score the rows in file order; every line is written or rejected with its number."""
    writer = csv.writer(outfile, lineterminator="\n")
    writer.writerow([*header, *ADDED_COLUMNS])
    width = len(header)
    previous = -math.inf
    for line in lines:
        row = line.cells
        if row is None:
            summary.rows += 1
            summary.skip(line.number, line.reason, line.detail)
            continue
        if line.blank:
            summary.blank += 1
            continue
        summary.rows += 1
        if len(row) != width:
            summary.skip(line.number, "wrong column count", f"{len(row)} fields, expected {width}")
            continue
        stamp = parse_timestamp(row[time_col])
        if stamp is None:
            summary.skip(
                line.number, "bad timestamp", f"cannot read timestamp '{row[time_col][:40]}'"
            )
            continue
        values, reason, problem = _values(row, value_cols, header)
        if problem:
            summary.skip(line.number, reason, problem)
            continue
        # Compared with the row above only: one wild timestamp marks one row, not all after it.
        late = stamp < previous
        if late:
            summary.out_of_order.append(line.number)
        previous = stamp
        score = scorer.score(stamp, values)
        hit = score >= threshold
        summary.scored += 1
        summary.anomalies += hit
        writer.writerow([*row, f"{score:.6f}", "1" if hit else "0", "1" if late else "0"])


def _values(row: list[str], columns: list[int], header: list[str]) -> tuple[list[float], str, str]:
    """The row's numbers, or ``([], reason, problem)`` for the first cell that is not one."""
    values: list[float] = []
    for i in columns:
        cell = row[i].strip()
        if not cell:
            return [], "missing value", f"missing value in '{header[i]}'"
        try:
            value = float(cell)
        except ValueError:
            return [], "not a number", f"'{cell[:40]}' in '{header[i]}' is not a number"
        if not math.isfinite(value):
            return [], "not a number", f"'{cell[:40]}' in '{header[i]}' is not a finite number"
        values.append(value)
    return values, "", ""


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
