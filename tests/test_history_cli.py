"""``shopfloor history stats`` and ``export`` on a real database."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from app.model import Quality
from app.storage import DatabaseGateway, StorageWriter, open_database
from app.tags import TagTable
from tests.test_history import T0, line_config, one_tag
from tests.test_history_migration import LEGACY
from tests.test_history_v1 import V1


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """Two hours of m.f at 1 Hz (one bad sample), folded, plus 10 s not folded yet."""
    db = tmp_path / "station.db"
    writer = StorageWriter(DatabaseGateway(open_database(db)), TagTable(line_config()))
    n = 7200
    values = np.arange(n, dtype=float)
    quality = np.zeros(n, np.uint8)
    quality[10] = Quality.BAD
    values[10] = np.nan
    writer.on_batch(one_tag(0, T0 + np.arange(n, dtype=float), values, quality))
    assert writer.flush()
    writer.fold_now()
    writer.on_batch(one_tag(0, T0 + n + np.arange(10.0), np.arange(10.0), np.zeros(10, np.uint8)))
    assert writer.flush()
    writer.gateway.close()
    return db


def test_stats_json(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "stats", "--db", str(filled), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["samples"] == 7210
    assert stats["bytes_on_disk"] == filled.stat().st_size + sum(
        p.stat().st_size for p in filled.parent.glob("station.db-*")
    )
    f = next(t for t in stats["tags"] if t["tag"] == "m.f")
    assert (f["samples"], f["good"], f["chunks"]) == (7210, 7209, 1)
    assert f["oldest"] == "2027-01-15T08:00:00.000+00:00"
    assert stats["chunk_bytes_per_sample"] < 1.0  # a ramp on a steady clock


def test_stats_text_as_a_real_process(filled: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "history", "stats", "--db", str(filled)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "m.f" in done.stdout and "bytes per sample" in done.stdout


def test_export_every_sample_and_decimated(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frm, to = "2027-01-15T08:00:00+00:00", "2027-01-15T08:01:00+00:00"
    assert (
        main(["history", "export", "--db", str(filled), "--tag", "m.f", "--from", frm, "--to", to])
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 61 and rows[0]["value"] == "0.0" and rows[60]["value"] == "60.0"
    assert rows[10]["quality"] == "bad" and rows[10]["value"] == ""
    args = ["history", "export", "--db", str(filled), "--tag", "m.f", "--from", "2027-01-15T07:00"]
    args += ["--to", "2027-01-15T11:00:00+00:00", "--max-points", "100"]
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    values = [float(r["value"]) for r in rows if r["value"]]
    assert len(rows) <= 110 and max(values) == 7199.0 and min(values) == 0.0


def test_bad_input_is_one_clear_line(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["history", "export", "--db", str(filled), "--from", "24h"]
    assert main([*base, "--tag", "m.nope"]) == 2
    assert "no tag 'm.nope'" in capsys.readouterr().err
    assert main([*base, "--tag", "m.f", "--format", "parquet"]) == 2
    assert "pyarrow" in capsys.readouterr().err
    assert (
        main(["history", "export", "--db", str(filled), "--tag", "m.f", "--from", "yesterday"]) == 2
    )
    assert "not a time" in capsys.readouterr().err
    old = tmp_path / "old.db"
    shutil.copy(LEGACY, old)
    assert main(["history", "stats", "--db", str(old)]) == 2
    err = capsys.readouterr().err
    assert "old row-per-sample format" in err and "Traceback" not in err
    assert main(["history", "stats", "--db", str(tmp_path / "none.db")]) == 2


def test_stats_and_export_read_shared_time_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Four tags polled together: one time column for the four chunks, its bytes shared out."""
    db = tmp_path / "station.db"
    writer = StorageWriter(DatabaseGateway(open_database(db)), TagTable(line_config()))
    n = 3600
    rng = np.random.default_rng(5)
    ts = T0 + np.arange(n) * 0.5 + rng.integers(0, 4, n) / 1000.0  # a jittered poll
    for tag in range(4):
        writer.on_batch(one_tag(tag, ts, np.round(rng.normal(0, 50, n)), np.zeros(n, np.uint8)))
    assert writer.flush()
    writer.fold_now()
    writer.gateway.close()
    with sqlite3.connect(db) as conn:
        times = conn.execute("SELECT count(*), sum(length(payload)) FROM sample_times").fetchone()
        chunks = conn.execute("SELECT sum(length(payload)) FROM sample_chunks").fetchone()[0]
        assert conn.execute("SELECT count(DISTINCT times_id) FROM sample_chunks").fetchone() == (1,)
    assert times[0] == 1
    assert main(["history", "stats", "--db", str(db), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    # Each byte counted once (a tag's share of the time column is rounded: 4 tags, 4 bytes).
    assert abs(stats["chunk_bytes"] - (chunks + times[1])) <= 4
    assert stats["chunk_bytes_per_sample"] == pytest.approx((chunks + times[1]) / (4 * n), 1e-3)
    args = [
        "history",
        "export",
        "--db",
        str(db),
        "--tag",
        "m.c",
        "--from",
        "2027-01-15T08:00:00+00:00",
    ]
    assert main([*args, "--to", "2027-01-15T09:00:00+00:00"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == n


def test_stats_on_a_history_of_an_older_format_says_how_to_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "v1.db"
    shutil.copy(V1, old)
    assert main(["history", "stats", "--db", str(old)]) == 2
    err = capsys.readouterr().err
    assert "older format (revision 0001_history)" in err and "Traceback" not in err
