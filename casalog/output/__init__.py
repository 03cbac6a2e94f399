"""What we write: quoted script text, templates, provenance, files, terminal tables."""
from __future__ import annotations
