"""Monitor files (YAML) for `apply`: read with YAML's aliases bounded, allowed ${NAME}s expanded, and sized
against the API's body limit, so a file the API would refuse is refused here, before anything is sent."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping
from typing import IO, Any

from heartbeat_cli.api import MAX_BODY_BYTES, CliError

# Nodes that aliases may add to a file once expanded. A monitors file shares a few defaults per monitor
# (`config: *defaults`, `<<: *defaults`): thousands of nodes. An alias bomb (anchors nine-fold, seven deep:
# 200 bytes) adds millions; refused from its node graph, before any of it is expanded.
MAX_ALIAS_NODES = 100_000
SECRET_FIELDS = ("endpoint", "url", "template")  # a subscription's fields never shown back (plans mask them)
# Never expanded into a file: the keys the CLI itself (and discover's boto3) works with.
CREDENTIALS = ("HEARTBEAT_API_KEY", "HEALTHCHECKS_API_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def read_file(path: str, env: Collection[str] = (), api_key: str = "") -> dict[str, Any]:
    """The file as the API takes it; `env`: the environment variables its subscriptions may name
    (`api_key`, the key the CLI calls the API with, is never taken in, by any name)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            doc = _load(f, path)
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise CliError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except RecursionError:
        raise CliError(f"{path}: nested too deeply to read") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise CliError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(doc, dict):
        raise CliError(f'{path}: expected a mapping with version: "1" and a list of monitors')
    if isinstance(doc.get("subscriptions"), list):
        expand = Expansion(env, credentials=[api_key])
        doc["subscriptions"] = [
            expand(entry, f"{path}: subscriptions[{i}]") for i, entry in enumerate(doc["subscriptions"])
        ]
    check_body_size(doc, path)
    return doc


def _load(stream: IO[str], path: str) -> Any:
    """yaml.safe_load in its two steps, with the expanded size checked between them: composing builds
    the node graph (an alias is one more reference to its anchor's node, nothing is copied); building
    the Python objects and then the JSON body is where an alias bomb would blow up."""
    import yaml

    loader = yaml.SafeLoader(stream)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_aliases(node, path)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_aliases(root: Any, path: str) -> None:
    """Refuse a document whose aliases would add more than MAX_ALIAS_NODES nodes once expanded, or that
    contains itself. Counts each distinct node once (linear in the file), never expanding anything."""
    import yaml

    sizes: dict[int, int] = {}  # id(node) -> nodes under it once expanded, itself included
    open_nodes: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise CliError(f"{path}: an alias refers to a node that contains it; refused before sending")
        open_nodes.add(key)
        if isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        else:
            total = 1
        open_nodes.discard(key)
        sizes[key] = total
        return total

    if size(root) - len(sizes) > MAX_ALIAS_NODES:
        raise CliError(
            f"{path}: its YAML aliases expand past {MAX_ALIAS_NODES:,} nodes (an alias bomb?); refused before sending"
        )


def check_body_size(doc: dict[str, Any], path: str) -> None:
    """The API reads at most MAX_BODY_BYTES of JSON, and the plan (a dry run) sends the whole file."""
    size = len(json.dumps(doc).encode())
    if size > MAX_BODY_BYTES:
        raise CliError(
            f"{path}: too large: {size:,} bytes as JSON, over the API's limit of {MAX_BODY_BYTES:,} bytes "
            "on a request body; split it into smaller files. Nothing was sent"
        )


class Expansion:
    """${NAME} from the environment in a subscription's endpoint, url or template, so a webhook URL or
    key stays out of git; only for the names the user gave (`apply --env NAME`), never the CLI's own
    credentials, whatever they are called. A file is often someone else's: without this, any
    ${NAME} would send any variable (HEARTBEAT_API_KEY, AWS_SECRET_ACCESS_KEY) to a URL of its choice.
    (Templates' own $NAME, without braces, is left for the notifier.)"""

    def __init__(
        self, allowed: Collection[str], environ: Mapping[str, str] = os.environ, credentials: Collection[str] = ()
    ) -> None:
        self.allowed, self.environ = set(allowed), environ
        self.credentials = {environ.get(name, "") for name in CREDENTIALS} | set(credentials)
        self.credentials.discard("")

    def __call__(self, entry: Any, where: str) -> Any:
        if not isinstance(entry, dict):
            return entry  # the API says what is wrong with it
        return {k: self._expand(v, f"{where}.{k}", k in SECRET_FIELDS) for k, v in entry.items()}

    def _expand(self, value: Any, where: str, secret_field: bool) -> Any:
        if isinstance(value, dict):
            return {k: self._expand(v, f"{where}.{k}", secret_field) for k, v in value.items()}
        if isinstance(value, list):
            return [self._expand(v, f"{where}[{i}]", secret_field) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value

        def variable(m: re.Match[str]) -> str:
            name = m[1]
            if not secret_field:
                raise CliError(f"{where}: ${{{name}}}: only {', '.join(SECRET_FIELDS)} take variables (never shown)")
            if name in CREDENTIALS:
                raise CliError(f"{where}: ${{{name}}} is the CLI's own credential; never sent to a subscription")
            if name not in self.allowed:
                raise CliError(
                    f"{where}: ${{{name}}} is not allowed: pass --env {name} to take it from the environment"
                )
            if name not in self.environ:
                raise CliError(f"{where}: ${{{name}}} is not set in the environment")
            if any(credential in self.environ[name] for credential in self.credentials):
                raise CliError(f"{where}: ${{{name}}} holds the CLI's own credential; never sent to a subscription")
            return self.environ[name]

        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", variable, value)
