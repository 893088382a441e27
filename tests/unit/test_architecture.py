"""The shape the code keeps. Dependencies in the layer point one way: the domain imports nothing
outside itself (and nothing that talks to a network or AWS); the store and the adapters import the
domain; the use cases import all three; nothing in the layer imports a handler. And no module,
class or function outgrows a read. A module in the wrong room fails here, not in review."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from heartbeat_local.template import ROOT

LAYER = ROOT / "layers/common/heartbeat"
ALLOWED = {  # what each room's modules may import from the layer (beside their own room)
    "domain": {"heartbeat.domain"},
    "store": {"heartbeat.domain", "heartbeat.store", "heartbeat.settings"},
    "adapters": {"heartbeat.domain"},
    "usecases": {"heartbeat.domain", "heartbeat.store", "heartbeat.adapters", "heartbeat.usecases"},
}
MAX_LINES = {"module": 600, "class": 400, "function": 80}
HANDLER_MODULES = {
    "app",
    "deps",
    "routes",
    "schemas",
    "heartbeat_cli",
    "heartbeat_local",
    "tests",
}  # functions/*, tools/
NO_IO_IN_THE_DOMAIN = {"boto3", "botocore", "aws_lambda_powertools", "urllib.request", "urllib.error", "socket", "http"}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def within(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_each_room_imports_only_the_rooms_below_it() -> None:
    wrong = []
    for room, allowed in ALLOWED.items():
        for path in (LAYER / room).rglob("*.py"):
            # A module may use its own package (a plug-in its common.py), but an adapter no other adapter.
            parts = path.relative_to(LAYER).with_suffix("").parts
            own = {".".join(("heartbeat", *(parts[:-1] if len(parts) > 2 else parts)))}
            for name in imports(path):
                if within(name, {"heartbeat"}) and not within(name, allowed | own):
                    wrong.append(f"{path.relative_to(LAYER)} imports {name}")
    assert wrong == []


def test_the_domain_does_no_io() -> None:
    wrong = [
        f"{path.relative_to(LAYER)} imports {name}"
        for path in (LAYER / "domain").rglob("*.py")
        for name in imports(path)
        if within(name, NO_IO_IN_THE_DOMAIN)
    ]
    assert wrong == []


def test_use_cases_speak_to_aws_only_through_the_store_and_the_adapters() -> None:
    # Every AWS call, and the mapping of its errors to the domain's (a throttled SNS is a 503), has one home.
    wrong = [
        f"{path.relative_to(LAYER)} imports {name}"
        for path in (LAYER / "usecases").rglob("*.py")
        for name in imports(path)
        if within(name, {"boto3", "botocore"})
    ]
    assert wrong == []


def test_handler_schemas_import_no_adapter() -> None:
    # A response model shapes domain values; which adapter produced them is not its business.
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in ROOT.glob("functions/*/schemas/*.py")
        for name in imports(path)
        if within(name, {"heartbeat.adapters", "heartbeat.store"})
    ]
    assert wrong == []


def test_no_module_is_left_at_the_top_of_the_layer_but_the_shared_few() -> None:
    assert {p.name for p in LAYER.glob("*.py")} == {"__init__.py", "clock.py", "settings.py", "web.py", "wiring.py"}


def test_the_layer_imports_no_handler_and_no_tool() -> None:
    wrong = [
        f"{path.relative_to(LAYER)} imports {name}"
        for path in LAYER.rglob("*.py")
        for name in imports(path)
        if within(name, HANDLER_MODULES)
    ]
    assert wrong == []


CLI = ROOT / "tools/heartbeat_cli"
# The monitor settings registry (plain data, which the CLI's flags and card are made from: issue 27 step 1),
# and durations and schedules in words (the alerts and the CLI say them alike). Standard library only.
SHARED_WITH_THE_CLI = {"heartbeat.domain.settings", "heartbeat.domain.words"}
CLI_MAY_IMPORT = {
    "click",
    "yaml",
    "heartbeat_cli",
    *SHARED_WITH_THE_CLI,
}  # beside the standard library: `pip install .`
CLI_TALKS_TO_AWS = {"keys.py", "discover.py"}  # keys bootstrap, discover: boto3 and the layer, inside the command


def test_the_cli_speaks_http_with_only_its_own_dependencies() -> None:
    wrong = []
    for path in CLI.rglob("*.py"):
        tree = ast.parse(path.read_text())
        top = {n for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom) for n in imports_of(node)}
        anywhere = {
            n for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom) for n in imports_of(node)
        }
        lazy_aws = {"boto3", "heartbeat"} if path.name in CLI_TALKS_TO_AWS else set()
        for name in top:
            if name.split(".")[0] not in sys.stdlib_module_names and not within(name, CLI_MAY_IMPORT):
                wrong.append(f"{path.name} imports {name} when loaded")
        for name in anywhere:
            root = name.split(".")[0]
            if root not in sys.stdlib_module_names and not within(name, CLI_MAY_IMPORT | lazy_aws):
                wrong.append(f"{path.name} imports {name}")
    assert wrong == []


def test_what_the_cli_shares_with_the_layer_is_shipped_with_it_and_needs_only_the_standard_library() -> None:
    shared = [LAYER / "__init__.py", LAYER / "domain/__init__.py"]
    shared += [LAYER / f"domain/{name.rpartition('.')[2]}.py" for name in SHARED_WITH_THE_CLI]
    assert [
        f"{path.name} imports {name}"
        for path in shared
        for name in imports(path)
        if name not in sys.stdlib_module_names
    ] == []


def test_every_package_is_shipped() -> None:
    # `pip install .` installs only the packages listed: a subpackage left out breaks an installed CLI.
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join((name, *init.parent.relative_to(ROOT / where).parts))
        for name, where in setup["package-dir"].items()
        for init in (ROOT / where).rglob("__init__.py")
    }
    assert sorted(setup["packages"]) == sorted(found)


def imports_of(node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    return {node.module} if node.level == 0 and node.module else set()


def test_the_ping_path_loads_no_plug_in() -> None:
    # Cold start: the run sources and target kinds are for the events function, the API and the notifier.
    region = {"AWS_DEFAULT_REGION": "us-east-1"}
    env = {**os.environ, **region, "TABLE_NAME": "t", "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:1:t"}
    code = "import sys, app; print(' '.join(sys.modules))"
    ping = ROOT / "functions/ping"
    run = subprocess.run([sys.executable, "-c", code], cwd=ping, env=env, capture_output=True, text=True)
    loaded = run.stdout.split()
    assert "heartbeat.domain.awsruns" in loaded, run.stderr  # what it does need of runs
    assert [m for m in loaded if m.startswith(("heartbeat.domain.runsources", "heartbeat.domain.targetkinds"))] == []
    assert "heartbeat.adapters.sns" not in loaded  # made on the first ping that publishes (heartbeat.wiring)


def test_no_module_class_or_function_outgrows_a_read() -> None:
    kinds = {ast.ClassDef: "class", ast.FunctionDef: "function", ast.AsyncFunctionDef: "function"}
    too_long = []
    for root in (LAYER, ROOT / "functions", ROOT / "tools"):
        for path in root.rglob("*.py"):
            text = path.read_text()
            if (lines := text.count("\n")) > MAX_LINES["module"]:
                too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
            for node in ast.walk(ast.parse(text)):
                kind = kinds.get(type(node))
                if kind and (length := node.end_lineno - node.lineno + 1) > MAX_LINES[kind]:  # type: ignore[attr-defined]
                    too_long.append(f"{path.relative_to(ROOT)}: {kind} {node.name}, {length} lines")  # type: ignore[attr-defined]
    assert too_long == []


def test_the_design_document_states_the_rules_this_test_enforces() -> None:
    doc = (ROOT / "docs/architecture.md").read_text()
    rows = re.findall(r"^\| [a-z ]+ \| `layers/common/heartbeat/(\w+)/` \| .* \| (.*) \|$", doc, flags=re.M)
    stated = {room: {f"heartbeat.{r}" for r in re.findall(r"`(\w+)`", allowed)} for room, allowed in rows}
    assert {room: allowed - {f"heartbeat.{room}"} for room, allowed in ALLOWED.items()} == {
        room: stated[room] for room in ALLOWED
    }


def test_every_path_the_design_document_names_exists() -> None:
    doc = (ROOT / "docs/architecture.md").read_text()
    named = set(re.findall(r"`((?:functions|layers|tools|tests|bench|docs)/[\w/.-]*?)/?`", doc))
    assert named and not [path for path in sorted(named) if "<" not in path and not (ROOT / path).exists()]
