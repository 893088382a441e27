"""Heartbeat's domain: monitors, pings, the sweeper and alerts. Knows nothing of API Gateway or Lambda."""
