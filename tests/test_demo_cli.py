"""``shopfloor demo``: bad arguments are exit 2 with one clear line, never a traceback."""

from __future__ import annotations

import pytest

from app.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--scenario", "bogus"], "unknown scenario 'bogus'"),
        (["--scenario", "/no/such/scenario.toml"], "scenario file not found"),
        (["--speed", "0"], "argument --speed: must be above zero"),
        (["--speed", "-2"], "argument --speed: must be above zero"),
        (["--speed", "fast"], "argument --speed: not a number"),
    ],
)
def test_bad_demo_arguments_exit_2_without_a_traceback(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["demo", *argv])
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_demo_help_lists_the_scenarios_and_the_speed_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in ("default", "none", "bearing_wear", "silent", "maintenance"):
        assert name in text
    assert "(default: 1.0)" in text


def test_run_help_agrees_with_its_description(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    overview = " ".join(capsys.readouterr().out.split())
    assert "run a station with its window, or headless with --headless" in overview
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    description = " ".join(capsys.readouterr().out.split())
    assert "show it in the window" in description and "--headless" in description
