"""``shopfloor history stats|export``: what the sample history holds, and one tag as CSV.

``stats`` lists per tag the samples, good samples, chunks, compressed bytes and the oldest and
newest sample, plus the database's size on disk and bytes per sample (``--json`` for tools).
``export`` writes one tag's samples between two times as CSV to standard output: every sample,
or with ``--max-points`` the min/max-preserving decimated series the trend view draws. Parquet
is not offered: it needs pyarrow, which is not a dependency of the station.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from app.commands.alarms import parse_time
from app.commands.common import UsageError, add_database_options, station_database
from app.model import Quality
from app.storage.database import Database, sqlite_path
from app.storage.history import query
from app.storage.samples import SampleStore
from app.storage.versions import LEGACY_TABLE, head_revision, schema_revision

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``history`` subcommand and its actions."""
    parser = subparsers.add_parser(
        "history",
        help="sample history: statistics and CSV export",
        description="The station's sample history (compressed chunks and roll-ups).",
    )
    actions = parser.add_subparsers(dest="history_action", metavar="ACTION")

    def common(sub: argparse.ArgumentParser) -> None:
        add_database_options(sub)

    stats = actions.add_parser(
        "stats",
        help="samples, bytes on disk, bytes per sample, oldest and newest per tag",
        description="What the sample history holds.",
    )
    common(stats)
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    stats.set_defaults(handler=run)

    export = actions.add_parser(
        "export", help="one tag's samples as CSV", description="Export one tag's history."
    )
    common(export)
    export.add_argument("--tag", required=True, metavar="DEVICE.TAG", help="the tag")
    export.add_argument(
        "--from", dest="start", required=True, help="start: ISO time or a duration like 24h"
    )
    export.add_argument("--to", dest="end", default="now", help="end: ISO time (default now)")
    export.add_argument(
        "--format", default="csv", help="csv (parquet would need pyarrow: not available)"
    )
    export.add_argument(
        "--max-points",
        type=int,
        metavar="N",
        help="decimate to about N points keeping each interval's min and max",
    )
    export.set_defaults(handler=run)
    parser.set_defaults(handler=run, history_parser=parser)


def run(args: argparse.Namespace) -> int:
    """Run the chosen action; exit 0 on success, 1 on a database failure, 2 on bad input."""
    action = getattr(args, "history_action", None)
    if action is None:
        args.history_parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        db, _ = station_database(args.db, args.config, must_exist=True)
        store = open_store(db)
        if action == "stats":
            print_stats(store, db, args.json)
        else:
            export(store, args)
    except UsageError as exc:
        print(f"shopfloor history: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:
        line = (str(exc).splitlines() or [type(exc).__name__])[0]
        print(f"shopfloor history: cannot read the history: {line}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def open_store(db: Database) -> SampleStore:
    """The history of a database at the newest revision (reading never migrates)."""
    revision = schema_revision(db)
    if revision != head_revision():
        if inspect(db).has_table(LEGACY_TABLE):
            raise UsageError(
                f"{db.url} holds samples in the old row-per-sample format: start the station "
                "once with it to migrate them"
            )
        if revision is not None:
            raise UsageError(
                f"{db.url} holds a history of an older format (revision {revision}): start "
                "the station once with it to upgrade it"
            )
        raise UsageError(f"no sample history in {db.url}")
    return SampleStore(db, migrate=False)


def print_stats(store: SampleStore, db: Database, as_json: bool) -> None:
    tags = store.stats()
    path = sqlite_path(db.url)
    on_disk: int | None = None
    if path is not None:
        on_disk = sum(
            p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
        )
    samples = sum(t.samples for t in tags)
    chunk_bytes = sum(t.chunk_bytes for t in tags)
    summary = {
        "database": db.url.render_as_string(hide_password=True),
        "samples": samples,
        "bytes_on_disk": on_disk,
        "bytes_per_sample": (on_disk / samples) if on_disk and samples else None,
        "chunk_bytes": chunk_bytes,
        "chunk_bytes_per_sample": chunk_bytes / max(1, sum(t.in_chunks for t in tags)),
        "tags": [
            {
                "tag": t.name,
                "samples": t.samples,
                "good": t.good,
                "chunks": t.chunks,
                "chunk_bytes": t.chunk_bytes,
                "oldest": _iso(t.oldest),
                "newest": _iso(t.newest),
            }
            for t in tags
        ],
    }
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    print(f"database        {summary['database']}")
    print(f"samples         {samples}")
    if on_disk is not None:
        per = f"{on_disk / samples:.2f}" if samples else "-"
        print(f"bytes on disk   {on_disk}  ({per} bytes per sample)")
    print(
        f"chunk bytes     {chunk_bytes}  ({summary['chunk_bytes_per_sample']:.2f} bytes per "
        "compressed sample, shared time columns included)"
    )
    print()
    print(f"{'tag':32s} {'samples':>10s} {'good':>10s} {'chunks':>7s}  oldest / newest")
    for t in tags:
        print(
            f"{t.name:32s} {t.samples:10d} {t.good:10d} {t.chunks:7d}  "
            f"{_iso(t.oldest) or '-'} / {_iso(t.newest) or '-'}"
        )


def export(store: SampleStore, args: argparse.Namespace) -> None:
    if args.format != "csv":
        if args.format == "parquet":
            raise UsageError("parquet export needs pyarrow, which is not installed: use csv")
        raise UsageError(f"unknown --format {args.format!r} (csv)")
    end = parse_time(args.end, None)
    start = parse_time(args.start, end)
    if not end > start:
        raise UsageError("--from must be before --to")
    if store.tag_id(args.tag) is None:
        raise UsageError(f"no tag {args.tag!r} in the history (see 'shopfloor history stats')")
    out = csv.writer(sys.stdout, lineterminator="\n")
    if args.max_points is not None:
        if args.max_points < 2:
            raise UsageError("--max-points must be at least 2")
        series = query(store, args.tag, start, end, args.max_points)
        out.writerow(["time", "epoch_s", "value", "source"])
        for t, v in zip(series.t.tolist(), series.values.tolist(), strict=True):
            out.writerow([_iso(t), f"{t:.3f}", "" if v != v else repr(v), series.source])
        return
    s = store.samples(args.tag, start, end)
    out.writerow(["time", "epoch_s", "value", "quality", "reason", "text"])
    for i, (t, v, q) in enumerate(
        zip(s.ts.tolist(), s.values.tolist(), s.quality.tolist(), strict=True)
    ):
        exact = s.exact.get(i)
        value = str(exact) if exact is not None else ("" if v != v else repr(v))
        out.writerow(
            [
                _iso(t),
                f"{t:.3f}",
                value,
                Quality(q).name.lower(),
                s.reasons.get(i, ""),
                s.texts.get(i, ""),
            ]
        )


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")
