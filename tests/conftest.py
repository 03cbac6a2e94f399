"""CASA test infrastructure: offline configuration, script runner, simulated delivery.

CASA reads its site configuration once, when ``casatools`` is first imported,
so :func:`pytest_configure` writes it and sets ``CASASITECONFIG`` before any
test module is collected.  Tests that need CASA fail (never skip) when it
cannot be imported: a green run must mean the CASA tests ran.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from script_modules import load_script

ROOT = Path(__file__).resolve().parents[1]
SIMULATOR = ROOT / "samples" / "simulate_delivery.py"
#: A real delivered log (third-party, Cycle 5); read from beside the project, never copied into it.
REAL_LOG = ROOT.parent / "shared" / "samples" / "real" / "2016.1.00023.S.casa_commands.log"
CASA_SCRIPT_TIMEOUT_S = 1800
CASA_FIXTURES = {
    "casa_site_config", "casa_env", "casa_script_runner", "sim_delivery", "selfcal_delivery", "weak_delivery",
    "mosaic_delivery",
}
_CASA_HINT = "install casatools, casatasks and casadata from the package index (pip install -e '.[test]')"


def load_simulator() -> ModuleType:
    """Import ``samples/simulate_delivery.py`` once."""
    return load_script(SIMULATOR)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "casa: runs real CASA (slow)")
    # CASA's OpenMP threads only wait for each other on a shared two-core
    # machine; read when casatools loads, so set before any test imports it.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "CASASITECONFIG" in os.environ:
        return
    from casalog.commands.casa_config import write_site_config
    from casalog.errors import CasaLogError

    # One folder per Python environment: sessions of other checkouts may run at the same time.
    environment = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    site = Path(tempfile.gettempdir()) / f"regen-tclean-casa-{os.getuid()}-{environment}"
    try:
        path = write_site_config(site / "casasiteconfig.py", site / "casa.log")
    except CasaLogError:
        # Without casadata there is nothing to configure; require_casa()
        # turns that into a failure of each test that needs CASA.
        return
    os.environ["CASASITECONFIG"] = str(path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that uses a CASA fixture is a CASA test, marked or not, so that
    # ``-m "not casa"`` leaves out every slow one.
    for item in items:
        if CASA_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.casa)


def require_casa() -> None:
    """Fail the calling test with a clear message when CASA cannot be imported."""
    if "CASASITECONFIG" not in os.environ:
        pytest.fail(f"CASA is not configured: casadata (or numpy) cannot be imported; {_CASA_HINT}", pytrace=False)
    try:
        import casatasks  # noqa: F401
        import casatools  # noqa: F401
    except Exception as exc:  # casaconfig raises its own errors, not only ImportError
        pytest.fail(f"CASA cannot be imported ({type(exc).__name__}: {exc}); {_CASA_HINT}", pytrace=False)


def casa_environment() -> dict[str, str]:
    """Environment for a CASA subprocess: this process's, which names the site file.

    :func:`pytest_configure` put ``CASASITECONFIG`` into ``os.environ``.
    """
    return dict(os.environ)


def run_casa_script(
    path: Path, cwd: Path, report: Callable[[str], None] = lambda line: None
) -> subprocess.CompletedProcess[str]:
    """Run ``python3 <path>`` in modular CASA, passing its step lines to ``report`` as they come.

    The interpreter is the one running pytest, so the script sees the same
    casatools and casatasks.  Output is captured whole for the test.
    """
    with tempfile.TemporaryFile(mode="w+") as errors:
        with subprocess.Popen(
            [sys.executable, str(path)], cwd=cwd, env=casa_environment(), stdout=subprocess.PIPE, stderr=errors,
            text=True,
        ) as process:
            assert process.stdout is not None
            lines = []
            for line in process.stdout:
                lines.append(line)
                if line.startswith(("Step ", "round ")):
                    report(f"{path.name}: {line.strip()}")
            try:
                process.wait(timeout=CASA_SCRIPT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
        errors.seek(0)
        return subprocess.CompletedProcess(process.args, process.returncode, "".join(lines), errors.read())


def progress(config: pytest.Config, message: str) -> None:
    """A line on the terminal while a slow CASA fixture works, so a long run shows it is alive."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"[casa] {message}")


@pytest.fixture(scope="session")
def real_log() -> Path:
    """The real Cycle 5 log, where ``../shared`` holds it; else the test is skipped, saying why."""
    if not REAL_LOG.is_file():
        pytest.skip(f"the real third-party log {REAL_LOG} is not beside this checkout")
    return REAL_LOG


@pytest.fixture(scope="session")
def casa_site_config() -> Path:
    """The CASASITECONFIG file of this session (CASA is required)."""
    require_casa()
    return Path(os.environ["CASASITECONFIG"])


@pytest.fixture(scope="session")
def casa_env(casa_site_config: Path) -> dict[str, str]:
    """Environment dict for running a script in a CASA subprocess."""
    return casa_environment()


@pytest.fixture(scope="session")
def casa_script_runner(
    casa_site_config: Path, pytestconfig: pytest.Config
) -> Callable[[Path, Path], subprocess.CompletedProcess[str]]:
    """:func:`run_casa_script`, available once CASA is known to import, reporting its steps."""
    return lambda path, cwd: run_casa_script(path, cwd, lambda line: progress(pytestconfig, line))


@pytest.fixture(scope="session")
def sim_delivery(casa_site_config: Path, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Any:
    """The simulated ALMA delivery, built once per session.

    Returns the ``Delivery`` record of ``samples/simulate_delivery.py``: paths
    (root, working, log, contfile), MS names, products and the known sky.
    Tests must not modify it; copy an MS before calibrating it.
    """
    progress(pytestconfig, "building the simulated delivery in CASA (a few minutes)")
    return load_simulator().build_delivery(tmp_path_factory.mktemp("sim_delivery"))


@pytest.fixture(scope="session")
def selfcal_delivery(casa_site_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The ``selfcal`` scenario's delivery (two EBs, bright sky, ~1 rad phase errors, a line), built once.

    Tests must not modify it; copy an MS before calibrating it.
    """
    simulator = load_simulator()
    return simulator.build_delivery(tmp_path_factory.mktemp("selfcal_delivery"), simulator.SCENARIOS["selfcal"])


@pytest.fixture(scope="session")
def weak_delivery(casa_site_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The ``weak`` scenario's delivery (the ``selfcal`` layout, a faint source), built once."""
    simulator = load_simulator()
    return simulator.build_delivery(tmp_path_factory.mktemp("weak_delivery"), simulator.SCENARIOS["weak"])


@pytest.fixture(scope="session")
def mosaic_delivery(casa_site_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The ``mosaic`` scenario's delivery (one EB, three pointings, an extended source), built once."""
    simulator = load_simulator()
    return simulator.build_delivery(tmp_path_factory.mktemp("mosaic_delivery"), simulator.SCENARIOS["mosaic"])
