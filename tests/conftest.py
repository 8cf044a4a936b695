"""Shared fixtures: small reference networks are built by code in the package."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _private_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes the real run store in the user's data folder.

    The default run store lives in ``$XDG_DATA_HOME/aftershock`` (platformdirs); every test
    and every command a test starts sees a fresh temporary data folder instead, and none of
    the developer's ``AFTERSHOCK_DB*`` settings.
    """
    saved = {k: os.environ.get(k) for k in ("XDG_DATA_HOME", "AFTERSHOCK_DB", "AFTERSHOCK_DB_LOCK_TIMEOUT")}
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    os.environ.pop("AFTERSHOCK_DB", None)
    os.environ.pop("AFTERSHOCK_DB_LOCK_TIMEOUT", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
