"""The deployment, checked offline: what SAM CLI makes of template.yaml (the guided deploy's questions,
the transformed template's roles and invoke permissions), and `make deploy-check`: each function from
`sam build`'s output run as Lambda runs it, under its own role, with IAM enforced (moto)."""
