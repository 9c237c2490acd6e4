"""``shopfloor detect`` on the bad inputs of issue 18: a clear error or every row accounted for,
never silent loss. Real files in tmp_path; the end-to-end cases run ``python -m app detect``."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.commands import detect

ROOT = Path(__file__).resolve().parents[1]
#: Runs the CLI in a child and prints its peak resident memory (KiB) on the last stderr line.
#: VmHWM is the peak of this program only; ru_maxrss would include the forking pytest's.
_MEASURED = (
    "import re, sys\n"
    "from app.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read()\n"
    "peak = re.search(r'VmHWM:\\s*(\\d+) kB', status).group(1)\n"
    "print(f'maxrss={peak}', file=sys.stderr)\n"
    "raise SystemExit(code)\n"
)


def shopfloor(*argv: str, limit_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m app ...`` in a child process (optionally with an address-space limit)."""

    def limit() -> None:
        import resource

        assert limit_bytes is not None
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "app", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        preexec_fn=limit if limit_bytes else None,
    )


def measured(*argv: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the CLI in a child; return the result and its peak memory in MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("maxrss="), done.stderr
    return done, int(last.removeprefix("maxrss=")) / 1024


def stamps(count: int, step_s: int = 60) -> list[str]:
    base = np.datetime64("2024-03-01T00:00:00")
    return [str(base + np.timedelta64(i * step_s, "s")) for i in range(count)]


def write_rows(path: Path, rows: list[str], header: str = "timestamp,value") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def out_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# -- IN = OUT -------------------------------------------------------------------------------


def test_same_file_as_input_and_output_is_refused_and_input_kept(tmp_path: Path) -> None:
    source = write_rows(tmp_path / "a.csv", [f"{t},{i % 9}" for i, t in enumerate(stamps(20_000))])
    before = source.read_bytes()
    done = shopfloor("detect", str(source), str(source))
    assert done.returncode == 2
    assert "is the input file itself" in done.stderr and "Traceback" not in done.stderr
    assert source.read_bytes() == before


@pytest.mark.parametrize("link", ["symlink", "hardlink", "dotted"])
def test_same_file_through_a_link_is_refused(tmp_path: Path, link: str) -> None:
    source = write_rows(tmp_path / "a.csv", [f"{t},1" for t in stamps(50)])
    before = source.read_bytes()
    if link == "symlink":
        other = tmp_path / "link.csv"
        other.symlink_to(source)
    elif link == "hardlink":
        other = tmp_path / "hard.csv"
        os.link(source, other)
    else:
        (tmp_path / "sub").mkdir()
        other = tmp_path / "sub" / ".." / "a.csv"
    assert main(["detect", str(source), str(other)]) == 2
    assert source.read_bytes() == before


def test_output_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_rows(tmp_path / "in.csv", [f"{t},{i % 5}" for i, t in enumerate(stamps(1500))])
    target = tmp_path / "out.csv"
    target.write_text("precious\n")
    target.chmod(0o640)

    # A run that dies half-way (Ctrl-C here) leaves OUT as it was and no temporary file behind.
    real = detect.RowScorer.score_block
    calls = {"n": 0}

    def interrupted(self: detect.RowScorer, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls["n"] += 1
        if calls["n"] == 2:  # the first block is written to the temporary file already
            raise KeyboardInterrupt
        return real(self, rows)

    monkeypatch.setattr(detect.RowScorer, "score_block", interrupted)
    with pytest.raises(KeyboardInterrupt):
        detect.detect_file(source, target, "robust")
    assert target.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]

    monkeypatch.setattr(detect.RowScorer, "score_block", real)
    summary = detect.detect_file(source, target, "robust")
    assert summary.scored == 1500 and len(out_rows(target)) == 1500
    assert target.stat().st_mode & 0o777 == 0o640  # the file's permissions are kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


# -- Rows lost to decoding and quoting ------------------------------------------------------


def test_one_bad_byte_costs_its_line_only(tmp_path: Path) -> None:
    rows = [f"{t},{i % 11}.5" for i, t in enumerate(stamps(19_546))]
    data = ("timestamp,value\n" + "\n".join(rows) + "\n").encode()
    at = data.index(b"\n", 20_000) + 1  # the start of a line well past the first 8 KB
    line_number = data[:at].count(b"\n") + 1
    source = tmp_path / "in.csv"
    source.write_bytes(data[:at] + b"\xff" + data[at:])
    done = shopfloor("detect", str(source), str(tmp_path / "out.csv"), "--detector", "robust")
    assert done.returncode == 0, done.stderr
    assert "19545 of 19546 rows scored" in done.stderr
    assert f"line {line_number}: not UTF-8 text (byte 0xff at character 1)" in done.stderr
    written = out_rows(tmp_path / "out.csv")
    assert len(written) == 19_546  # the bad line too, in its place, unscored
    bad = written[line_number - 2]
    assert (bad["timestamp"], bad["anomaly_score"], bad["rejected"]) == ("", "", "not UTF-8")
    assert [r["timestamp"] for r in written if r["rejected"]] == [""]


def test_unterminated_quote_costs_its_line_only(tmp_path: Path) -> None:
    t = stamps(6)
    source = write_rows(
        tmp_path / "in.csv",
        [f"{t[0]},1", f"{t[1]},2", f'{t[2]},"3', f"{t[3]},4", f"{t[4]},5", f"{t[5]},6"],
    )
    assert main(["detect", str(source), str(tmp_path / "out.csv"), "--detector", "robust"]) == 0
    summary = detect.detect_file(source, tmp_path / "out.csv", "robust")
    assert (summary.rows, summary.scored) == (6, 5)
    assert summary.rejected_lines() == [4]
    assert "line 4: not valid CSV: a quote is opened and never closed" in summary.report()
    written = out_rows(tmp_path / "out.csv")
    assert [r["value"] for r in written] == ["1", "2", "", "4", "5", "6"]
    assert [r["rejected"] for r in written] == ["", "", "unreadable CSV", "", "", ""]


def test_header_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"\n\ntime\xe9stamp,value\n1,2\n")
    with pytest.raises(detect.DetectError, match=r"line 3: not UTF-8 text \(byte 0xe9"):
        detect.detect_file(source, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_overlong_line_is_rejected_without_reading_it_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.commands import csv_lines

    monkeypatch.setattr(csv_lines, "MAX_LINE_CHARS", 100)
    t = stamps(4)
    source = write_rows(tmp_path / "in.csv", [f"{t[0]},1", f"{t[1]}," + "9" * 500, f"{t[2]},3"])
    summary = detect.detect_file(source, tmp_path / "out.csv", "robust")
    assert (summary.rows, summary.scored, summary.rejected_lines()) == (3, 2, [3])
    assert summary.skipped["too long"] == 1


# -- Timestamps that go backwards ----------------------------------------------------------


def test_repeated_daylight_saving_hour_keeps_every_row(tmp_path: Path) -> None:
    hour = [f"2024-10-27 02:{m:02d}:00" for m in range(0, 60, 5)]  # 12 rows, twice
    rows = [f"2024-10-27 01:{m:02d}:00,{m}" for m in range(0, 60, 5)]
    rows += [f"{t},{i}" for i, t in enumerate(hour)] + [f"{t},{i}" for i, t in enumerate(hour)]
    source = write_rows(tmp_path / "in.csv", rows)
    summary = detect.detect_file(source, tmp_path / "out.csv", "robust")
    assert (summary.rows, summary.scored, summary.rejected_lines()) == (36, 36, [])
    written = out_rows(tmp_path / "out.csv")
    assert [r["timestamp"] for r in written] == [r.split(",")[0] for r in rows]
    assert [i for i, r in enumerate(written) if r["out_of_order"] == "1"] == [24]
    assert "1 row earlier than the row above" in summary.report()


def test_one_wild_timestamp_does_not_poison_the_rows_after_it(tmp_path: Path) -> None:
    t = stamps(288, step_s=300)
    t[5] = "2042-03-01T00:25:00"  # a typo in the year
    source = write_rows(tmp_path / "in.csv", [f"{s},{i % 3}" for i, s in enumerate(t)])
    done = shopfloor("detect", str(source), str(tmp_path / "out.csv"), "--detector", "robust")
    assert done.returncode == 0
    assert "288 of 288 rows scored" in done.stderr
    written = out_rows(tmp_path / "out.csv")
    assert len(written) == 288
    assert [i for i, r in enumerate(written) if r["out_of_order"] == "1"] == [6]


# -- Wide files: bounded memory or a clear refusal -------------------------------------------


def wide(path: Path, columns: int, rows: int) -> Path:
    rng = np.random.default_rng(0)
    header = "timestamp," + ",".join(f"c{i}" for i in range(columns))
    lines = [header]
    for i, stamp in enumerate(stamps(rows)):
        lines.append(stamp + "," + ",".join(f"{v:.3f}" for v in rng.normal(size=columns) + i))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_too_many_columns_for_pca_is_a_sentence_not_a_memory_blowup(tmp_path: Path) -> None:
    source = wide(tmp_path / "in.csv", 10_000, 20)
    done, peak_mb = measured("detect", str(source), str(tmp_path / "out.csv"))
    assert done.returncode == 2
    assert "takes at most 256 numeric columns" in done.stderr
    assert "--detector robust" in done.stderr and "Traceback" not in done.stderr
    assert peak_mb < 300, f"{peak_mb:.0f} MB"
    assert not (tmp_path / "out.csv").exists()

    target = str(tmp_path / "out.csv")
    done, peak_mb = measured("detect", str(source), target, "--detector", "robust")
    assert done.returncode == 0, done.stderr
    assert "20 of 20 rows scored with 'robust'" in done.stderr
    assert peak_mb < 300, f"{peak_mb:.0f} MB"
    assert len(out_rows(tmp_path / "out.csv")) == 20


def test_forty_thousand_columns_under_a_memory_cap_give_a_clear_error(tmp_path: Path) -> None:
    source = wide(tmp_path / "in.csv", 40_000, 3)
    for extra in ([], ["--detector", "pca"], ["--detector", "robust"], ["--detector", "sequence"]):
        done = shopfloor(
            "detect", str(source), str(tmp_path / "out.csv"), *extra, limit_bytes=2 << 30
        )
        assert done.returncode == 2, (extra, done.stderr)
        assert "40,000 numeric columns" in done.stderr
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


# -- Any file: a clear error or every line accounted for -------------------------------------

_ROW = st.builds(
    lambda t, v: f"{t},{v}".encode(),
    st.one_of(
        st.integers(0, 2_000_000_000),
        st.sampled_from(["2024-01-01T00:00:00", "2024-01-01 00:00:01Z", "soon", ""]),
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.text(
            alphabet=st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",)),
            max_size=25,
        ),
    ),
    st.one_of(st.floats(allow_nan=True), st.sampled_from(["", "x", "1e999", '"2"', "3,4"])),
)
_GOOD = st.builds(
    lambda t, v: f"{t},{v!r}".encode(),
    st.integers(0, 2_000_000_000),
    st.floats(-1e9, 1e9, allow_nan=False),
)
_JUNK = st.one_of(
    st.text(max_size=30).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=30),
    st.sampled_from([b'"', b'1,"2', b"\xef\xbb\xbf", b"\x00,1", b" ", b"\r", b",", b'"a""b",1']),
)
_HEADER = st.sampled_from(
    [b"timestamp,value", b"\xef\xbb\xbfTimestamp,value", b"timestamp,a,b", b"value,timestamp", b""]
)


def _lines(data: bytes) -> list[bytes]:
    """Physical lines as a text reader with universal newlines sees them."""
    parts = re.split(rb"\r\n|\r|\n", data)
    return parts[:-1] if parts and parts[-1] == b"" else parts


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=_HEADER,
    body=st.lists(st.one_of(_GOOD, _GOOD, _ROW, _JUNK), max_size=40),
    ending=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    final=st.booleans(),
)
def test_any_file_gives_a_clear_error_or_accounts_for_every_line(
    tmp_path_factory: pytest.TempPathFactory,
    header: bytes,
    body: list[bytes],
    ending: bytes,
    final: bool,
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    data = ending.join([header, *body]) + (ending if final else b"")
    source, target, rejects = folder / "in.csv", folder / "out.csv", folder / "rejects.csv"
    source.write_bytes(data)
    try:
        summary = detect.detect_file(source, target, "robust", rejects=rejects)
    except detect.DetectError as exc:
        event(f"error: {str(exc).split(': ', 1)[-1][:30]}")
        assert "\n" not in str(exc) and str(exc)
        assert not target.exists() and not rejects.exists()  # nothing half-written
        return
    lines = _lines(data)
    texts = [line.decode("utf-8", "replace") for line in lines]
    texts[0] = texts[0].removeprefix("\ufeff")
    first = next(i for i, t in enumerate(texts) if t.strip())  # the header
    width = len(next(csv.reader([texts[first]])))
    after = range(first + 1, len(lines))
    blank = [i + 1 for i in after if not texts[i].strip()]
    rows = [i + 1 for i in after if texts[i].strip()]
    rejected = summary.rejected_lines()
    assert summary.blank == len(blank)
    assert summary.rows == len(rows)
    assert set(rejected) <= set(rows) and len(set(rejected)) == len(rejected)
    scored = [n for n in rows if n not in set(rejected)]
    assert summary.scored == len(scored)
    with target.open(newline="", encoding="utf-8") as f:
        out = list(csv.reader(f))[1:]
    assert len(out) == len(rows)  # every row, in order: scored or marked rejected
    for line_number, cells in zip(rows, out, strict=True):
        assert len(cells) == width + len(detect.ADDED_COLUMNS)
        if line_number in rejected:
            assert cells[width] == "" and cells[-1]
        else:
            assert cells[:width] == next(csv.reader([texts[line_number - 1]]))
            assert 0.0 <= float(cells[width]) <= 1.0 and cells[-1] == ""
    with rejects.open(newline="", encoding="utf-8") as f:
        listed = [int(r["line"]) for r in csv.DictReader(f)]
    assert listed == rejected  # every rejected line, in file order
    assert sorted(p.name for p in folder.iterdir()) == ["in.csv", "out.csv", "rejects.csv"]
    event(f"scored {min(summary.scored, 3)}+, rejected {min(len(rejected), 3)}+")


@settings(max_examples=400, deadline=None)
@given(
    data=st.lists(
        st.one_of(st.binary(max_size=12), st.sampled_from([b"\r\n", b"\r", b"\n", b'"', b"\xff"])),
        max_size=20,
    ).map(b"".join),
    limit=st.integers(1, 9),
    chunk=st.integers(1, 5),
)
def test_reader_yields_every_physical_line_once_whatever_their_length(
    data: bytes, limit: int, chunk: int
) -> None:
    """Line numbers match a plain universal-newline split, however lines straddle the read
    limits (a \\r\\n cut in two must not make an extra line)."""
    import io

    from app.commands import csv_lines

    original = csv_lines.MAX_LINE_CHARS, csv_lines._CHUNK
    csv_lines.MAX_LINE_CHARS, csv_lines._CHUNK = limit, chunk
    try:
        text = io.TextIOWrapper(
            io.BytesIO(data), encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        got = list(csv_lines.read_lines(text))
    finally:
        csv_lines.MAX_LINE_CHARS, csv_lines._CHUNK = original
    expected = _lines(data)
    assert [line.number for line in got] == list(range(1, len(expected) + 1))
    for line, raw in zip(got, expected, strict=True):
        decoded = raw.decode("utf-8", "surrogateescape")
        if line.number == 1:
            decoded = decoded.removeprefix("\ufeff")
        if line.reason == "too long":
            assert len(decoded) > limit
        elif line.cells is not None and not line.blank:
            assert len(decoded) <= limit
            assert line.cells == next(csv.reader([decoded]))
