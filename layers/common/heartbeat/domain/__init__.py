"""The domain: what Heartbeat decides. Models, schedules, ping rules and state transitions as
typed decisions, every error type. It imports no botocore and no Lambda types, and takes `now`
as an argument."""
