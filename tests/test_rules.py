"""The rewrite rules of a logged tclean call, and the product dict they write."""
from __future__ import annotations

import ast

import pytest

from casalog.output.quoting import QuotingError, Source
from casalog.reimage.rules import Call, Code, Rule, as_dict_source, drop, in_order, rewrite, set_values

LOGGED = Call.of({"vis": ["a.ms"], "threshold": "0.00088002977216Jy", "interactive": 0, "chanchunks": -1,
                  "niter": 30000000})


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(set_values({"interactive": True}),
                     ["vis", "threshold", "interactive", "chanchunks", "niter"], id="set in place"),
        pytest.param(set_values({"mask": ""}),
                     ["vis", "threshold", "interactive", "chanchunks", "niter", "mask"], id="append"),
        pytest.param(drop({"chanchunks"}), ["vis", "threshold", "interactive", "niter"], id="drop"),
        pytest.param(in_order(["niter", "vis"]), ["niter", "vis", "threshold", "interactive", "chanchunks"],
                     id="signature order, the rest after"),
    ],
)
def test_rule_rewrites(rule: Rule, expected: list[str]) -> None:
    assert list(rewrite(LOGGED, rule).names) == expected


def test_set_value_in_place_changes_only_that_value() -> None:
    call = rewrite(LOGGED, set_values({"interactive": True}))
    assert call.get("interactive") is True
    assert [value for key, value in call.arguments if key != "interactive"] == [
        value for key, value in LOGGED.arguments if key != "interactive"
    ]


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(set_values({}), id="nothing to set"),
        pytest.param(drop({"mask"}), id="nothing to drop"),
        pytest.param(in_order(["vis", "threshold", "interactive", "chanchunks", "niter"]), id="already in order"),
    ],
)
def test_rule_leaves_the_call_unchanged(rule: Rule) -> None:
    assert rewrite(LOGGED, rule) is LOGGED


def test_dict_source_is_one_keyword_a_line_with_long_lists_split() -> None:
    vis = [f"uid___A002_Xc27dd7_X{i}_target.ms" for i in range(4)]
    source = as_dict_source(Call.of({"vis": vis, "niter": 0, "threshold": Code(Source("THRESHOLD_1"))}))
    assert source.splitlines() == [
        "dict(",
        "    vis=[",
        "        'uid___A002_Xc27dd7_X0_target.ms',",
        "        'uid___A002_Xc27dd7_X1_target.ms',",
        "        'uid___A002_Xc27dd7_X2_target.ms',",
        "        'uid___A002_Xc27dd7_X3_target.ms',",
        "    ],",
        "    niter=0,",
        "    threshold=THRESHOLD_1,",
        ")",
    ]


def test_every_value_is_written_as_the_literal_of_its_value() -> None:
    values = {"field": '"HD 163296"', "spw": ["17:1~3;5~9", "19"], "robust": 0.5, "start": -1000.0,
              "fitspec": {0: {"22": {"chan": "0~9", "fitorder": 1}}}, "weird": "a'b\n\u202e\x00"}
    tree = ast.parse(as_dict_source(Call.of(values)), mode="eval")
    assert isinstance(tree.body, ast.Call)
    assert {kw.arg: ast.literal_eval(kw.value) for kw in tree.body.keywords} == values


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), [1.0, float("nan")]])
def test_a_non_finite_number_is_refused(value: object) -> None:
    with pytest.raises(QuotingError, match="is not a finite number"):
        as_dict_source(Call.of({"threshold": value}))
