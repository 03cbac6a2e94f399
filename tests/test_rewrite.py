from __future__ import annotations

import pytest

from casalog.reimage.rules import Code, DropArguments, OneArgumentPerLine, RenameCallee, SetArguments, rewrite

LOGGED = "tclean(vis=['a.ms'], threshold='0.00088002977216Jy', interactive=0, chanchunks=-1, niter=30000000)"


@pytest.mark.parametrize(
    ("transformer", "expected"),
    [
        pytest.param(
            SetArguments({"interactive": True}),
            "tclean(vis=['a.ms'], threshold='0.00088002977216Jy', interactive=True, chanchunks=-1, niter=30000000)",
            id="set in place",
        ),
        pytest.param(
            SetArguments({"mask": ""}),
            "tclean(vis=['a.ms'], threshold='0.00088002977216Jy', interactive=0, chanchunks=-1, niter=30000000, mask='')",
            id="append",
        ),
        pytest.param(
            SetArguments({"threshold": Code("THRESHOLD_1")}),
            "tclean(vis=['a.ms'], threshold=THRESHOLD_1, interactive=0, chanchunks=-1, niter=30000000)",
            id="code value",
        ),
        pytest.param(
            DropArguments({"chanchunks"}),
            "tclean(vis=['a.ms'], threshold='0.00088002977216Jy', interactive=0, niter=30000000)",
            id="drop",
        ),
        pytest.param(
            RenameCallee("dict"),
            "dict(vis=['a.ms'], threshold='0.00088002977216Jy', interactive=0, chanchunks=-1, niter=30000000)",
            id="rename",
        ),
    ],
)
def test_rule_rewrites(transformer: object, expected: str) -> None:
    assert rewrite(LOGGED, transformer) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "transformer",
    [
        pytest.param(SetArguments({}), id="nothing to set"),
        pytest.param(DropArguments({"mask"}), id="nothing to drop"),
        pytest.param(RenameCallee("tclean"), id="same name"),
    ],
)
def test_rule_leaves_the_call_unchanged(transformer: object) -> None:
    assert rewrite(LOGGED, transformer) == LOGGED  # type: ignore[arg-type]


def test_untouched_values_keep_their_logged_text() -> None:
    logged = "tclean(threshold='0.00088002977216Jy', robust=0.50, start=-1.0e3, imsize=[300,  300])"
    code = rewrite(logged, SetArguments({"robust": 1.5}))
    assert "threshold='0.00088002977216Jy'" in code
    assert "start=-1.0e3" in code
    assert "imsize=[300,  300]" in code
    assert "robust=1.5" in code


def test_layout_one_argument_a_line_and_long_lists_split() -> None:
    vis = ", ".join(f"'uid___A002_Xc27dd7_X{i}_target.ms'" for i in range(4))
    code = rewrite(f"tclean(vis=[{vis}], niter=0)", OneArgumentPerLine())
    assert code.splitlines() == [
        "tclean(",
        "    vis=[",
        "        'uid___A002_Xc27dd7_X0_target.ms',",
        "        'uid___A002_Xc27dd7_X1_target.ms',",
        "        'uid___A002_Xc27dd7_X2_target.ms',",
        "        'uid___A002_Xc27dd7_X3_target.ms',",
        "    ],",
        "    niter=0,",
        ")",
    ]
