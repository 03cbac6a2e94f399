"""Golden files: compare generated text with a reviewed copy.

``REGEN_GOLDEN=1 python3 -m pytest …`` rewrites the copies; review the diff before committing.
"""
from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, text: str) -> None:
    """Fail unless ``text`` equals ``tests/golden/<name>``."""
    path = GOLDEN / name
    if os.environ.get("REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; rerun with REGEN_GOLDEN=1 and review the diff"
