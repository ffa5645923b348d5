"""Settings read from the environment, with the embedded defaults (SQLite under instance/)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"
PROCESSES_DIR = ROOT / "processes"
FORMS_DIR = ROOT / "forms"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'jiefen.sqlite3'}"


def environment() -> str:
    return os.environ.get("JIEFEN_ENV", "development")


def time_travel_allowed() -> bool:
    return os.environ.get("JIEFEN_ALLOW_TIME_TRAVEL") == "1"
