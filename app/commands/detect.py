"""``shopfloor detect IN.csv OUT.csv``: replay a CSV through the anomaly detectors.

The rows are scored in file order, exactly as live samples would be: nothing looks ahead (they
are scored in blocks for speed, with the same result as one at a time). OUT has exactly the
rows of IN, in order, with the input columns as they were plus:

- ``anomaly_score`` in [0, 1] (empty for a row that could not be scored);
- ``anomaly``: 1 while an alarm episode is on (the score held at the threshold for the
  detector's minimum duration, and has not been below it for its clear time);
- ``onset``: 1 on the row where an episode starts (one per episode);
- ``out_of_order`` / ``repeated_time``: 1 when the timestamp is earlier than / equal to the row
  above's (a clock step, a daylight-saving hour repeated); such rows are scored all the same;
- ``learning``: 1 for the rows the detector learned from (``--learn-rows``, or its warm-up);
- ``rejected``: why a row could not be scored (a missing value, unreadable text); empty if it was.

Nothing is lost silently: rejected rows are written too and counted with their line number and
reason (blank lines are counted apart). OUT is written to a temporary file beside it and renamed
at the end, so a failed run leaves OUT as it was, and IN itself is refused as OUT.
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

import numpy as np

from app.commands.csv_lines import Line, open_text, read_lines
from app.detectors.latch import ONSET, Latch
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
REPEATED = "repeated_time"
ADDED_COLUMNS = (
    "anomaly_score",
    "anomaly",
    "onset",
    OUT_OF_ORDER,
    REPEATED,
    "learning",
    "rejected",
)
#: Rows scored at once (numpy over a block is far faster than row by row).
BLOCK_ROWS = 512


@dataclass(frozen=True, slots=True)
class Options:
    """How scores become the ``anomaly`` column (0 for the scorer's own defaults)."""

    threshold: float = DEFAULT_THRESHOLD
    min_rows: int = 0
    clear_rows: int = 0


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
    """Rejected rows (in OUT, unscored, with the reason in ``rejected``) by reason."""
    rejected: dict[str, array[int]] = field(default_factory=dict)
    """Line numbers of the rejected rows, by reason."""
    examples: list[str] = field(default_factory=list)
    out_of_order: array[int] = field(default_factory=lambda: array("q"))
    """Line numbers of the rows whose timestamp is earlier than the row above (kept)."""
    repeated: array[int] = field(default_factory=lambda: array("q"))
    """Line numbers of the rows whose timestamp equals the row above's (kept)."""
    onsets: array[int] = field(default_factory=lambda: array("q"))
    """Line numbers where an anomaly episode starts."""
    learning: int = 0
    """Rows the detector learned from (score 0, never anomalous)."""
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
            + (f" in {_n(len(self.onsets), 'episode')}" if self.onsets else "")
        ]
        if self.learning:
            lines.append(f"the first {_n(self.learning, 'scored row')} were learned from")
        if self.onsets:
            lines.append(f"episodes start at {_ranges(self.onsets)}")
        if self.skipped:
            reasons = ", ".join(f"{count} {why}" for why, count in self.skipped.most_common())
            count = sum(self.skipped.values())
            lines.append(
                f"rejected {_n(count, 'bad row')} (in OUT unscored, reason in 'rejected'): "
                f"{reasons}"
            )
            lines.extend(f"  {example}" for example in self.examples)
            if count > len(self.examples):  # the others by line number (all: --rejects)
                for why, _ in self.skipped.most_common():
                    lines.append(f"  {why}: {_ranges(self.rejected[why])}")
        if self.out_of_order:
            lines.append(
                f"{_n(len(self.out_of_order), 'row')} earlier than the row above, kept in file "
                f"order with {OUT_OF_ORDER}=1: {_ranges(self.out_of_order)}"
            )
        if self.repeated:
            lines.append(
                f"{_n(len(self.repeated), 'row')} with the timestamp of the row above, kept "
                f"with {REPEATED}=1: {_ranges(self.repeated)}"
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
            "a live stream, and write every row, in order, to OUT.csv with 'anomaly_score', "
            "'anomaly' (the alarm is on), 'onset' (an episode starts), 'out_of_order' and "
            "'repeated_time' (the timestamp is before or equal to the row above's; the row is "
            "scored all the same), 'learning' and 'rejected' (why a row could not be scored; "
            "such rows are also listed by line number on stderr)."
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
    parser.add_argument(
        "--learn-rows",
        type=_count,
        metavar="N",
        help="the first N scored rows are fault-free: the detector learns from them and "
        "reports none of them as anomalous (default: the detector's own warm-up)",
    )
    parser.add_argument(
        "--min-rows",
        type=_count,
        metavar="N",
        default=0,
        help="rows at or above the threshold before an episode starts (default: the "
        "detector's: 1 for univariate ones)",
    )
    parser.add_argument(
        "--clear-rows",
        type=_count,
        metavar="N",
        default=0,
        help="rows below the threshold before an episode ends (default: the detector's: 1 for "
        "univariate ones)",
    )
    parser.set_defaults(handler=run)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 100_000_000:
        raise argparse.ArgumentTypeError(f"{value} is outside 1..100000000")
    return value


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
            Path(args.input),
            Path(args.output),
            args.detector,
            args.threshold,
            rejects,
            learn_rows=args.learn_rows,
            min_rows=args.min_rows,
            clear_rows=args.clear_rows,
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
    *,
    learn_rows: int | None = None,
    min_rows: int = 0,
    clear_rows: int = 0,
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
            scorer = make_row_scorer(detector, [names[i] for i in value_cols], learn_rows)
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
            options = Options(threshold, min_rows, clear_rows)
            _replay(lines, names, time_col, value_cols, scorer, options, outfile, summary)
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


@dataclass(slots=True)
class _Pending:
    """A row read but not yet written: scored in blocks, written in file order."""

    cells: list[str]
    values: list[float] | None
    """None for a rejected row (written, not scored)."""
    late: bool = False
    repeated: bool = False
    rejected: str = ""


def _replay(
    lines: Iterator[Line],
    header: list[str],
    time_col: int,
    value_cols: list[int],
    scorer: RowScorer,
    options: Options,
    outfile: TextIO,
    summary: Summary,
) -> None:
    """Every row after the header goes to OUT in file order: scored, or with the reason it
    could not be in ``rejected``. Rows are scored in blocks (the same scores as one at a time)."""
    writer = csv.writer(outfile, lineterminator="\n")
    writer.writerow([*header, *ADDED_COLUMNS])
    width = len(header)
    episodes = scorer.episodes
    latch = Latch(
        options.threshold,
        clear_samples=options.clear_rows or episodes.clear_rows,
        min_samples=options.min_rows or episodes.min_rows,
    )
    pending: list[_Pending] = []
    block: list[list[float]] = []
    previous = -math.inf

    def flush() -> None:
        scores, learning = (
            scorer.score_block(np.asarray(block, dtype=np.float64))
            if block
            else (np.zeros(0), np.zeros(0, dtype=bool))
        )
        k = 0
        for row in pending:
            state = "1" if latch.active else "0"
            if row.values is None:
                writer.writerow([*row.cells, "", state, "0", *_time_flags(row), "0", row.rejected])
                continue
            score, learn = float(scores[k]), bool(learning[k])
            k += 1
            onset = latch.step(score) == ONSET and not learn
            if onset:
                summary.onsets.append(row_lines[k - 1])
            active = latch.active and not learn
            summary.anomalies += active
            summary.learning += learn
            writer.writerow(
                [
                    *row.cells,
                    f"{score:.6f}",
                    "1" if active else "0",
                    "1" if onset else "0",
                    *_time_flags(row),
                    "1" if learn else "0",
                    "",
                ]
            )
        pending.clear()
        block.clear()
        row_lines.clear()

    row_lines: list[int] = []
    for line in lines:
        row = line.cells
        if line.blank and row is not None:
            summary.blank += 1
            continue
        summary.rows += 1
        if row is None:
            summary.skip(line.number, line.reason, line.detail)
            pending.append(_Pending([""] * width, None, rejected=line.reason))
        elif len(row) != width:
            summary.skip(line.number, "wrong column count", f"{len(row)} fields, expected {width}")
            cells = (row + [""] * width)[:width]
            pending.append(_Pending(cells, None, rejected="wrong column count"))
        else:
            pending.append(_Pending(row, None))
            stamp = parse_timestamp(row[time_col])
            values, reason, problem = _values(row, value_cols, header)
            if stamp is None:
                reason = "bad timestamp"
                problem = f"cannot read timestamp '{row[time_col][:40]}'"
            if problem:
                summary.skip(line.number, reason, problem)
                pending[-1].rejected = reason
            else:
                # Compared with the row above only: one wild timestamp marks one row, not all
                # after it. Equal stamps (a repeated hour, a logger's double write) are marked
                # apart from earlier ones; both are scored in file order like any row.
                assert stamp is not None  # no problem: the timestamp was read
                pending[-1].late = stamp < previous
                pending[-1].repeated = stamp == previous
                if pending[-1].late:
                    summary.out_of_order.append(line.number)
                if pending[-1].repeated:
                    summary.repeated.append(line.number)
                previous = stamp
                pending[-1].values = values
                block.append(values)
                row_lines.append(line.number)
                summary.scored += 1
        if len(block) >= BLOCK_ROWS or len(pending) >= 4 * BLOCK_ROWS:
            flush()
    flush()


def _time_flags(row: _Pending) -> tuple[str, str]:
    return ("1" if row.late else "0", "1" if row.repeated else "0")


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
