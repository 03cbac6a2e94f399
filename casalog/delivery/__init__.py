"""An ALMA delivery on disk: where its log and cont.dat are, flag templates, preparing it."""
from __future__ import annotations

from casalog.delivery.layout import find_log

__all__ = ["find_log"]
