"""``shopfloor detect`` keeps every row (issue 14): the output has exactly the input's rows in
order; repeated and backwards timestamps are scored and marked; ``--learn-rows`` declares a
fault-free learning period; scores become one episode per fault, not one alarm per row."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from app.cli import main
from app.commands import detect
from app.detectors.registry import make_row_scorer


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def machine(rows: int, seed: int = 0) -> np.ndarray:
    """Four correlated tags of one machine (load drives current, flow and temperature)."""
    rng = np.random.default_rng(seed)
    load = rng.normal(scale=0.5, size=rows)
    return np.column_stack(
        [
            10 + 2 * load + 0.1 * rng.normal(size=rows),
            100 + 15 * load + 0.8 * rng.normal(size=rows),
            60 + 3 * load + 0.3 * rng.normal(size=rows),
            5 + 0.2 * rng.normal(size=rows),
        ]
    )


def csv_lines(data: np.ndarray, stamps: list[str]) -> list[str]:
    header = "timestamp," + ",".join(f"tag{j}" for j in range(data.shape[1]))
    body = [
        s + "," + ",".join(f"{v:.5f}" for v in row) for s, row in zip(stamps, data, strict=True)
    ]
    return [header, *body]


def iso(i: int) -> str:
    return f"2024-10-27T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}"


def test_repeated_and_backwards_timestamps_are_scored_marked_and_counted(tmp_path: Path) -> None:
    data = machine(1200)
    stamps = [iso(i) for i in range(1200)]
    stamps[700] = stamps[699]  # a logger's double write
    stamps[701] = stamps[699]
    stamps[900:960] = [iso(i) for i in range(840, 900)]  # a clock stepped back a minute
    source = write(tmp_path / "in.csv", csv_lines(data, stamps))
    summary = detect.detect_file(source, tmp_path / "out.csv", "process", learn_rows=400)
    rows = read(tmp_path / "out.csv")
    assert [r["timestamp"] for r in rows] == stamps  # every row, in file order
    assert all(r["anomaly_score"] != "" for r in rows)  # all scored
    assert [i for i, r in enumerate(rows) if r["repeated_time"] == "1"] == [700, 701]
    assert [i for i, r in enumerate(rows) if r["out_of_order"] == "1"] == [900]
    assert (summary.rows, summary.scored, len(summary.repeated)) == (1200, 1200, 2)
    report = summary.report()
    assert "2 rows with the timestamp of the row above, kept with repeated_time=1" in report
    assert "1 row earlier than the row above" in report


def test_learn_rows_are_learned_from_and_never_anomalous(tmp_path: Path) -> None:
    data = machine(1000, seed=1)
    data[:300, 3] += 40  # far off, but declared normal: it is the learning period
    source = write(tmp_path / "in.csv", csv_lines(data, [iso(i) for i in range(1000)]))
    out = tmp_path / "out.csv"
    assert main(["detect", str(source), str(out), "--learn-rows", "400"]) == 0
    rows = read(out)
    assert [r["learning"] for r in rows] == ["1"] * 400 + ["0"] * 600
    assert all(r["anomaly"] == "0" and float(r["anomaly_score"]) == 0.0 for r in rows[:400])
    # The level learned in rows 0-299 is normal: rows back at the other level are unusual only
    # as much as the learning period said; nothing is raised in the first row after it.
    assert rows[400]["onset"] == "0"


def test_a_fault_is_one_episode_not_one_alarm_per_row(tmp_path: Path) -> None:
    data = machine(1500, seed=2)
    rng = np.random.default_rng(9)
    # From row 1000 the flow no longer follows the load (a partly closed valve), and its
    # statistic dips below the limit now and then.
    data[1000:1300, 1] = 100 + 15 * rng.normal(scale=0.5, size=300)
    source = write(tmp_path / "in.csv", csv_lines(data, [iso(i) for i in range(1500)]))
    out = tmp_path / "out.csv"
    summary = detect.detect_file(source, out, learn_rows=400)
    rows = read(out)
    onsets = [i for i, r in enumerate(rows) if r["onset"] == "1"]
    assert len(onsets) == 1 and 1002 <= onsets[0] <= 1020
    on = np.array([r["anomaly"] == "1" for r in rows])
    assert on[1000:1300].mean() > 0.95  # held through the dips
    assert not on[400:1000].any()  # silent before it
    assert summary.onsets.tolist() == [onsets[0] + 2]  # line numbers: the header is line 1
    assert "in 1 episode" in summary.report()


def test_rows_rejected_inside_an_episode_keep_their_place(tmp_path: Path) -> None:
    data = machine(900, seed=3)
    lines = csv_lines(data, [iso(i) for i in range(900)])
    lines[500] = iso(499) + ",,1,2,3"  # a missing value
    source = write(tmp_path / "in.csv", lines)
    detect.detect_file(source, tmp_path / "out.csv", learn_rows=400)
    rows = read(tmp_path / "out.csv")
    assert len(rows) == 900
    assert (rows[499]["rejected"], rows[499]["anomaly_score"]) == ("missing value", "")


def test_block_scores_equal_row_by_row_scores() -> None:
    data = machine(2000, seed=4)
    data[1500:, 2] += 4
    names = [f"tag{j}" for j in range(4)]
    for name in ("process", "pca", "robust"):
        whole = make_row_scorer(name, names, learn_rows=400)
        single = make_row_scorer(name, names, learn_rows=400)
        blocks = np.concatenate(
            [whole.score_block(data[i : i + 333])[0] for i in range(0, 2000, 333)]
        )
        one = np.array([single.score(0.0, row.tolist()) for row in data])
        np.testing.assert_allclose(blocks, one, rtol=1e-9, atol=1e-12, err_msg=name)


def test_a_learning_period_shorter_than_the_detector_needs_is_extended_and_marked(
    tmp_path: Path,
) -> None:
    source = write(
        tmp_path / "in.csv", csv_lines(machine(300, seed=5), [iso(i) for i in range(300)])
    )
    summary = detect.detect_file(source, tmp_path / "out.csv", "process", learn_rows=10)
    rows = read(tmp_path / "out.csv")
    learning = [r["learning"] == "1" for r in rows]
    assert learning == [True] * 50 + [False] * 250  # the process monitor needs 50 rows at least
    assert summary.learning == 50
    assert "the first 50 scored rows were learned from" in summary.report()
