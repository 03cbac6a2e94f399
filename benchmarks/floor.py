"""The floor reference: the least work that reads every command of a log.

Joins each command's wrapped lines with a space, then runs ``ast.parse`` and
``ast.literal_eval`` on every keyword value.  No error reporting, no oracle.
"""
from __future__ import annotations

import ast
import sys


def main(path: str) -> int:
    commands = 0
    parts: list[str] = []
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            if line.startswith(" ") and parts:
                parts.append(line.strip())
                continue
            if parts:
                commands += _evaluate(" ".join(parts))
                parts = []
            if line[:1].isalpha() and "(" in line and not line.startswith("raise "):
                parts.append(line.strip())
    if parts:
        commands += _evaluate(" ".join(parts))
    print(commands)
    return 0


def _evaluate(text: str) -> int:
    call = ast.parse(text, mode="eval").body
    for keyword in call.keywords:  # type: ignore[attr-defined]
        ast.literal_eval(keyword.value)
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
