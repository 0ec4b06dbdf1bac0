"""What the benchmark scripts share: running the `fingerspell` command as a user would."""
from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> str:
    """`fingerspell ARGS...` in a subprocess; its last line of output (JSON where asked), or exit with its error."""
    result = subprocess.run([sys.executable, "-m", "fingerspell", *args], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"fingerspell {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def training_parser(doc: str, out: str):
    """The options every training benchmark takes: budget, the synthetic dataset, where results go."""
    import argparse
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="training budget per model (wall clock)")
    parser.add_argument("--sequences", type=int, default=3000)
    parser.add_argument("--signers", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", default=out)
    return parser
