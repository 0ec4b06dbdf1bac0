"""The `fingerspell` command: one subcommand per job (`fingerspell SUBCOMMAND --help`).

Each module here parses the arguments of one job and calls the package's functions; none holds the job itself.
"""
from __future__ import annotations

import argparse
import os
import sys

from fingerspell.cli import demo, evaluate, export, predict, prepare, serve, show, synth, train, video
from fingerspell.errors import DataError

COMMANDS = (demo, train, evaluate, export, predict, show, video, serve, synth, prepare)


def build_parser() -> argparse.ArgumentParser:
    from fingerspell import __version__
    parser = argparse.ArgumentParser(prog="fingerspell", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_to(sub)
    return parser


def main(argv=None) -> int:
    # TensorFlow's C++ log lines (oneDNN notices, graph-optimiser chatter) bury the progress bars;
    # Python errors still surface. Set TF_CPP_MIN_LOG_LEVEL yourself to see them.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, FileExistsError, FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"fingerspell {args.command}: error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("tensorflow", "keras"):
            raise
        print(f"fingerspell {args.command}: error: this needs TensorFlow, which this install lacks (reading "
              f"with an exported model does not): pip install 'fingerspell[cpu]', or 'fingerspell[gpu]' on an "
              f"NVIDIA GPU machine", file=sys.stderr)
        return 2
