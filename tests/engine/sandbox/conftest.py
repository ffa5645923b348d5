"""Sandbox environments for the tests of each sandbox module."""
from __future__ import annotations

import threading

import pytest

from app.engine.sandbox import SandboxEnvironment


@pytest.fixture
def env():
    return SandboxEnvironment()


@pytest.fixture
def quick_env():
    """Short deadline so the many time-out cases stay fast."""
    return SandboxEnvironment(time_limit=0.5)


@pytest.fixture
def run_in_thread():
    """Run `target` in a daemon thread; the test fails if it is still running after 10 s."""
    def run(target) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(10)
        assert not thread.is_alive(), "sandboxed code kept running"
    return run
