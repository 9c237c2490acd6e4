"""``shopfloor export defects``: the defects of a time window as CSV, XLSX or a PDF report.

``--from``/``--to`` take ISO 8601 times (local without a zone) or a duration before ``--to``
(``24h``, ``7d``). CSV goes to ``--out`` or standard output; XLSX needs ``--out``. A file is
written to a temporary name first and renamed at the end, so an error leaves no half file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from app.commands.alarms import parse_time
from app.commands.common import UsageError, station_database
from app.config.quality import QualityConfig
from app.quality.export import write_csv, write_xlsx
from app.quality.queries import DefectFilter, ensure_tables
from app.storage.database import Database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``export`` and what it exports."""
    parser = subparsers.add_parser(
        "export", help="export records to files", description="Export records to files."
    )
    what = parser.add_subparsers(dest="export_what", metavar="WHAT")
    defects = what.add_parser(
        "defects",
        help="defects as CSV or XLSX",
        description="Export the defects of a time window (voided ones only on request).",
    )
    defects.add_argument("--from", dest="start", default="24h", help="ISO time or e.g. 24h, 7d")
    defects.add_argument("--to", dest="end", default="now", help="ISO time (default now)")
    defects.add_argument(
        "--format",
        choices=["csv", "xlsx", "pdf"],
        default="csv",
        help="csv, xlsx, or pdf: the shift quality report (needs --config and --out)",
    )
    defects.add_argument("--db", help="database URL or SQLite file")
    defects.add_argument("--config", help="station config: its database and defect names")
    defects.add_argument("--out", help="file to write (CSV: default standard output)")
    defects.add_argument("--machine", action="append", default=[], help="only this machine")
    defects.add_argument("--code", action="append", default=[], help="only this defect code")
    defects.add_argument("--include-voided", action="store_true")
    defects.set_defaults(handler=run)
    parser.set_defaults(handler=run, export_parser=parser)


def run(args: argparse.Namespace) -> int:
    """Export; 0 on success, 1 when the database fails, 2 on bad input."""
    if getattr(args, "export_what", None) is None:
        args.export_parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        end = parse_time(args.end, None)
        start = parse_time(args.start, end)
        if not end > start:
            raise UsageError("--from must be before --to")
        if args.format in ("xlsx", "pdf") and not args.out:
            raise UsageError(f"--format {args.format} needs --out FILE")
        if args.format == "pdf" and not args.config:
            raise UsageError("--format pdf needs --config (the characteristics to chart)")
        quality = _quality(args.config)
        db, _ = station_database(args.db, args.config, must_exist=True)
        ensure_tables(db)
        where = DefectFilter(
            start=start,
            end=end,
            machines=tuple(args.machine),
            codes=tuple(args.code),
            include_voided=args.include_voided,
        )
        if args.out is None:
            count = write_csv(db, where, sys.stdout, quality)
        else:
            count = _write_file(Path(args.out), args.format, db, where, quality, args.config)
    except UsageError as exc:
        print(f"shopfloor export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:
        print(f"shopfloor export: cannot read the defects: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"shopfloor export: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.out is not None:
        print(f"{count} defects written to {args.out}", file=sys.stderr)
    return EXIT_OK


def _quality(config_path: str | None) -> QualityConfig | None:
    if config_path is None:
        return None
    from app.config import ConfigError
    from app.config_loader import load_config

    try:
        return load_config(config_path).quality
    except ConfigError as exc:
        raise UsageError(exc.report()) from None


def _write_file(
    path: Path,
    fmt: str,
    db: Database,
    where: DefectFilter,
    quality: QualityConfig | None,
    config_path: str | None = None,
) -> int:
    directory = path.expanduser().resolve().parent
    if not directory.is_dir():
        raise UsageError(f"--out: no directory {directory}")
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    try:
        if fmt == "pdf":
            os.close(fd)
            assert quality is not None and config_path is not None
            from app.config_loader import load_config
            from app.quality.report import shift_report

            assert where.start is not None and where.end is not None
            count = shift_report(db, load_config(config_path), where.start, where.end, Path(temp))
        elif fmt == "xlsx":
            os.close(fd)
            count = write_xlsx(db, where, Path(temp), quality)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                count = write_csv(db, where, handle, quality)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count
