"""``shopfloor detect`` on good and malformed CSV files: clear messages, exit codes, no
tracebacks. Runs the module's own ``add_parser``/``run`` on a fresh parser."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pytest

from app.commands import detect


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="shopfloor")
    sub = parser.add_subparsers(dest="command", required=True)
    detect.add_parser(sub)
    args = parser.parse_args(["detect", *argv])
    return int(args.handler(args))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def series(path: Path, values: np.ndarray, columns: tuple[str, ...] = ("value",)) -> Path:
    lines = ["timestamp," + ",".join(columns)]
    for i, row in enumerate(np.atleast_2d(values.T).T):
        stamp = f"2024-01-01 {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
        lines.append(stamp + "," + ",".join(f"{v:.6f}" for v in np.atleast_1d(row)))
    return write(path, "\n".join(lines) + "\n")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_univariate_replay_finds_a_spike(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    values = 20 + np.random.default_rng(0).normal(size=3000)
    values[2500] += 12
    source = series(tmp_path / "in.csv", values)
    assert cli(str(source), str(tmp_path / "out.csv"), "--detector", "robust") == 0
    rows = read(tmp_path / "out.csv")
    assert list(rows[0]) == [
        "timestamp",
        "value",
        "anomaly_score",
        "anomaly",
        "onset",
        "out_of_order",
        "repeated_time",
        "learning",
        "rejected",
    ]
    assert len(rows) == 3000
    assert rows[2500]["value"] == f"{values[2500]:.6f}"  # input columns kept as they were
    flagged = [i for i, r in enumerate(rows) if r["anomaly"] == "1"]
    assert flagged[0] == 2500
    scores = [float(r["anomaly_score"]) for r in rows]
    assert all(0.0 <= s <= 1.0 for s in scores)
    err = capsys.readouterr().err
    assert "3000 of 3000 rows scored with 'robust'" in err


def test_default_detector_and_threshold(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    values = 20 + np.random.default_rng(1).normal(size=2000)
    values[1500:] += 30  # a new level, far outside everything seen
    source = series(tmp_path / "in.csv", values)
    assert cli(str(source), str(tmp_path / "out.csv")) == 0
    assert "with 'sequence'" in capsys.readouterr().err
    rows = read(tmp_path / "out.csv")
    assert rows[1500]["anomaly"] == "1"
    assert cli(str(source), str(tmp_path / "strict.csv"), "--threshold", "1") == 0
    strict = read(tmp_path / "strict.csv")
    assert sum(r["anomaly"] == "1" for r in strict) <= sum(r["anomaly"] == "1" for r in rows)


def test_several_columns_use_the_multivariate_detector(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    rng = np.random.default_rng(2)
    load = rng.normal(size=2000)
    data = np.column_stack(
        [10 + 2 * load + 0.1 * rng.normal(size=2000), 100 + 15 * load + 0.8 * rng.normal(size=2000)]
    )
    data[1700:, 1] = 100 + 15 * rng.normal(size=300)  # the correlation breaks
    source = series(tmp_path / "in.csv", data, ("current", "flow"))
    assert cli(str(source), str(tmp_path / "out.csv")) == 0
    assert "with 'process'" in capsys.readouterr().err
    rows = read(tmp_path / "out.csv")
    flagged = [i for i, r in enumerate(rows) if r["anomaly"] == "1"]
    assert flagged and 1700 <= flagged[0] <= 1710


def test_bad_rows_are_rejected_by_line_and_late_rows_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    good = [f"2024-01-01T00:{i // 60:02d}:{i % 60:02d},{i % 7}" for i in range(100)]
    lines = ["timestamp,value", *good[:50]]
    lines += [
        "2024-01-01T00:00:10,5",  # time going backwards: kept and marked
        "2024-01-01T00:00:51,",  # missing value
        "2024-01-01T00:00:52,abc",  # not a number
        "yesterday,4",  # bad timestamp
        "2024-01-01T00:00:53,1,2",  # too many fields
        "",  # blank lines are not rows
    ]
    lines += good[54:]
    source = write(tmp_path / "in.csv", "\n".join(lines) + "\n")
    assert cli(str(source), str(tmp_path / "out.csv"), "--detector", "robust") == 0
    err = capsys.readouterr().err
    assert "97 of 101 rows scored" in err
    assert "rejected 4 bad rows (in OUT unscored, reason in 'rejected')" in err
    for reason in ("missing value", "not a number", "bad timestamp", "wrong column count"):
        assert f"1 {reason}" in err
    assert "line 54: 'abc' in 'value' is not a number" in err
    late = "1 row earlier than the row above, kept in file order with out_of_order=1: line 52"
    assert late in err
    assert "1 blank line ignored" in err
    assert "Traceback" not in err
    rows = read(tmp_path / "out.csv")
    assert len(rows) == 101  # every row but the blank line, in file order
    assert [r["timestamp"] for r in rows if r["out_of_order"] == "1"] == ["2024-01-01T00:00:10"]
    assert [(r["timestamp"], r["value"], r["rejected"]) for r in rows[51:55]] == [
        ("2024-01-01T00:00:51", "", "missing value"),
        ("2024-01-01T00:00:52", "abc", "not a number"),
        ("yesterday", "4", "bad timestamp"),
        ("2024-01-01T00:00:53", "1", "wrong column count"),
    ]
    assert all(r["anomaly_score"] == "" for r in rows[51:55])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("time,value\n1,2\n", "no 'timestamp' column (columns: 'time', 'value')"),
        ("timestamp\n2024-01-01,\n", "no numeric column beside 'timestamp'"),
    ],
)
def test_unusable_files_give_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: str, message: str
) -> None:
    source = write(tmp_path / "in.csv", content)
    assert cli(str(source), str(tmp_path / "out.csv")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err and err.startswith("shopfloor detect: ")


def test_missing_file_and_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli(str(tmp_path / "nope.csv"), str(tmp_path / "out.csv")) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err
    source = series(tmp_path / "in.csv", np.arange(10.0))
    assert cli(str(source), str(tmp_path / "no" / "dir" / "out.csv")) == 2
    assert "cannot write" in capsys.readouterr().err


def test_binary_garbage_is_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"\xff\xfe\x00\x81garbage\x00\n\x93\x94")
    assert cli(str(source), str(tmp_path / "out.csv")) == 2
    assert "not a readable CSV file" in capsys.readouterr().err


def test_no_usable_rows_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = write(tmp_path / "in.csv", "timestamp,value\n2024-01-01,x\n2024-01-02,y\n")
    assert cli(str(source), str(tmp_path / "out.csv")) == 1
    err = capsys.readouterr().err
    assert "rejected 2 bad rows (in OUT unscored, reason in 'rejected'): 2 not a number" in err
    assert "no usable rows" in err
    assert "not a number: lines" not in err  # both are quoted in full already


def test_every_rejected_line_is_listed_by_number(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    rows = [f"2024-01-01T00:00:{i:02d},{'x' if 3 <= i <= 9 or i == 20 else i}" for i in range(30)]
    source = write(tmp_path / "in.csv", "timestamp,value\n" + "\n".join(rows) + "\n")
    rejects = tmp_path / "rejects.csv"
    out = str(tmp_path / "out.csv")
    assert cli(str(source), out, "--detector", "robust", "--rejects", str(rejects)) == 0
    err = capsys.readouterr().err
    assert "22 of 30 rows scored" in err
    assert "rejected 8 bad rows (in OUT unscored, reason in 'rejected'): 8 not a number" in err
    assert err.count("  line ") == 5  # the first five quoted in full
    assert "  not a number: lines 5-11, 22" in err
    listed = read(rejects)
    assert [r["line"] for r in listed] == ["5", "6", "7", "8", "9", "10", "11", "22"]
    assert listed[0] == {
        "line": "5",
        "reason": "not a number",
        "detail": "'x' in 'value' is not a number",
    }
    # The rejects file may be neither the input nor the output.
    assert cli(str(source), out, "--rejects", str(source)) == 2
    assert "is the input file itself" in capsys.readouterr().err
    assert cli(str(source), out, "--rejects", out) == 2
    assert "cannot be OUT.csv too" in capsys.readouterr().err


def test_multivariate_detector_needs_two_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = series(tmp_path / "in.csv", np.arange(10.0))
    assert cli(str(source), str(tmp_path / "out.csv"), "--detector", "pca") == 2
    assert "detector 'pca' needs at least 2 numeric columns" in capsys.readouterr().err


def test_threshold_outside_the_unit_interval_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as info:
        cli("a.csv", "b.csv", "--threshold", "1.5")
    assert info.value.code == 2
    assert "1.5 is outside [0, 1]" in capsys.readouterr().err


def test_wired_into_the_shopfloor_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from app.cli import main

    source = series(tmp_path / "in.csv", 20 + np.random.default_rng(3).normal(size=500))
    assert main(["detect", str(source), str(tmp_path / "out.csv"), "--detector", "drift"]) == 0
    assert "500 of 500 rows scored with 'drift'" in capsys.readouterr().err
    assert main(["detect", str(tmp_path / "missing.csv"), str(tmp_path / "out.csv")]) == 2


def test_epoch_and_iso_timestamps() -> None:
    assert detect.parse_timestamp("1700000000") == 1700000000.0
    assert detect.parse_timestamp("1970-01-01 00:01:00") == 60.0
    assert detect.parse_timestamp("1970-01-01T00:01:00Z") == 60.0
    assert detect.parse_timestamp("soon") is None
    assert detect.parse_timestamp("nan") is None
