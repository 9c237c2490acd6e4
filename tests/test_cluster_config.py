"""The [cluster] table: a lead's receiver database and receiving orders, every mistake reported
with its key path by check-config."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config_loader import load_config
from tests.test_sync_config import check, write


def test_a_lead_and_its_defaults(tmp_path: Path) -> None:
    db = tmp_path / "cluster.db"
    config = load_config(write(tmp_path, f'\n[cluster]\nlead_db = "sqlite:///{db}"\n'))
    cluster = config.cluster
    assert cluster.lead_db == f"sqlite:///{db}"
    assert (cluster.stale_after_s, cluster.refresh_s, cluster.receive_orders) == (180, 1, False)
    plain = load_config(write(tmp_path, ""))
    assert plain.cluster.lead_db is None and not plain.cluster.receive_orders
    done = check(write(tmp_path, f'\n[cluster]\nlead_db = "{db}"\nreceive_orders = false\n'))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('lead_db = "post gres://x"', "cluster.lead_db: 'post gres://x' is not a database URL"),
        ('lead_db = "nosuchdb://h/x"', "cluster.lead_db: 'nosuchdb://h/x': unknown database kind"),
        (
            'lead_db = "postgresql://u:secret@h/x"',
            "cluster.lead_db: the password must not be written",
        ),
        ("stale_after_s = 0", "cluster.stale_after_s"),
        ("refresh_s = 0.01", "cluster.refresh_s"),
        ("receive_orders = true", "cluster.receive_orders: orders come through the broker"),
        ("lead = 1", "cluster.lead"),
    ],
)
def test_check_config_names_the_key(tmp_path: Path, table: str, expected: str) -> None:
    done = check(write(tmp_path, f"\n[cluster]\n{table}\n"))
    assert done.returncode == 2
    assert expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
