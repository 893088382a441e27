"""Issue 17 (4): apply's files are refused before sending when the API would refuse them, and why is said:
YAML aliases expanding past a sane limit (an alias bomb), a JSON body over the API's limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import heartbeat_cli as cli
from heartbeat_cli.files import MAX_ALIAS_NODES


def alias_bomb(levels: int = 7, fold: int = 9) -> str:
    """Anchors nine-fold, seven deep: under 400 bytes that expand to 9**7 (4.8 million) strings."""
    lines = ['version: "1"', 'a0: &a0 ["lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * fold)}]")
    lines.append(f"monitors: [{{name: bomb, tags: *a{levels}}}]")
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "heartbeat.yml"
    path.write_text(text)
    return str(path)


def test_an_alias_bomb_is_refused_unexpanded_and_says_why(tmp_path: Path) -> None:
    bomb = alias_bomb()
    assert len(bomb.encode()) < 400
    started = time.perf_counter()
    with pytest.raises(cli.CliError, match=rf"aliases expand past {MAX_ALIAS_NODES:,} nodes \(an alias bomb\?\)"):
        cli.read_file(write(tmp_path, bomb))
    assert time.perf_counter() - started < 1  # counted from the node graph, nothing expanded


def test_a_bomb_refused_by_apply_sends_nothing(tmp_path: Path) -> None:
    class Refuses:
        def call(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("nothing may be sent")

    with pytest.raises(cli.CliError, match="alias bomb"):
        cli.apply_file(Refuses(), write(tmp_path, alias_bomb()), dry_run=True, prune="none")


def test_a_file_that_contains_itself_is_refused(tmp_path: Path) -> None:
    with pytest.raises(cli.CliError, match="an alias refers to a node that contains it"):
        cli.read_file(write(tmp_path, 'version: "1"\nmonitors: &m [{name: x, tags: *m}]\n'))


def test_shared_defaults_through_aliases_and_merge_keys_still_read(tmp_path: Path) -> None:
    monitors = "".join(f"  - {{name: job {i}, config: *defaults, <<: *common}}\n" for i in range(2_000))
    text = 'version: "1"\ndefaults: &defaults {expectedInterval: 60, gracePeriod: 120}\n'
    text += "common: &common {tags: [bulk, nightly]}\nmonitors:\n" + monitors
    doc = cli.read_file(write(tmp_path, text))
    assert len(doc["monitors"]) == 2_000 and doc["monitors"][-1]["tags"] == ["bulk", "nightly"]
    assert doc["monitors"][0]["config"] == {"expectedInterval": 60, "gracePeriod": 120}


def test_aliases_just_under_the_limit_read_and_just_over_are_refused(tmp_path: Path) -> None:
    # One anchored list of k strings (k + 1 nodes), aliased n times adds n * (k + 1) nodes.
    def aliased(n: int, k: int = 99) -> str:
        items = ", ".join(["x"] * k)
        return f'version: "1"\nlist: &l [{items}]\nmonitors: [{", ".join(["*l"] * n)}]\n'

    assert cli.read_file(write(tmp_path, aliased(MAX_ALIAS_NODES // 100)))["version"] == "1"
    with pytest.raises(cli.CliError, match="alias bomb"):
        cli.read_file(write(tmp_path, aliased(MAX_ALIAS_NODES // 100 + 1)))


def test_a_file_over_the_apis_body_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    # 91 monitors sharing one 55 KB description: a small file, a 5 MB body.
    text = f'version: "1"\nnote: &note "{"x" * 55_000}"\nmonitors:\n'
    text += "".join(f"  - {{name: job {i}, description: *note}}\n" for i in range(91))
    limit = r"too large: 5,0\d\d,\d\d\d bytes as JSON, over the API's limit of 5,000,000 bytes"
    with pytest.raises(cli.CliError, match=limit):
        cli.read_file(write(tmp_path, text))


def test_deep_nesting_and_bad_bytes_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(cli.CliError, match="nested too deeply"):
        cli.read_file(write(tmp_path, "[" * 5_000 + "]" * 5_000))
    path = tmp_path / "binary.yml"
    path.write_bytes(b"version: \xff\xfe\n")
    with pytest.raises(cli.CliError, match="not UTF-8"):
        cli.read_file(str(path))
