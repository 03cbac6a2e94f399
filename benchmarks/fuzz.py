"""Fuzz regen-tclean through its command line: hostile logs, file names and options.

A case is a small log of tclean products whose logged values (image names,
field names, spw strings, vis names, any other keyword) may hold arbitrary
text (control characters, lone surrogates, quotes, any script), non-finite
numbers, nested containers, sometimes a broken line; a log file name of the
same kind; and a command: ``--list``, ``--json``, ``-o SCRIPT`` with random
options (a cont.dat of arbitrary text among them), or a recipe.  Every case
runs ``main([...])`` in-process and must end as the tool promises:

- exit 0, 1 or 2 and no other exception; on 1 or 2 one line on stderr and no
  file written;
- nothing printed holds a control character (terminal escapes are escaped);
- a written script compiles, holds only printable characters, and each of
  its product dicts gives back the logged values of the keywords it keeps,
  of the same types (the round trip); a recipe compiles; ``--json`` parses.

``tests/test_fuzz.py`` runs a few hundred cases; for developers::

    python3 benchmarks/fuzz.py --cases 100000 [--seed N]

runs 10^5 (about an hour on two cores) and prints the first failure, shrunk,
with the command that reproduces it.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import math
import posixpath
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from casalog.commands.main import main
from casalog.log.products import Product, images
from casalog.log.reader import read_log

# Text a hostile log or user would try: terminal escapes, bidi and zero-width marks, lone surrogates,
# quotes and backslashes, line ends, the characters of selections and wrapping.
HOSTILE = [
    "", " ", "\x1b[2J", "\x1b]0;title\x07", "\x07", "\x00", "\udcff", "\ud800", "\u202e", "\u200b", "\ufeff",
    "'", '"', "\\", "\\n", "\n", "\r", "\t", "\x0b", "\x85", "\u2028", "é", "中文", "🙂", "-", "auto-", "--",
    ",", "~", ":", ";", "#", "(", ")", "[", "]", "{", "}", ".", "..", "/", "*", "?", "{x}", "$HOME", "`ls`",
    "'''", "x" * 90, "a-b-c-d-e-f-g-h" * 8,
]
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates and control characters included
TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=8),
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3).map("".join),
    st.text("abcXYZ09_- .", max_size=12),
)
SCALARS = st.one_of(
    TEXT, st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.tuples(inner, inner),
        st.dictionaries(st.one_of(st.integers(-5, 5), TEXT), inner, max_size=2),
    ),
    max_leaves=6,
)
# The keywords every rewrite sets, whatever the options (see reimage/plan.py).
REWRITTEN = {"vis", "imagename", "interactive", "calcres", "calcpsf", "restart", "threshold", "restoration", "pbcor",
             "savemodel", "parallel", "usemask", "mask", "pbmask"}
# The keywords an option may set.
OPTION_KEYS = {
    "--datacolumn": {"datacolumn"}, "--robust": {"robust", "weighting"}, "--niter": {"niter"},
    "--nsigma": {"nsigma"}, "--cell": {"cell"}, "--deconvolver": {"deconvolver"}, "--uvtaper": {"uvtaper"},
    "--imsize": {"imsize"}, "--scales": {"scales"}, "--width": {"width", "nchan"}, "--nbins": {"width", "nchan"},
    "--contdat": {"spw"},
}


def _option(valid: list[str]) -> st.SearchStrategy[str]:
    """A value that the option takes, twice as often as anything at all."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), TEXT)


OPTIONS = {
    "--field": _option(["F", "HD 163296"]), "--spw": _option(["5", "5,7", "05"]), "--intent": _option(["TARGET"]),
    "--specmode": st.sampled_from(["mfs", "cube", "cont", "x"]), "--product": _option(["*", "*.mfs.I"]),
    "--niter": _option(["0", "100", "-1"]), "--robust": _option(["0.5", "-2", "nan", "3"]),
    "--cell": _option(["0.1arcsec", "1e999arcsec", "2"]), "--imsize": _option(["256", "256,128", "0"]),
    "--threshold": _option(["0.1mJy", "1Jy", "inf Jy"]), "--nsigma": _option(["3", "inf"]),
    "--uvtaper": _option(["0.5arcsec", "1arcsec,2arcsec"]), "--width": _option(["2", "1.5MHz", "2km/s", "1e999MHz"]),
    "--nbins": _option(["2", "0"]), "--deconvolver": st.sampled_from(["hogbom", "multiscale", "x"]),
    "--scales": st.sampled_from(["0,5", "x"]), "--datacolumn": st.sampled_from(["data", "corrected"]),
    "--casa-version": _option(["5.6", "6.5", "4.7"]), "--refant": _option(["DA41,DV23"]),
    "--solints": _option(["inf,30s", "int"]), "--mask": _option(["circle[[40pix,40pix],10pix]", "m.crtf"]),
}
FLAGS = ["--no-interactive", "--selfcal", "--ap", "--parallel"]
RECIPES = [["restore-contsub"], ["aggregate-cont"], ["revise-contdat", "--spw"], ["subset-cube", "--spw"]]


@dataclass
class Case:
    """One run: the log's text, its file name, the command line after the log, and an optional cont.dat."""

    log_text: str
    log_name: str
    command: list[str]
    contdat: str | None = None
    recipe: list[str] = field(default_factory=list)

    def argv(self, folder: Path) -> list[str]:
        """The command line, with the file names in ``folder``."""
        command = [str(folder / part) if before in ("-o", "--contdat") else part
                   for before, part in zip(["", *self.command], self.command)]
        log = str(folder / self.log_name)
        if self.recipe:
            return ["recipe", self.recipe[0], log, *self.recipe[1:], *command]
        return [log, *command]


@st.composite
def image_name(draw: st.DrawFn) -> str:
    """A product's image name, its parts hostile; with a dot in a part it is no product name any more."""
    part = draw(TEXT).replace(".", "_") if draw(st.booleans()) else draw(TEXT)
    prefix = draw(st.sampled_from(["uid___A001_X1_X2", draw(TEXT) or "p"]))
    spw = draw(st.sampled_from(["5", "5_7", "7", draw(TEXT) or "5"]))
    specmode = draw(st.sampled_from(["mfs", "cont", "cube", "repBW"]))
    return f"{prefix}.s9_0.{part or 'F'}_sci.spw{spw}.{specmode}.I"


@st.composite
def tclean_call(draw: st.DrawFn, stem: str, iteration: int) -> str:
    kwargs: dict[str, Any] = {
        "vis": draw(st.one_of(st.lists(TEXT, max_size=3), TEXT, VALUES)),
        "field": draw(st.one_of(TEXT, VALUES)),
        "spw": draw(st.one_of(st.lists(TEXT, max_size=2), TEXT)),
        "imagename": f"{stem}.iter{iteration}",
        "specmode": draw(st.sampled_from(["mfs", "cube", "cubedata", draw(TEXT)])),
        "nchan": draw(st.one_of(st.integers(-2, 4000), VALUES)),
        "width": draw(st.one_of(st.sampled_from(["0.9765625MHz", 2, "", "1km/s"]), VALUES)),
        "niter": draw(st.one_of(st.integers(0, 10**6), VALUES)),
        "threshold": draw(st.one_of(st.sampled_from(["0.1mJy", "0.0mJy"]), VALUES)),
        "usemask": draw(st.sampled_from(["auto-multithresh", "user", "pb", draw(TEXT)])),
    }
    for name in draw(st.lists(st.sampled_from(["robust", "cell", "imsize", "phasecenter", "mask", "scales",
                                               "restoringbeam", "x", "uvtaper", "nsigma"]), max_size=4)):
        kwargs[name] = draw(VALUES)
    # Logged as the pipeline logs values: repr(), which writes inf and nan as bare names.
    return "tclean(" + ", ".join(f"{key}={value!r}" for key, value in kwargs.items()) + ")"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A log, its file name and a command (see the module's docstring)."""
    lines = ["raise Error('The casa commands log is not executable!')", ""]
    if draw(st.booleans()):
        comment = draw(TEXT).replace("\n", " ")  # a line end in a comment makes another line: tried below
        lines += [f"# hif_makeimages(pipelinemode={draw(TEXT)!r})", "#", f"# {comment}", "#"]
    for _ in range(draw(st.integers(1, 3))):
        stem = draw(image_name())
        for iteration in draw(st.sampled_from([(0, 1), (1,), (0, 1, 2)])):
            call = draw(tclean_call(stem, iteration))
            lines += textwrap.wrap(call, width=80, subsequent_indent=" " * 7, break_long_words=False)
    if draw(st.integers(0, 9)) == 7:  # a line no pipeline writes, in a tenth of the logs
        where = draw(st.integers(0, len(lines)))
        lines.insert(where, draw(st.sampled_from(["  x", "x = 1", "tclean(vis='a'", "flagdata(", draw(TEXT)])))
    log_name = draw(st.sampled_from(["uid___A001_X1_X2.casa_commands.log", f"x{draw(TEXT)}.log"])).replace("/", "_")
    mode = draw(st.sampled_from(["--list", "--json", "-o", "-o", "recipe"]))
    command: list[str] = []
    recipe: list[str] = []
    contdat = None
    if mode == "recipe":
        recipe = list(draw(st.sampled_from(RECIPES)))
        if recipe[-1] == "--spw":
            recipe.append(draw(st.sampled_from(["5", "7", "5,7", draw(TEXT) or "x"])))
        if recipe[0] == "subset-cube":
            recipe += ["--nbins", draw(st.sampled_from(["5:2", "7:1", draw(TEXT) or "x"]))]
        if draw(st.booleans()):
            recipe += ["--title", draw(TEXT)]
    else:
        command.append(mode)
        if mode == "-o":
            command.append(f"out{draw(TEXT)}.py".replace("/", "_"))
        for option in draw(st.lists(st.sampled_from(sorted(OPTIONS)), max_size=3, unique=True)):
            command += [option, draw(OPTIONS[option])]
        command += draw(st.lists(st.sampled_from(FLAGS), max_size=2, unique=True))
        if draw(st.integers(0, 4)) == 3:
            command += ["--contdat", "cont.dat"]
            contdat = draw(st.one_of(TEXT, st.builds(
                lambda name, spw: f"Field: {name}\n\nSpectralWindow: {spw}\n345.1~345.2GHz LSRK\n", TEXT,
                st.sampled_from(["5", "7"]),
            )))
    return Case("\n".join(lines) + "\n", log_name, command, contdat, recipe)


def check(case: Case, folder: Path) -> None:
    """Run one case in ``folder`` and assert every promise of the module's docstring."""
    try:
        (folder / case.log_name).write_bytes(case.log_text.encode("utf-8", "surrogatepass"))
    except (UnicodeEncodeError, ValueError):
        pass  # a name no file system takes (a lone surrogate, a NUL): the command must say there is no such file
    if case.contdat is not None:
        (folder / "cont.dat").write_bytes(case.contdat.encode("utf-8", "surrogatepass"))
    argv = case.argv(folder)
    output = _output(argv)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    printed = out.getvalue() + err.getvalue()
    assert code in (0, 1, 2), code
    assert all(char == "\n" or char.isprintable() for char in printed), repr(printed)
    if code:
        assert err.getvalue().count("\n") == 1 and err.getvalue().endswith("\n"), err.getvalue()
        assert output is None or not output.exists()
        return
    if "--json" in argv:
        assert isinstance(json.loads(out.getvalue()), list)
    elif case.recipe:
        compile(out.getvalue(), "recipe.py", "exec")
    elif output is not None:
        _check_script(output.read_text(encoding="utf-8"), folder / case.log_name, argv)


def _output(argv: list[str]) -> Path | None:
    return Path(argv[argv.index("-o") + 1]) if "-o" in argv else None


def _check_script(script: str, log: Path, argv: list[str]) -> None:
    compile(script, "reimage.py", "exec")
    assert all(char == "\n" or char.isprintable() for char in script), "a non-printable character in the script"
    logged = {posixpath.basename(item.stem): item for item in images(read_log(log)) if isinstance(item, Product)}
    changed = REWRITTEN | {key for option, keys in OPTION_KEYS.items() if option in argv for key in keys}
    for node in ast.walk(ast.parse(script)):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and getattr(node.targets[0], "id", "").startswith("product_")):
            continue
        written = {keyword.arg: keyword.value for keyword in node.value.keywords}
        stem = ast.literal_eval(written["imagename"]).removesuffix(".manual")
        product = logged[stem]
        # A product without iter1 is cleaned to the default depth, not the dirty image's niter=0.
        rewritten = changed | ({"niter"} if product.iteration != 1 else set())
        assert ast.literal_eval(written["vis"]) == [posixpath.basename(vis) for vis in product.vis]
        for key, value in written.items():
            if key in rewritten or not _is_literal(value):
                continue
            assert same(ast.literal_eval(value), product.call.kwargs[key]), key


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types all the way down (``True`` is not ``1``; ``nan`` is ``nan``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    return bool(a == b)


def run(count: int, seed: int | None) -> int:
    """Run ``count`` cases; return 0 when all keep the promises, 1 after printing the first that does not."""

    @settings(max_examples=count, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(cases())
    def one(case: Case) -> None:
        with tempfile.TemporaryDirectory(prefix="regen-tclean-fuzz-") as folder:
            check(case, Path(folder))

    if seed is not None:
        one = hypothesis_seed(seed)(one)
    try:
        one()
    except Exception as failure:  # any failure, after hypothesis has shrunk and printed the case
        print(f"FAILED: {type(failure).__name__}: {failure}", file=sys.stderr)
        return 1
    print(f"{count} cases: every one kept the promises")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="how many cases (default 100000)")
    parser.add_argument("--seed", type=int, help="a random seed (default: a fixed sequence)")
    options = parser.parse_args()
    raise SystemExit(run(options.cases, options.seed))
