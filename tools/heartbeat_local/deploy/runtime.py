"""Lambda's bootstrap, as far as the deploy check needs it. Run by the functions' runtime Python
(python3.13) with -S -s: no site-packages, only the standard library and the paths given, in
Lambda's order (the function's code, the layer as /opt/python, the runtime's boto3).

    python3.13 -S -s runtime.py HANDLER TIMEOUT_S PATH [PATH ...]

It imports the handler (the cold start: a missing module or environment variable fails here) and
answers invocations read as JSON lines on stdin with JSON lines on its own stdout; whatever the
function prints goes to stderr, as Lambda sends it to the logs. Standard library only.
"""

import importlib
import json
import os
import sys
import time
import traceback


class Context:
    def __init__(self, name: str, request_id: str, timeout_s: float, memory_mb: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{os.environ['AWS_REGION']}:123456789012:function:{name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = "deploy-check"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    handler, timeout_s, paths = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    sys.path[:0] = paths
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the function's own output: the log, as on Lambda
    sys.stdout = sys.stderr
    module_name, function_name = handler.rsplit(".", 1)
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except BaseException as e:
        replies.write(json.dumps({"init_error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}) + "\n")
        return
    replies.write(json.dumps({"ready": True}) + "\n")
    memory = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    for n, line in enumerate(sys.stdin):
        event = json.loads(line)
        context = Context(os.environ["AWS_LAMBDA_FUNCTION_NAME"], f"req-{n}", timeout_s, memory)
        try:
            reply = {"result": function(event, context)}
        except BaseException as e:
            reply = {"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
        replies.write(json.dumps(reply, default=str) + "\n")


if __name__ == "__main__":
    main()
