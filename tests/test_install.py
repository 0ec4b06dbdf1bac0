"""Install cases: reading needs no TensorFlow; training takes exactly one TensorFlow distribution per case."""
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
Requirement = pytest.importorskip("packaging.requirements").Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
TENSORFLOWS = {"tensorflow", "tensorflow-cpu"}


def _tensorflows(requirements, machine):
    environment = {"platform_machine": machine, "sys_platform": "linux", "extra": ""}
    return [r for r in map(Requirement, requirements)
            if r.name in TENSORFLOWS and (r.marker is None or r.marker.evaluate(environment))]


def test_each_install_case_gets_one_tensorflow_or_none():
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    for machine in ("x86_64", "aarch64", "arm64"):
        assert _tensorflows(project["dependencies"], machine) == []  # `pip install fingerspell` reads only
        for case in ("cpu", "gpu"):
            assert len(_tensorflows(project["dependencies"] + extras[case], machine)) == 1, (case, machine)
    (gpu,) = _tensorflows(extras["gpu"], "x86_64")
    assert gpu.name == "tensorflow" and gpu.extras == {"and-cuda"}
    assert [r.name for r in _tensorflows(extras["cpu"], "x86_64")] == ["tensorflow-cpu"]
    assert not any(r.name in TENSORFLOWS for r in map(Requirement, extras["dev"]))


def _without_tensorflow(*args):
    code = ("import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
            "from fingerspell.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)


def test_reading_works_without_tensorflow_and_training_says_what_to_install(tiny_dataset, tiny_store, tmp_path):
    import shutil
    from fingerspell.inference import BUNDLED_MODEL
    model = shutil.copytree(BUNDLED_MODEL, tmp_path / "model")  # evaluate writes its predictions beside the model
    scored = _without_tensorflow("evaluate", str(model / "model.tflite"), "--data", str(tiny_store),
                                 "--split", "test", "--json")
    assert scored.returncode == 0 and '"score"' in scored.stdout, scored.stderr[-2000:]
    trained = _without_tensorflow("train", str(tiny_store), "--run", str(tmp_path / "run"), "--epochs", "1")
    assert trained.returncode == 2 and "fingerspell[cpu]" in trained.stderr and "Traceback" not in trained.stderr
    assert not (tmp_path / "run" / "last").exists()
