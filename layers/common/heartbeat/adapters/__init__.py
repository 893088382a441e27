"""Adapters: the AWS services other than DynamoDB (SNS, SQS, Secrets Manager) and the chat and
incident targets, each behind a small class that takes an injected client."""
