"""7. Cost model, from the measured requests per ping and handler CPU time (botocore's real request
path, bench: warm), at AWS list prices.

The prices are AWS's published on-demand list prices for us-east-1 as this project knew them on
the date below; this machine cannot fetch them live. Check https://aws.amazon.com/pricing before
relying on a figure. Free tiers are left out.
"""

from __future__ import annotations

PRICES_AS_OF = "2026-11-25"
PRICES = {  # USD
    "api_gateway_http_per_million": 1.00,  # HTTP API, first 300 million requests a month
    "lambda_requests_per_million": 0.20,
    "lambda_arm64_gb_second": 0.0000133334,
    "dynamodb_write_unit_per_million": 0.625,  # on-demand WRU (1 KB)
    "dynamodb_read_unit_per_million": 0.125,  # on-demand RRU (4 KB strongly, or 2 eventually consistent)
    "sns_publish_per_million": 0.50,
    "eventbridge_event_per_million": 1.00,  # charged conservatively: scheduled-rule events may be free
    "cloudwatch_alarm_month": 0.10,
    "cloudwatch_logs_ingest_gb": 0.50,
    "cloudwatch_logs_storage_gb_month": 0.03,
    "secrets_manager_secret_month": 0.40,  # the API-key hashing secret
}
LAMBDA_GB = 0.25  # MemorySize 256 in template.yaml
DYNAMODB_ROUND_TRIP_MS = 5.0  # assumed in-region latency of one DynamoDB request (not measured here)
MINUTES_A_MONTH = 30 * 24 * 60


def per_million_pings(handler_ms: float, table_writes: int, index_writes: int) -> dict[str, float]:
    """USD per million success pings, by service."""
    duration_ms = handler_ms + table_writes * DYNAMODB_ROUND_TRIP_MS
    billed_ms = -(-duration_ms // 1)  # Lambda bills whole milliseconds
    return {
        "API Gateway (HTTP API)": PRICES["api_gateway_http_per_million"],
        "Lambda requests": PRICES["lambda_requests_per_million"],
        "Lambda duration (arm64)": billed_ms / 1000 * LAMBDA_GB * PRICES["lambda_arm64_gb_second"] * 1e6,
        "DynamoDB writes": (table_writes + index_writes) * PRICES["dynamodb_write_unit_per_million"],
    }


# Billed only when used, so nothing when idle: API Gateway, the other functions, SNS topics, SQS
# queues (nothing polls them), the SSM parameter (standard), the AWS-runs rule (AWS service events on
# the default bus are free), DynamoDB storage and PITR of an empty table.
IDLE_FREE = "API Gateway, idle functions, SNS, SQS, SSM parameter, the AWS-runs rule, an empty table's storage and PITR"


def idle_per_month(shards: int, alarms: int, log_days: int, sweep_ms: float = 60.0) -> dict[str, float]:
    """Every resource the template bills while no ping comes: `alarms` and `log_days` from it."""
    sweeps = MINUTES_A_MONTH  # rate(1 minute)
    log_gb = sweeps * 500 / 1e9  # one line a sweep
    return {
        "EventBridge schedule": sweeps * PRICES["eventbridge_event_per_million"] / 1e6,
        "Lambda (sweeper)": sweeps * PRICES["lambda_requests_per_million"] / 1e6
        + sweeps * sweep_ms / 1000 * LAMBDA_GB * PRICES["lambda_arm64_gb_second"],
        # An empty Query on a GSI (eventually consistent) still costs half a read unit.
        "DynamoDB (empty sweeps)": sweeps * shards * 0.5 * PRICES["dynamodb_read_unit_per_million"] / 1e6,
        "CloudWatch alarms": alarms * PRICES["cloudwatch_alarm_month"],
        "CloudWatch Logs (one line a sweep)": log_gb * PRICES["cloudwatch_logs_ingest_gb"]
        + log_gb * min(log_days, 30) / 30 * PRICES["cloudwatch_logs_storage_gb_month"],
        "Secrets Manager (API-key secret)": PRICES["secrets_manager_secret_month"],
    }


def run(handler_us: float | None = None) -> list:  # type: ignore[type-arg]
    from bench.common import Row

    handler_ms = (handler_us or 3000) / 1000  # the warm ping's CPU through botocore's real request path
    rows = []
    # A success ping: the monitor's UpdateItem (1 WRU) moves `deadline`, the key of the due index, which
    # costs the index a delete and a put (2 WRU); the ping event's PutItem is 1 WRU without a body.
    for label, table_writes in (("ping log on (default)", 2), ("ping log off", 1)):
        parts = per_million_pings(handler_ms, table_writes, index_writes=2)
        total = sum(parts.values())
        detail = ", ".join(f"{k} ${v:.3f}" for k, v in parts.items())
        rows.append(Row("cost", f"per million success pings, {label}", f"${total:.2f}", "< $2.50", total < 2.5, detail))
        if table_writes == 2:
            rows.append(
                Row("cost", "a monitor pinged every minute, per month", f"${total * MINUTES_A_MONTH / 1e6:.3f}")
            )
    from heartbeat_local.template import Template

    template = Template()
    idle = idle_per_month(
        shards=int(template.parameter_default("DeadlineShards")),
        alarms=len(template.of_type("AWS::CloudWatch::Alarm")),
        log_days=int(template.parameter_default("LogRetentionDays")),
    )
    rows.append(
        Row(
            "cost",
            "idle deployment, per month",
            f"${sum(idle.values()):.2f}",
            "< $1.00",
            sum(idle.values()) < 1,
            ", ".join(f"{k} ${v:.3f}" for k, v in idle.items()) + f"; free when idle: {IDLE_FREE}",
        )
    )
    rows.append(
        Row(
            "cost",
            "an alert (SNS publish + outbox writes)",
            f"${(PRICES['sns_publish_per_million'] + 5 * PRICES['dynamodb_write_unit_per_million']) / 1e6:.7f}",
            note="plus each subscription's delivery price",
        )
    )
    return rows


def price_table() -> str:
    lines = [
        f"Prices used (USD, us-east-1 list prices as of {PRICES_AS_OF}; "
        f"assumed DynamoDB round trip {DYNAMODB_ROUND_TRIP_MS:g} ms):",
        "",
    ]
    lines += ["| item | price |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in PRICES.items()]
    return "\n".join(lines)
