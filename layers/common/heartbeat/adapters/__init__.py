"""Adapters: the AWS services other than DynamoDB (SNS, SQS) and HTTP to the chat and incident
targets (their payloads in targets/, one module per kind), each behind a small class or function
that takes an injected client or sender. They import the domain only, never one another."""
