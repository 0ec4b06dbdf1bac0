"""The package's modules import one another without a circle (functions' own imports included)."""
import ast
from pathlib import Path

import fingerspell

PACKAGE = Path(fingerspell.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("fingerspell")):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("fingerspell"))
    return found


def test_no_import_cycles():
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {t for t in _imports(path) if t in modules and t != name} for name, path in modules.items()}
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import cycle: " + " -> ".join(trail + [node])
        state[node] = "open"
        for child in sorted(graph[node]):
            if not (node.startswith(child + ".") or child == "fingerspell"):  # a package's own __init__
                visit(child, trail + [node])
        state[node] = "done"
    for name in sorted(graph):
        visit(name, [])


def test_the_cycle_check_sees_absolute_imports(tmp_path):
    """The package imports itself by absolute names: the check above must see them."""
    module = PACKAGE / "training" / "run.py"
    assert "fingerspell.training.config" in _imports(module) and "fingerspell.models" in _imports(module)


def test_reading_imports_no_tensorflow():
    """The CLI and the reading path load without TensorFlow (a reading-only install has none)."""
    import subprocess
    import sys
    code = ("import sys, fingerspell.cli, fingerspell.inference, fingerspell.reader, fingerspell.pipeline, "
            "fingerspell.models; print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
