"""What SAM CLI itself says about template.yaml, run with .venv-sam's Python (SAM CLI and its
translator live there; the app's venv cannot hold them). Prints one JSON document.

    .venv-sam/bin/python tools/heartbeat_local/deploy/samside.py guided DIR
        `sam deploy --guided` in DIR (a copy of template.yaml and samconfig.toml) answered with Enter
        at every question: each question with its default, and whether the deploy would go ahead.
        Only the AWS calls are stood in for (the managed bucket, packaging, the changeset).
    .venv-sam/bin/python tools/heartbeat_local/deploy/samside.py transform TEMPLATE
        The template as CloudFormation receives it: SAM's own transform (roles, permissions, routes).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any
from unittest import mock

os.environ.setdefault("SAM_CLI_TELEMETRY", "0")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def guided(directory: Path) -> dict[str, Any]:
    import click
    from click.testing import CliRunner
    from samcli.cli.main import cli
    from samcli.commands.deploy import deploy_context, guided_context
    from samcli.commands.package import package_context

    questions: list[dict[str, Any]] = []
    outcome: dict[str, Any] = {"deployed": False}

    def recording(ask: Any) -> Any:
        def ask_and_record(text: str, *args: Any, **kwargs: Any) -> Any:
            answer = ask(text, *args, **kwargs)
            default = kwargs.get("default")
            questions.append({"text": click.unstyle(text).strip(), "default": default, "answer": answer})
            return answer

        return ask_and_record

    def changeset(self: Any) -> None:
        # What DeployContext.run does once the changeset exists: with confirm_changeset it asks again.
        confirm = recording(click.confirm)
        if self.confirm_changeset and not confirm(deploy_context.DeployContext.MSG_CONFIRM_CHANGESET, default=False):
            return
        outcome.update(
            deployed=True, stack=self.stack_name, capabilities=self.capabilities, parameters=self.parameter_overrides
        )

    runner = CliRunner()
    with (
        mock.patch.object(guided_context, "confirm", recording(click.confirm)),
        mock.patch.object(guided_context, "prompt", recording(click.prompt)),
        mock.patch.object(guided_context, "manage_stack", return_value="managed-bucket"),
        mock.patch.object(guided_context, "CompanionStackManager"),  # image repositories: none here
        mock.patch.object(package_context.PackageContext, "run", return_value=None),
        mock.patch.object(deploy_context.DeployContext, "run", changeset),
        mock.patch.dict(os.environ, {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}),
    ):
        cwd = Path.cwd()
        os.chdir(directory)
        try:
            result = runner.invoke(cli, ["deploy", "--guided"], input="\n" * 200, catch_exceptions=True)
        finally:
            os.chdir(cwd)
    outcome["exit_code"] = result.exit_code
    outcome["error"] = repr(result.exception) if result.exception and result.exit_code else None
    return {"questions": questions, "outcome": outcome, "output_tail": result.output[-2000:]}


def transform(template: Path) -> dict[str, Any]:
    from samtranslator.translator.transform import transform as sam_transform
    from samtranslator.yaml_helper import yaml_parse

    doc = yaml_parse(template.read_text())
    for resource in doc["Resources"].values():  # as `sam package` leaves them: code in S3
        for key in ("CodeUri", "ContentUri"):
            if isinstance(resource.get("Properties", {}).get(key), str):
                resource["Properties"][key] = "s3://bucket/key"

    class NoManagedPolicies:  # the template names no managed policy by name
        def load(self) -> dict[str, str]:
            return {}

    return dict(sam_transform(doc, {}, NoManagedPolicies()))


if __name__ == "__main__":
    command, target = sys.argv[1], Path(sys.argv[2]).resolve()
    result = guided(target) if command == "guided" else transform(target)
    json.dump(result, sys.stdout, indent=1, default=str)
