"""Korean for the English sentences raised as LabError across lab/ (filled in below)."""
from __future__ import annotations


def to_korean(text: str) -> str | None:
    return None
