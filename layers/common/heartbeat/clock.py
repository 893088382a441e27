import time


def now_ms() -> int:
    """The server's receive time: the only clock Heartbeat trusts (a job's own clock may be skewed)."""
    return time.time_ns() // 1_000_000
