"""`make deploy-check`: `sam build`'s output run as Lambda runs it, each function under its own role
with IAM enforced, over a scenario that makes every AWS call the functions make. Exit status 1 on
a denied call, a function that cannot start (a missing module or environment variable), a failed
step, or compiled code for another architecture than the template's."""

from __future__ import annotations

import sys
import time
from collections import defaultdict

from heartbeat_local.deploy import scenario
from heartbeat_local.deploy.lambdas import DeployCheckError
from heartbeat_local.deploy.stage import Stage


def main() -> int:
    began = time.monotonic()
    with scenario.https_target() as (port, ca_file):
        # Emulation only: the chat targets are on this machine, behind a certificate of its own, which
        # a deployment would refuse (loopback) and could not verify.
        local_targets = {"ALLOW_HTTP_TARGETS": "1", "SSL_CERT_FILE": str(ca_file)}
        stage = Stage(extra_env={"ApiFunction": local_targets, "NotifierFunction": local_targets})
        try:
            stage.check_build()
            stage.start()
            print(f"deploy-check: {len(stage.functions)} functions started cold in {stage.cold_start_s:.1f} s")
            if stage.stand_ins:
                print(f"  compiled code checked for the template's architecture; run here as {stage.stand_ins}")
            try:
                steps = scenario.run(stage, port)
            except DeployCheckError as e:
                steps = [f"FAILED: {e}"]
            denied = stage.denied()
            used: dict[str, set[str]] = defaultdict(set)
            for verdict in stage.enforcer.verdicts:
                if verdict.allowed and verdict.caller.endswith("FunctionRole"):
                    used[verdict.caller.removesuffix("Role")].add(verdict.action)
        except DeployCheckError as e:
            print(f"deploy-check FAILED: {e}", file=sys.stderr)
            return 1
        finally:
            stage.stop()
    for step in steps:
        print(f"  {step}")
    for function in sorted(used):
        print(f"  {function}: {', '.join(sorted(used[function]))}")
    if stage.enforcer.unjudged:
        print(f'  judged against "*" (no resource known here): {sorted(set(stage.enforcer.unjudged))}')
    failed = [s for s in steps if s.startswith("FAILED")]
    for line in denied:
        print(f"deploy-check: DENIED {line}", file=sys.stderr)
    print(f"deploy-check: {'FAILED' if denied or failed else 'passed'} in {time.monotonic() - began:.1f} s")
    return 1 if denied or failed else 0


if __name__ == "__main__":
    sys.exit(main())
