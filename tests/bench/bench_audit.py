"""Audit trail and sign-in costs: appending entries through the gateway, verifying the chain,
and one argon2 password check with the production parameters.

Run: ``.venv/bin/python tests/bench/bench_audit.py [ENTRIES]`` (default 100,000). A real SQLite
file in a temporary directory; appends are submitted in bursts of 1,000 and committed by the
gateway's writer thread (each burst chained inside one transaction).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.audit import AuditTrail, verify
from app.security import Actor
from app.storage import DatabaseGateway, open_database
from app.users import Passwords


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        gateway = DatabaseGateway(open_database(Path(tmp) / "station.db"))
        gateway.start()
        trail = AuditTrail(gateway, "S1")
        actor = Actor.named("olga")
        started = time.perf_counter()
        for n in range(count):
            trail.record(actor, "alarm.acknowledge", f"oven.t{n % 50}.h", {"comment": "ok"})
            if n % 1000 == 999:
                gateway.flush()
        gateway.flush()
        appended = time.perf_counter() - started
        started = time.perf_counter()
        result = verify(gateway.db)
        checked = time.perf_counter() - started
        assert result.ok and result.entries == count, result
        size = (Path(tmp) / "station.db").stat().st_size
        gateway.close()
    passwords = Passwords()
    stored = passwords.hash("correct horse battery")
    started = time.perf_counter()
    for _ in range(5):
        passwords.verify(stored, "correct horse battery")
    sign_in = (time.perf_counter() - started) / 5
    print(f"append: {count} entries in {appended:.2f} s ({count / appended:,.0f}/s)")
    print(f"verify: {count} entries in {checked:.2f} s ({count / checked:,.0f}/s)")
    print(f"size:   {size / count:.0f} bytes per entry (with indexes)")
    print(f"argon2: {sign_in * 1000:.0f} ms per password check (argon2-cffi defaults)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
