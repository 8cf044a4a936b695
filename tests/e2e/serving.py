"""What every browser test starts: the real server on 127.0.0.1 and Debian's Chromium."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``aftershock serve`` with its run store in ``folder``; yields its base URL once healthy."""
    port = free_port()
    exe = shutil.which("aftershock") or str(Path(sys.executable).parent / "aftershock")
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--db", str(folder / "runs.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("server did not start: " + proc.stdout.read().decode() if proc.stdout else "")
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, launched by Playwright."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
