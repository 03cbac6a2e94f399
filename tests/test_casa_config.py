"""``regen-tclean casa-config``: the site config that lets modular CASA run offline."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from casalog.commands.main import main


def test_writes_an_offline_config_and_says_how_to_use_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["casa-config", "--logfile", "casa.log"]) == 0
    out = capsys.readouterr().out
    config = tmp_path / "casasiteconfig.py"
    assert f"export CASASITECONFIG={config}" in out.splitlines()
    settings = {
        node.targets[0].id: ast.literal_eval(node.value)  # type: ignore[attr-defined]
        for node in ast.parse(config.read_text()).body
    }
    import casadata

    assert settings == {
        "measurespath": str(Path(casadata.datapath).resolve()),
        "measures_auto_update": False,
        "data_auto_update": False,
        "logfile": str(tmp_path / "casa.log"),
    }


def test_without_casadata_it_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "casadata", None)
    assert main(["casa-config", "-o", str(tmp_path / "site.py")]) == 1
    assert capsys.readouterr().err == (
        "regen-tclean: casadata is not installed in this Python: pip install casatools casatasks casadata\n"
    )
    assert not (tmp_path / "site.py").exists()
