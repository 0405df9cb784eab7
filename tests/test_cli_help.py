"""``antifraud --help`` loads argparse and the commands' registration, none of the heavy libraries.

Each command's handler imports what it needs when it runs (``dashboard/cli/__init__.py``);
a top-level import of pandas, SQLAlchemy, Flask, ... in a command module would make every
``--help`` and every typo wait for it.  Checked in a fresh interpreter, by its modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "numpy", "sqlalchemy", "flask", "dash", "plotly", "geopandas", "shapely",
         "pydantic", "cryptography", "alembic")

PROBE = """
import json, sys
from dashboard.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def modules_after(*argv: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.splitlines()[-1])
    return answer["code"], {name.split(".")[0] for name in answer["modules"]}


@pytest.mark.parametrize("argv", [("--help",), ("create-user", "--help"), ("import", "--help"),
                                  ("simulate", "--help"), ("no-such-command",)])
def test_help_and_a_mistyped_command_import_no_heavy_library(argv):
    code, loaded = modules_after(*argv)
    assert code in (0, 2)  # help printed, or argparse's usage error
    assert sorted(loaded & set(HEAVY)) == []



def test_the_light_constants_of_the_options_are_those_of_the_code():
    """``antifraud import --kind`` offers exactly the kinds that have a schema, in order."""
    from dashboard.ingest import KINDS
    from dashboard.ingest.schemas import SCHEMAS

    assert KINDS == tuple(SCHEMAS)
