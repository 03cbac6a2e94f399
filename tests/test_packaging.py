"""The wheel ships the templates: build it, install it apart, render from elsewhere."""
from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_installed_wheel_renders_a_script_outside_the_checkout(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
    )
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    # System site packages give the dependencies; the wheel's casalog comes first.
    venv.create(tmp_path / "env", system_site_packages=True, with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "import casalog, casalog.templating as t; print(casalog.__file__); print(t.template_folder())"
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
    assert (elsewhere / "reimage.py").read_text().startswith("# Manual re-imaging")
