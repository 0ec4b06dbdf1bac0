import json
import subprocess
import sys

import pytest

from fingerspell.cli import build_parser, main
from fingerspell.store.store import Store


def test_module_entry_point_prints_help():
    result = subprocess.run([sys.executable, "-m", "fingerspell", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "synth" in result.stdout and "prepare" in result.stdout


@pytest.mark.parametrize("command", ["demo", "synth", "prepare"])
def test_each_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0 and "usage: fingerspell " + command in capsys.readouterr().out


def test_synth_then_prepare(tmp_path, capsys):
    data, store = tmp_path / "data", tmp_path / "store"
    assert main(["synth", str(data), "--sequences", "40", "--signers", "5", "--workers", "1", "--quiet",
                 "--stats"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["corpus"]["train_sequences"] == 40
    assert main(["prepare", str(data), str(store), "--workers", "1", "--quiet"]) == 0
    assert "40 sequences" in capsys.readouterr().out
    assert len(Store(store)) == 40
    assert main(["prepare", str(data), str(store), "--quiet"]) == 2  # refuses to overwrite a complete store
    assert "already holds a complete store" in capsys.readouterr().err


def test_synth_compares_with_published_statistics_only_where_asked(tmp_path, capsys):
    """No path outside the user's own arguments is read: a missing --published file is an error naming it."""
    absent = tmp_path / "absent.json"
    assert main(["synth", str(tmp_path / "d"), "--sequences", "12", "--signers", "3", "--workers", "1", "--quiet",
                 "--published", str(absent)]) == 2
    assert str(absent) in capsys.readouterr().err
    published = tmp_path / "published.json"
    published.write_text(json.dumps({"corpus": {"train_sequences": 67208}}))
    assert main(["synth", str(tmp_path / "e"), "--sequences", "12", "--signers", "3", "--workers", "1", "--quiet",
                 "--published", str(published)]) == 0
    assert "67208" in capsys.readouterr().out.replace(".000", "").replace(" ", "")
