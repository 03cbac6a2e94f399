"""Render the jinja2 templates that hold every line of CASA code we write."""
from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

# An editable install does not map the top-level templates/ into the package.
_SOURCE_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "templates")


def template_folder() -> str:
    """The templates shipped in the wheel, else those of the source tree."""
    installed = resources.files("casalog") / "templates"
    if installed.is_dir():
        return str(installed)
    return _SOURCE_TEMPLATES


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_folder()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    environment.filters["pyrepr"] = repr
    return environment


def render(name: str, **context: Any) -> str:
    """Render template ``name`` of the templates folder with ``context``."""
    return _environment().get_template(name).render(**context)
