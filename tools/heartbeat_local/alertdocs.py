"""`make docs-alerts`: docs/alerts/, the email and SMS of each alert as a person gets them, and each
chat and incident target's request body for a down alert, a reminder and the recovery (`<kind>/`).

Each example is made as the handlers make it (domain/alerts.py, from a monitor and a ping at fixed
times) and said by the words SNS publishes (alertwords.message_structure): down for each cause, a
reminder, the recovery and a test alert; the targets' bodies by the notifier's renderers
(domain/targetkinds), with the alert's facts as the notifier reads them from the outbox.
tests/unit/test_alertdocs.py fails when the checked-in
files are not what this writes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from heartbeat.domain.alertlinks import link_key, linked
from heartbeat.domain.alerts import down_alert, reminder_alert, up_alert, with_cause_of
from heartbeat.domain.alertwords import SMS_PREFIX, facts_of_a_test, message_structure
from heartbeat.domain.model import Alert, Cause, Monitor, Ping, PingKind, Status
from heartbeat.domain.targetkinds import KINDS, render
from heartbeat.domain.targets import AlertMessage, Target
from heartbeat_local.template import ROOT

DOCS = ROOT / "docs" / "alerts"
BASE = "https://heartbeat.example.com"
LINK_KEY = link_key(b"an example deployment's secret")  # the signed links, as a deployment's publisher makes them
NIGHT = 1_795_564_800_000  # 2026-11-25 02:00 in Riga (00:00 UTC)
MIN, HOUR = 60_000, 3_600_000
TRACEBACK = b"""Traceback (most recent call last):
  File "/opt/backup/backup.py", line 88, in <module>
    main()
  File "/opt/backup/backup.py", line 81, in main
    upload(dump_path, bucket="backups-eu-north-1")
  File "/opt/backup/backup.py", line 47, in upload
    s3.upload_file(path, bucket, key)
  File "/usr/lib/python3/dist-packages/boto3/s3/inject.py", line 145, in upload_file
    return transfer.upload_file(
  File "/usr/lib/python3/dist-packages/boto3/s3/transfer.py", line 371, in upload_file
    future.result()
  File "/usr/lib/python3/dist-packages/s3transfer/futures.py", line 103, in result
    return self._coordinator.result()
OSError: [Errno 28] No space left on device: '/var/backups/main-2026-11-25.dump'
"""


def backup(**changes: object) -> Monitor:
    """A nightly backup at 02:00 in Riga, as the examples' monitor."""
    fields: dict[str, object] = {
        "id": "3f2a9c1e8b7d4f60a1c2e3d4b5a69788",
        "token": "",
        "name": "Nightly Backup",
        "type": "HEARTBEAT",
        "interval_s": None,
        "schedule": "0 2 * * *",
        "timezone": "Europe/Riga",
        "grace_s": 900,
        "tags": ["backup", "db"],
        "status": Status.STARTED,
        "created_ms": NIGHT - 30 * 24 * HOUR,
        "updated_ms": NIGHT - 30 * 24 * HOUR,
        "description": "pg_dump of the main database, uploaded to S3.",
        "last_ping_ms": NIGHT,
        "last_ping_kind": "start",
        "last_start_ms": NIGHT,
        "last_success_ms": NIGHT - 24 * HOUR,
    }
    fields.update(changes)
    return Monitor(**fields)


def ping(kind: PingKind, body: bytes = b"", exit_status: int | None = None) -> Ping:
    return Ping(kind, "POST", "203.0.113.7", "curl/8.5.0", body, body_size=len(body), exit_status=exit_status)


def _down_exit_status() -> Alert:
    failed = NIGHT + 13 * MIN
    return down_alert(backup(), failed, Cause.EXIT_STATUS, failed, ping(PingKind.FAIL, TRACEBACK, exit_status=1))


def _down_failed() -> Alert:
    failed = NIGHT + 4 * MIN
    body = b"pg_dump: error: connection to server failed: FATAL: password authentication failed\n"
    return down_alert(backup(), failed, Cause.FAILED, failed, ping(PingKind.FAIL, body))


def _down_missed() -> Alert:
    sync = backup(name="Hourly Sync", interval_s=3600, schedule=None, timezone="UTC", grace_s=600, tags=["sync"],
                  description="", status=Status.UP, last_ping_kind="success", last_start_ms=None)  # fmt: skip
    deadline = NIGHT + HOUR + 10 * MIN
    return down_alert(sync, deadline, Cause.MISSED, deadline + 40_000)


def _down_missed_cron() -> Alert:
    yesterday = backup(status=Status.UP, last_ping_ms=NIGHT - 24 * HOUR + 9 * MIN, last_ping_kind="success")
    deadline = NIGHT + 15 * MIN  # the 02:00 run, plus 15 min of grace
    return down_alert(dataclasses.replace(yesterday, last_start_ms=None), deadline, Cause.MISSED, deadline + 20_000)


def _down_timeout() -> Alert:
    started = backup(max_runtime_s=2 * 3600)
    return down_alert(started, NIGHT + 2 * HOUR, Cause.TIMEOUT, NIGHT + 2 * HOUR + 13 * MIN)


def _down_early() -> Alert:
    report = backup(name="Invoice Run", min_interval_s=600, last_success_ms=NIGHT, status=Status.UP,
                    last_start_ms=None, tags=["billing"], description="")  # fmt: skip
    early = NIGHT + 3 * MIN
    return down_alert(report, early, Cause.EARLY, early, ping(PingKind.SUCCESS, b"invoices sent: 0\n"))


def _down_keyword() -> Alert:
    body = b"dumped 1,204 tables\nERROR: could not upload: access denied\n"
    checked = backup(failure_keywords=["ERROR", "FATAL"], success_keywords=["upload complete"])
    done = NIGHT + 11 * MIN
    return down_alert(checked, done, Cause.KEYWORD, done, ping(PingKind.SUCCESS, body))


def _down_quorum() -> Alert:
    instances = {"web-1": NIGHT + 5 * MIN, "web-2": NIGHT + 5 * MIN, "web-3": NIGHT}
    workers = backup(name="Queue Workers", interval_s=300, schedule=None, timezone="UTC", grace_s=60, tags=["queue"],
                     description="", status=Status.UP, last_ping_kind="success", last_start_ms=None,
                     quorum={"min": 3}, instances=instances)  # fmt: skip
    deadline = NIGHT + 6 * MIN
    return down_alert(workers, deadline, Cause.QUORUM, deadline + 20_000)


def _reminder() -> Alert:
    down = _down_exit_status()
    still = backup(status=Status.DOWN, open_incident_ms=down.incident_ms, last_ping_ms=down.incident_ms,
                   last_ping_kind="fail", last_start_ms=None, realert_s=3600)  # fmt: skip
    return with_cause_of(reminder_alert(still, 2, down.incident_ms + 2 * HOUR + 5 * MIN), down)


def _up() -> Alert:
    opened = _down_exit_status().incident_ms
    rerun = opened + 2 * HOUR
    fixed = backup(status=Status.DOWN, open_incident_ms=opened, last_start_ms=rerun)
    resolved = rerun + 8 * MIN
    return up_alert(fixed, opened, resolved, resolved, ping(PingKind.SUCCESS, b"backup done: 14.2 GB\n"))


EXAMPLES: dict[str, tuple[str, Callable[[], Alert]]] = {
    "down-exit-status": ("down: the job exited with status 1 (a traceback as its body)", _down_exit_status),
    "down-failed": ("down: a /fail ping", _down_failed),
    "down-missed": ("down: an hourly job missed its ping", _down_missed),
    "down-missed-cron": ("down: the 02:00 run (Europe/Riga) never pinged", _down_missed_cron),
    "down-timeout": ("down: a run past its maxRuntime", _down_timeout),
    "down-early": ("down: a success sooner than minInterval", _down_early),
    "down-keyword": ("down: a failure keyword in the body", _down_keyword),
    "down-quorum": ("down: one of a quorum of three instances went silent", _down_quorum),
    "reminder": ("still down: the second reminder", _reminder),
    "up": ("up again", _up),
}


CHAT_EXAMPLES = {"down": _down_exit_status, "reminder": _reminder, "up": _up}
TARGETS = {  # each kind's example subscription: made-up secrets
    "slack": Target("s", "slack", "https://hooks.slack.com/services/T000/B000/XXXX"),
    "discord": Target("d", "discord", "https://discord.com/api/webhooks/1/abc"),
    "teams": Target("t", "teams", "https://example.webhook.office.com/workflows/1"),
    "telegram": Target("g", "telegram", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", chat_id="-1001234567890"),
    "pagerduty": Target("p", "pagerduty", "R0UT1NGKEY0123456789abcdefABCDEF"),
    "opsgenie": Target("o", "opsgenie", "eb243592-faa2-4ba2-a551-1afdf565c889"),
    "webhook": Target("w", "webhook", "https://example.com/hook", template=(
        '{"text": "$NAME is $STATUS since $SINCE $MONITOR_URL", "summary": "$SUMMARY", "downtime": "$DOWNTIME"}')),
}  # fmt: skip


def chat_rendered() -> dict[Path, str]:
    """`<kind>/<down|reminder|up>.json`: the request body each target kind is sent, as sent (pretty-printed)."""
    files: dict[Path, str] = {}
    for name, make in CHAT_EXAMPLES.items():
        alert = linked(make(), BASE, LINK_KEY)  # with its links, as published
        message = dataclasses.replace(AlertMessage.parse(alert.message, alert.subject), facts=alert.facts)
        for kind in KINDS:
            body = json.loads(render(TARGETS[kind], message, BASE).body)
            files[Path(kind) / f"{name}.json"] = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return files


def rendered() -> dict[Path, str]:
    """docs/alerts' files (relative paths) as the renderers write them."""
    files: dict[Path, str] = {}
    sms = [
        "# What an SMS subscriber gets for each alert: one line of at most 160 characters, SNS's prefix",
        f"# (the topic's display name: {SMS_PREFIX.strip()}) included.",
        "",
    ]
    for name, (about, make) in EXAMPLES.items():
        alert = linked(make(), BASE, LINK_KEY)
        assert alert.facts is not None
        words = json.loads(message_structure(alert.message, alert.facts, BASE, alert.id))
        files[Path("email") / f"{name}.txt"] = f"Subject: {alert.subject}\n\n{words['email']}"
        delivered = SMS_PREFIX + words["sms"]
        sms += [f"# {name}: {about} ({len(delivered)} characters)", delivered, ""]
    words = json.loads(message_structure("{}", facts_of_a_test(NIGHT), BASE, f"test:1a2b3c:{NIGHT}"))
    files[Path("email") / "test.txt"] = f"Subject: TEST: Heartbeat alert\n\n{words['email']}"
    delivered = SMS_PREFIX + words["sms"]
    sms += [f"# test: a test alert ({len(delivered)} characters)", delivered]
    files[Path("sms.txt")] = "\n".join(sms) + "\n"
    return files | chat_rendered()


def main() -> None:
    for path, text in rendered().items():
        (DOCS / path).parent.mkdir(parents=True, exist_ok=True)
        (DOCS / path).write_text(text)
    print(f"wrote {DOCS.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
