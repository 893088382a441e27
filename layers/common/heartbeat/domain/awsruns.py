"""Which stages of which runs a monitor has recorded, so that an AWS run event delivered twice or
late (EventBridge retries) is recorded once. Reading the events themselves is domain/runsources/,
which the ping path never imports; this module it does (a ping's write forgets old runs).
"""

from __future__ import annotations

START, END = 1, 2  # a run's stages: an event for a stage already recorded is a duplicate or late
KEPT_RUNS = 8  # runs remembered per monitor: a few hundred bytes, so a ping stays one write unit


def run_key(rid: str) -> str:
    """A run's short key on its monitor: 48 bits of its rid, unique enough among a monitor's last runs."""
    return rid.replace("-", "")[:12]


def run_mark(stage: int, now_ms: int) -> int:
    """What a monitor remembers of a run's stage: the time in seconds, negative once it ended."""
    return -(now_ms // 1000) if stage == END else now_ms // 1000


def is_recorded(event_runs: dict[str, int], rid: str, stage: int) -> bool:
    """Whether this stage of the run (or a later one) is recorded already: a start after a start or
    an end, an end after an end."""
    mark = event_runs.get(run_key(rid))
    return mark is not None and (stage == START or mark < 0)


def runs_to_forget(event_runs: dict[str, int]) -> list[str]:
    """The keys beyond the KEPT_RUNS most recent, to be removed by the monitor's next event write."""
    newest = sorted(event_runs, key=lambda k: abs(event_runs[k]), reverse=True)
    return newest[KEPT_RUNS:]
