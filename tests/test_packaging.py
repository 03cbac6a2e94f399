"""The wheel ships the templates: build it, install it apart, render from elsewhere."""
from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_installed_wheel_renders_a_script_outside_the_checkout(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    _see_our_dependencies(python)
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "import casalog, casalog.output.templating as t; print(casalog.__file__); print(t.template_folder())"
    where = subprocess.run([str(python), "-c", code], cwd=elsewhere, capture_output=True, text=True, check=True)
    module, templates = where.stdout.splitlines()
    assert module.startswith(str(tmp_path / "env")) and templates.startswith(str(tmp_path / "env"))
    assert Path(templates, "reimage.py.j2").is_file()
    result = subprocess.run(
        [str(tmp_path / "env" / "bin" / "regen-tclean"), str(ROOT / "samples" / "sim"), "--no-interactive", "--selfcal",
         "-o", "reimage.py"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "reimage.py").read_text().startswith("# -*- coding: utf-8 -*-\n# Manual re-imaging")


def _see_our_dependencies(python: Path) -> None:
    """Let the new environment import the packages of the one running the tests.

    A path line in a ``.pth`` file puts this environment's site-packages after
    the new one's, without processing the ``.pth`` files there: an editable
    install of casalog in this environment stays invisible, and the wheel's
    casalog is the one imported. This works whether or not the tests run in a venv.
    """
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    Path(site, "regen_tclean_test_dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
