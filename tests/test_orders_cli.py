"""``shopfloor orders import|list`` on a real SQLite file: a good file is imported and listed,
a bad one imports nothing and names each bad row (exit 2), and once the station has users an
import needs a signed-in user with the order.edit permission."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.cli import main
from tests.security_support import PASSWORD

GOOD = "order,part_number,quantity,due,customer\nWO-7,EVH-220,300,2026-12-24,Hanbit Motors\n"


def run_cli(monkeypatch: pytest.MonkeyPatch, args: list[str], stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(args)


def test_import_then_list(tmp_path: Path, capsys, monkeypatch) -> None:
    db = f"sqlite:///{tmp_path / 'station.db'}"
    orders = tmp_path / "orders.csv"
    orders.write_text(GOOD, encoding="utf-8")
    assert run_cli(monkeypatch, ["orders", "import", str(orders), "--db", db]) == 0
    assert "1 added" in capsys.readouterr().out
    assert run_cli(monkeypatch, ["orders", "import", str(orders), "--db", db]) == 0
    assert "1 unchanged" in capsys.readouterr().out
    assert run_cli(monkeypatch, ["orders", "list", "--db", db, "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)["orders"]
    assert (listed["order_id"], listed["quantity"], listed["status"]) == ("WO-7", 300, "planned")
    assert listed["customer"] == "Hanbit Motors" and listed["source"] == "import"


def test_a_bad_file_imports_nothing(tmp_path: Path, capsys, monkeypatch) -> None:
    db = f"sqlite:///{tmp_path / 'station.db'}"
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "WO-8,EVH-220,lots,2026-12-24,\n", encoding="utf-8")
    assert run_cli(monkeypatch, ["orders", "import", str(bad), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "nothing imported" in err
    assert "line 3, column quantity: 'lots' is not a whole number above 0" in err
    assert run_cli(monkeypatch, ["orders", "list", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "no work orders"


def test_with_users_an_import_needs_a_permitted_user(tmp_path: Path, capsys, monkeypatch) -> None:
    db = f"sqlite:///{tmp_path / 'station.db'}"
    orders = tmp_path / "orders.csv"
    orders.write_text(GOOD, encoding="utf-8")
    add = ["users", "add", "--db", db, "--password-stdin"]
    assert run_cli(monkeypatch, [*add, "ada", "--role", "admin"], f"{PASSWORD}\n") == 0
    as_ada = ["--as", "ada"]
    stdin = f"{PASSWORD}\n{PASSWORD}\n"
    assert run_cli(monkeypatch, [*add, "olga", "--role", "operator", *as_ada], stdin) == 0
    capsys.readouterr()
    importing = ["orders", "import", str(orders), "--db", db]
    assert run_cli(monkeypatch, importing) == 2
    assert "sign in with --as USER" in capsys.readouterr().err
    as_olga = [*importing, "--as", "olga", "--password-stdin"]
    assert run_cli(monkeypatch, as_olga, f"{PASSWORD}\n") == 2
    assert "may not perform 'order.edit'" in capsys.readouterr().err
    as_admin = [*importing, "--as", "ada", "--password-stdin"]
    assert run_cli(monkeypatch, as_admin, f"{PASSWORD}\n") == 0
    assert "1 added" in capsys.readouterr().out


def test_the_demo_seeds_its_orders_once(tmp_path: Path) -> None:
    from app.commands.demo import seed_demo_orders
    from app.config_loader import load_config
    from app.orders import OrderStatus
    from app.orders.store import load_orders
    from app.storage import open_database
    from resources import DEMO_CONFIG

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    config = load_config(DEMO_CONFIG)
    seed_demo_orders(config, url)
    seed_demo_orders(config, url)  # a second start adds nothing
    orders = {o.order_id: o for o in load_orders(open_database(url))}
    assert sorted(orders) == ["WO-1001", "WO-1002", "WO-1003"]
    assert orders["WO-1001"].status is OrderStatus.RUNNING
    assert orders["WO-1001"].machine == "diecast"
