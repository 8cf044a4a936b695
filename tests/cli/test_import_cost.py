"""Starting the CLI must not pay for the heavy libraries: each command imports what it needs.

A fresh interpreter is used for each check, since this test process has long imported them.
No timing here (that lives in benchmarks/): only which modules get loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "xarray",
    "pandas",
    "sqlalchemy",
    "plotly",
    "scipy",
    "dask",
    "distributed",
    "highspy",
    "SALib",
    "fastapi",
    "networkx",
)


def loaded_after(code: str) -> list[str]:
    """The HEAVY modules a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import aftershock.cli.app",
        "import aftershock",
        "import aftershock.api",
        "from aftershock.cli.app import app; import typer.main; typer.main.get_command(app)",
    ],
)
def test_import_does_not_load_heavy_libraries(code: str) -> None:
    assert loaded_after(code) == []


def test_api_names_load_on_first_use() -> None:
    import aftershock.api as api

    assert set(api.__all__) == set(api._EXPORTS) and set(api.__all__) <= set(dir(api))
    from aftershock.api import simulate

    assert callable(simulate) and api.simulate is simulate
    # importing a submodule of the same name must not shadow the function
    import aftershock.api.simulate  # noqa: F401

    assert api.simulate is simulate
    assert callable(api.impact) and callable(api.scenarios)
    with pytest.raises(AttributeError):
        api.no_such_name  # noqa: B018


def test_help_exits_zero() -> None:
    beside = Path(sys.executable).with_name("aftershock")
    exe = str(beside) if beside.is_file() else shutil.which("aftershock")
    assert exe, "the aftershock console script is not installed"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "120"}
    run = subprocess.run(
        [exe, "--help"], capture_output=True, text=True, encoding="utf-8", env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "validate" in run.stdout
