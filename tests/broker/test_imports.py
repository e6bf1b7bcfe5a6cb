"""What the broker process loads: none of the nodes' database stack.

The broker keeps no records and no SQL (DESIGN.md); a module of the node's server imported for a constant once
pulled SQLAlchemy, asyncpg and aiosqlite into every broker (~30 MB of its resident memory, measured). Checked in
a fresh interpreter, where nothing else has imported them.
"""

from __future__ import annotations

import json
import subprocess
import sys

NODE_ONLY = ("sqlalchemy", "asyncpg", "aiosqlite", "adapters.server", "adapters.tickets", "adapters.store")


def test_the_broker_app_and_its_command_line_load_no_database_stack() -> None:
    code = (
        "import json, sys\n"
        "import broker.app, broker.services, broker.cli\n"
        f"print(json.dumps([m for m in {NODE_ONLY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
