"""The layer ships what the domain imports: a module missing from its requirements would import
fine here (the dev venv has everything) and fail only on Lambda."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from heartbeat_local.template import ROOT

IN_THE_RUNTIME = {"boto3", "botocore"}  # the Lambda Python runtime provides these
DISTRIBUTION = {"aws_lambda_powertools": "aws-lambda-powertools"}


def imported_top_level(paths: list) -> set[str]:  # type: ignore[type-arg]
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def own_modules(code_dir: Path) -> set[str]:
    """What a function imports from its own directory (Lambda puts it first on sys.path)."""
    packages = {p.name for p in code_dir.iterdir() if (p / "__init__.py").exists()}
    return {p.stem for p in code_dir.glob("*.py")} | packages


def test_every_third_party_import_of_the_layer_and_functions_is_provided() -> None:
    sources = list((ROOT / "layers/common/heartbeat").rglob("*.py")) + list((ROOT / "functions").rglob("*.py"))
    local = set().union(*(own_modules(d) for d in (ROOT / "functions").iterdir() if d.is_dir()))
    third_party = imported_top_level(sources) - set(sys.stdlib_module_names) - {"heartbeat", "__future__"} - local
    lines = (ROOT / "layers/common/requirements.txt").read_text().splitlines()
    required = {line.split("==")[0].strip().lower() for line in lines if line.strip() and not line.startswith("#")}
    for module in third_party - IN_THE_RUNTIME:
        assert DISTRIBUTION.get(module, module).lower() in required, f"{module} is imported but not in the layer"


def test_zoneinfo_has_its_database_on_lambda() -> None:
    required = (ROOT / "layers/common/requirements.txt").read_text()
    assert "tzdata==" in required
