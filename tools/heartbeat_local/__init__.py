"""The dev kit, never deployed: the local stack `make dev` runs (moto behind an API Gateway front,
the sweeper on its schedule, SNS delivering to the notifier) and `make deploy-check` (`deploy/`)."""
