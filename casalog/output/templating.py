"""Render the jinja2 templates that hold every line of CASA code we write.

The environment renders only :class:`~casalog.output.quoting.Source` values
and numbers: a value from a log, a file name or an option must pass through
the ``py`` (a literal), ``comment`` or ``comment_lines`` filter, which call
:mod:`casalog.output.quoting`.  Anything else stops the rendering.
"""
from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

from casalog.output.quoting import Source, comment, comment_lines, literal

# An editable install does not map the top-level templates/ into the package.
_SOURCE_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "templates")


class UnquotedText(jinja2.TemplateError):
    """A template tried to write a value that did not go through the quoting filters."""


def template_folder() -> str:
    """The templates shipped in the wheel, else those of the source tree."""
    installed = resources.files("casalog") / "templates"
    if installed.is_dir():
        return str(installed)
    return os.path.normpath(_SOURCE_TEMPLATES)


def _only_quoted(value: Any) -> Any:
    if isinstance(value, Source):
        return value
    if isinstance(value, (bool, int, float)):
        return literal(value)
    raise UnquotedText(f"{type(value).__name__} {str(value)[:40]!r} reached a template unquoted; use | py or | comment")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_folder()),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_only_quoted,
    )
    environment.filters["py"] = literal
    environment.filters["comment"] = comment
    environment.filters["comment_lines"] = comment_lines
    return environment


def render(name: str, **context: Any) -> str:
    """Render template ``name`` of the templates folder with ``context``."""
    return _environment().get_template(name).render(**context)
