"""What cfn-lint and `sam validate` do not catch: values that only fail at deploy or run time."""

from __future__ import annotations

import json
import re

import pytest

from heartbeat_local.template import ROOT, Template

SUPPORTED_RUNTIMES = {"python3.12", "python3.13"}  # Lambda's Python runtimes this code is tested for


def test_runtime_and_architecture(template: Template) -> None:
    fn = template.doc["Globals"]["Function"]
    assert fn["Runtime"] in SUPPORTED_RUNTIMES
    assert fn["Architectures"] == ["arm64"]
    layer = template.resources["CommonLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == [fn["Runtime"]]
    assert layer["Properties"]["CompatibleArchitectures"] == fn["Architectures"]


def test_the_layer_is_built_for_the_runtime_with_bytecode(template: Template) -> None:
    """The layer's Makefile must fetch wheels for the runtime and compile pycs it can use."""
    runtime = template.doc["Globals"]["Function"]["Runtime"]  # python3.13
    assert template.resources["CommonLayer"]["Metadata"]["BuildMethod"] == "makefile"
    makefile = (ROOT / "layers/common/Makefile").read_text()
    assert f"PYTHON := {runtime}" in makefile
    assert f"--python-version {runtime.removeprefix('python')}" in makefile
    assert "manylinux2014_aarch64" in makefile  # arm64
    assert "compileall" in makefile and "unchecked-hash" in makefile


def test_sweep_schedules_are_valid_rate_expressions(template: Template) -> None:
    param = template.doc["Parameters"]["SweepSchedule"]
    assert param["Default"] in param["AllowedValues"]
    for value in param["AllowedValues"]:
        m = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours)\)", value)
        assert m, value
        assert (m.group(1) == "1") == (m.group(2) in ("minute", "hour")), f"{value}: singular only for 1"
        assert int(m.group(1)) <= 5  # the silence alarm's 10-minute window needs a sweep at least every 5


def test_table_has_the_sparse_due_index_ttl_and_pitr(template: Template) -> None:
    props = template.resources["Table"]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    indexes = {i["IndexName"]: i for i in props["GlobalSecondaryIndexes"]}
    assert [k["AttributeName"] for k in indexes["due"]["KeySchema"]] == ["due_shard", "deadline"]
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert types["due_shard"] == "S" and types["deadline"] == "N"
    assert indexes["list"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_sweeper_is_scheduled_retries_little_and_keeps_failures(template: Template) -> None:
    props = template.resources["SweeperFunction"]["Properties"]
    assert props["Events"]["Sweep"]["Type"] == "Schedule"
    config = props["EventInvokeConfig"]
    for detection in ("minute", "seconds"):
        assert template._resolve(config["MaximumRetryAttempts"], {"Detection": detection}) <= 1
    assert config["DestinationConfig"]["OnFailure"]["Type"] == "SQS"


def test_the_sweeper_is_watched_by_alarms(template: Template) -> None:
    alarms = template.of_type("AWS::CloudWatch::Alarm")
    metrics = {a["Properties"]["MetricName"]: a["Properties"] for a in alarms.values()}
    assert metrics["Errors"]["Dimensions"][0]["Value"] == {"Ref": "SweeperFunction"}
    silent = metrics["Invocations"]
    assert silent["TreatMissingData"] == "breaching" and silent["ComparisonOperator"] == "LessThanThreshold"


def test_every_function_env_var_the_settings_read_is_set(template: Template) -> None:
    variables = set(template.doc["Globals"]["Function"]["Environment"]["Variables"])
    for fn in template.of_type("AWS::Serverless::Function").values():
        variables |= set(fn["Properties"].get("Environment", {}).get("Variables", {}))
    source = (ROOT / "layers/common/heartbeat/settings.py").read_text()
    local_only = {"ALLOW_HTTP_TARGETS"}  # plain http targets: the local stack's, never deployed
    for name in re.findall(r'"([A-Z][A-Z_]+)"', source):
        assert (name in variables) != (name in local_only), name


def test_routes_cover_the_ping_protocol_and_the_api(template: Template) -> None:
    keys = {r.route_key for r in template.routes()}
    for path in (
        "/api/v1/heartbeat/{token}",
        "/api/v1/heartbeat/{token}/{action}",
        "/ping/{token}",
        "/ping/{token}/{action}",
    ):
        assert f"ANY {path}" in keys
    for key in (
        "POST /api/v1/monitors",
        "GET /api/v1/monitors",
        "GET /api/v1/monitors/{monitor_id}",
        "PATCH /api/v1/monitors/{monitor_id}",
        "DELETE /api/v1/monitors/{monitor_id}",
        "POST /api/v1/monitors/{monitor_id}/pause",
        "POST /api/v1/monitors/{monitor_id}/resume",
        "GET /api/v1/monitors/{monitor_id}/pings",
        "GET /api/v1/monitors/{monitor_id}/incidents",
    ):
        assert key in keys


def test_every_route_has_a_sample_event(template: Template) -> None:
    samples = [json.loads(p.read_text()) for p in (ROOT / "events").glob("*.json")]
    covered = {s["routeKey"] for s in samples if "routeKey" in s}
    assert {r.route_key for r in template.routes()} <= covered


@pytest.mark.parametrize("path", sorted((ROOT / "events").glob("*.json")), ids=lambda p: p.name)
def test_sample_events_are_well_formed(path, template: Template) -> None:  # type: ignore[no-untyped-def]
    event = json.loads(path.read_text())
    if "Records" in event:  # SNS → the notifier; parsed as the handler parses it
        from aws_lambda_powertools.utilities.parser.models import SnsModel

        assert SnsModel.model_validate(event).Records[0].EventSubscriptionArn
        return
    if path.name.startswith("run-"):  # an AWS run event: the template's rule takes it, and it reports a run
        from moto.events.models import EventPattern

        from heartbeat.domain.runsources import report_of

        [(function, pattern)] = template.event_rules().values()
        assert function == "EventsFunction" and EventPattern(None, pattern).matches_event(event)
        assert report_of(event, now_ms=0) is not None
        return
    if "routeKey" not in event:
        assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
        return
    assert event["version"] == "2.0"
    [route] = [r for r in template.routes() if r.route_key == event["routeKey"]]
    assert route.match(event["requestContext"]["http"]["method"], event["rawPath"]) == event.get("pathParameters", {})


def granted(template: Template, function: str) -> dict[str, list[str]]:
    """Action -> the resources a function's inline statements grant it (FAKE_REFS resolved)."""
    refs = {**FAKE_REFS, "AWS::Partition": "aws", "Table.Arn": "arn:table", "Table": "t"}
    actions: dict[str, list[str]] = {}
    for policy in template.resources[function]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []):
            resource = template._resolve(statement["Resource"], refs)
            for action in statement["Action"]:
                actions.setdefault(action, []).extend(resource if isinstance(resource, list) else [resource])
    return actions


def test_the_notifier_may_read_the_targets_and_dead_letter_what_fails(template: Template) -> None:
    # `make deploy-check` runs it under this role; here, what each grant is for.
    props = template.resources["NotifierFunction"]["Properties"]
    assert granted(template, "NotifierFunction") == {
        "dynamodb:Query": ["arn:table"],  # Targets.all
        "dynamodb:GetItem": ["arn:table"],  # Outbox.facts: an alert's facts, for its words
        "sqs:SendMessage": ["arn:queue"],  # what it could not deliver
        "ssm:GetParameter": ["arn:aws:ssm:eu-west-1:123456789012:parameter/heartbeat/stack/public-url"],
    }
    assert props["DeadLetterQueue"]["TargetArn"] == {"Fn::GetAtt": ["AlertsDeadLetterQueue", "Arn"]}
    subscription = template.resources["NotifierSubscription"]["Properties"]
    assert (
        subscription["Endpoint"] == {"Fn::GetAtt": ["NotifierFunction", "Arn"]} and "FilterPolicy" not in subscription
    )


# ---- stable ping URLs: the custom domain, and links without a hand-set URL ------------------------

FAKE_REFS = {
    "AWS::StackName": "stack",
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
    "HttpApi": "api123",
    "Table": "t",
    "AlertsTopic": "arn:topic",
    "ApiKeySecret": "arn:secret",
    "AlertsDeadLetterQueue": "https://queue",
    "AlertsDeadLetterQueue.Arn": "arn:queue",
    "NotifierFunction.Arn": "arn:notifier",
}
DOMAIN = {
    "DomainName": "heartbeat.example.com",
    "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0d3e9f4c-1111-2222-3333-444455556666",
    "HostedZoneId": "Z0123456789ABCDEFGHIJ",
}


def test_the_custom_domain_resources_exist_only_under_their_conditions(template: Template) -> None:
    resources = template.resources
    assert resources["ApiDomain"]["Condition"] == "HasDomain"
    assert resources["ApiDomainMapping"]["Condition"] == "HasDomain"
    assert resources["ApiDomainMapping"]["Properties"]["ApiId"] == {"Ref": "HttpApi"}
    assert resources["ApiDomainRecord"]["Condition"] == "CreateDnsRecord"
    config = resources["ApiDomain"]["Properties"]["DomainNameConfigurations"][0]
    assert config["EndpointType"] == "REGIONAL" and config["CertificateArn"] == {"Ref": "CertificateArn"}
    # At the defaults (no domain) none is made, and a domain without a certificate is refused.
    assert not template.condition("HasDomain", {}) and not template.condition("CreateDnsRecord", {})
    rule = template.doc["Rules"]["DomainNeedsCertificate"]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]}


def test_with_a_domain_every_link_uses_it(template: Template) -> None:
    with_domain = Template(json.loads(json.dumps(template.doc)))
    for name, value in DOMAIN.items():
        with_domain.doc["Parameters"][name]["Default"] = value
    assert with_domain.condition("HasDomain", {}) and with_domain.condition("CreateDnsRecord", {})
    env = with_domain.function_env(FAKE_REFS)
    assert env["PUBLIC_URL"] == "https://heartbeat.example.com"
    parameter = with_domain._resolve(with_domain.resources["PublicUrlParameter"]["Properties"], FAKE_REFS)
    assert parameter["Value"] == "https://heartbeat.example.com"


def test_without_a_domain_links_come_from_the_stack_itself(template: Template) -> None:
    assert "PublicApiUrl" not in template.doc["Parameters"]  # no URL to set by hand after the first deploy
    env = template.function_env(FAKE_REFS)
    assert env["PUBLIC_URL"] == "" and env["PUBLIC_URL_PARAMETER"] == "/heartbeat/stack/public-url"
    parameter = template._resolve(template.resources["PublicUrlParameter"]["Properties"], FAKE_REFS)
    assert parameter == {
        "Name": "/heartbeat/stack/public-url",
        "Type": "String",
        "Description": parameter["Description"],
        "Value": "https://api123.execute-api.eu-west-1.amazonaws.com",
    }
    # Those that build alert links: the notifier (targets), the API (a test alert, a retry), and
    # those that publish alerts (their email and SMS).
    for function in ("NotifierFunction", "ApiFunction", "PingFunction", "SweeperFunction", "EventsFunction"):
        statements = granted(template, function)
        assert statements["ssm:GetParameter"] == [
            "arn:aws:ssm:eu-west-1:123456789012:parameter/heartbeat/stack/public-url"
        ]  # that parameter only, and no DescribeParameters on "*"
    assert "PublicApiUrl" not in (ROOT / "README.md").read_text()


@pytest.mark.parametrize(
    "parameters",
    [{}, DOMAIN, {"Detection": "seconds"}, {"WarmWriteUnits": 0}],
    ids=["defaults", "custom domain", "seconds detection", "no pre-warming"],
)
def test_cfn_lint_passes_with_each_optional_setting(parameters: dict[str, object], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cfnlint.api import ManualArgs, lint_file

    text = (ROOT / "template.yaml").read_text()
    for name, value in parameters.items():  # the parameter's default, as a deploy would give it
        text, found = re.subn(rf"(\n  {name}:\n    Type: \w+\n    Default: ).*", rf"\g<1>{json.dumps(value)}", text)
        assert found == 1, name
    path = tmp_path / "template.yaml"
    path.write_text(text)
    matches = lint_file(path, config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


def test_the_defaults_shard_for_10000_pings_a_second_and_pre_warming_is_a_paid_choice(template: Template) -> None:
    """Issue 14: a success ping writes 2 units to the table (the monitor, the ping event) and 2 to
    the due index (it moves the deadline: a delete and a put); an index partition takes 1,000/s.
    Issue 32: pre-warming is billed per deploy, so it is off by default, and 20,000 takes 10,000/s."""
    pings, units_per_ping, partition_units = 10_000, 2, 1_000
    assert int(template.parameter_default("DeadlineShards")) * partition_units >= pings * units_per_ping
    warm = template.doc["Parameters"]["WarmWriteUnits"]
    assert warm["Default"] == 0 and "pricing" in warm["Description"]
    assert pings * units_per_ping in warm["AllowedValues"]
    assert not template.condition("PreWarm", {})
    table = template.resources["Table"]["Properties"]
    [due] = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "due"]
    prewarm = {"Fn::If": ["PreWarm", {"WriteUnitsPerSecond": {"Ref": "WarmWriteUnits"}}, {"Ref": "AWS::NoValue"}]}
    assert table["WarmThroughput"] == due["WarmThroughput"] == prewarm


def test_seconds_detection_loops_the_minute_run_and_fits_its_timeout(template: Template) -> None:
    sweeper = template.resources["SweeperFunction"]["Properties"]
    _, loop, single = sweeper["Environment"]["Variables"]["SWEEP_LOOP_SECONDS"]["Fn::If"]
    assert (loop, single) == (65, 0)  # a minute's run overlaps the next by 5 s: a run may start late
    assert loop + 5 + 30 <= sweeper["Timeout"]  # the loop, SAFETY_S, and a long last sweep fit
    retries = sweeper["EventInvokeConfig"]["MaximumRetryAttempts"]
    assert retries == {"Fn::If": ["FastDetection", 0, 1]}  # a looping run is not run twice over
    assert sweeper["MemorySize"] == {"Fn::If": ["FastDetection", 128, 256]}
    assert not template.condition("FastDetection", {})  # minute detection by default
    schedule, concurrency = template.doc["Rules"]["SecondsDetectionSweepsEachMinute"]["Assertions"]
    assert schedule["Assert"] == {"Fn::Equals": [{"Ref": "SweepSchedule"}, "rate(1 minute)"]}
    assert concurrency["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SweeperReservedConcurrency"}, "1"]}]}


# ---- the first deploy: SAM CLI's own questions, and the invoke permissions it makes ------------------


def test_every_route_is_public_by_declaration_on_an_api_closed_by_default(template: Template) -> None:
    """Each function authenticates its own callers; API Gateway lets through only the routes the
    template names public, so a route added without saying so is closed (IAM-signed callers only)."""
    auth = template.resources["HttpApi"]["Properties"]["Auth"]
    assert auth == {"EnableIamAuthorizer": True, "DefaultAuthorizer": "AWS_IAM"}
    for name, fn in template.of_type("AWS::Serverless::Function").items():
        for event_name, event in fn["Properties"].get("Events", {}).items():
            if event["Type"] == "HttpApi":
                assert event["Properties"].get("Auth") == {"Authorizer": "NONE"}, f"{name}.{event_name}"


def test_the_guided_deploy_goes_through_when_every_question_is_answered_with_enter() -> None:
    """`sam deploy --guided` (what `make deploy` runs), by SAM CLI's own code, Enter at each question:
    no "has no authentication. Is this okay? [y/N]" (its default aborts the deploy), no changeset
    to confirm (its default is no), and the deploy goes ahead with the template's defaults."""
    from heartbeat_local.deploy.sam import guided_deploy_on_defaults

    run = guided_deploy_on_defaults()
    asked = [q["text"] for q in run["questions"]]
    assert not [q for q in asked if "has no authentication" in q], asked
    assert "Deploy this changeset?" not in asked
    outcome = run["outcome"]
    assert outcome["deployed"] and outcome["exit_code"] == 0, run["output_tail"]
    assert outcome["stack"] == "heartbeat-dev" and outcome["capabilities"] == ["CAPABILITY_IAM"]
    assert outcome["parameters"]["WarmWriteUnits"] == "0"


def test_the_api_functions_invoke_policy_does_not_grow_with_its_routes() -> None:
    """SAM writes one Lambda permission per route, into the function's resource policy (20 KB at
    most); with the `$default` route the API function has one for the whole API."""
    from heartbeat_local.deploy.sam import LAMBDA_POLICY_LIMIT, invoke_policies, transformed

    policies = invoke_policies(transformed())
    api = json.loads(policies["ApiFunction"])["Statement"]
    assert len(api) == 1 and api[0]["Condition"]["ArnLike"]["AWS:SourceArn"].endswith("/*/*")
    for function, policy in policies.items():
        assert len(policy) < LAMBDA_POLICY_LIMIT / 5, (function, len(policy))


# ---- issue 32: names, retention, retention of the secret, least privilege --------------------------


def test_alarm_names_are_unique_per_stack(template: Template) -> None:
    """Two stacks with the same Stage (a second region, a staging copy) must not collide."""
    for name, alarm in template.of_type("AWS::CloudWatch::Alarm").items():
        assert alarm["Properties"]["AlarmName"]["Fn::Sub"].startswith("${AWS::StackName}-"), name


def test_every_function_logs_to_a_group_that_expires(template: Template) -> None:
    retention = template.doc["Parameters"]["LogRetentionDays"]
    assert retention["Default"] == 30 and retention["Default"] in retention["AllowedValues"]
    for name, fn in template.of_type("AWS::Serverless::Function").items():
        group = fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert template.resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    assert len(template.of_type("AWS::Logs::LogGroup")) == len(template.of_type("AWS::Serverless::Function"))


def test_the_key_hashing_secret_is_kept_with_the_table(template: Template) -> None:
    for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
        assert template.resources["ApiKeySecret"][policy] == template.resources["Table"][policy] == "Retain"


NEVER_CALLED = {  # granted once by SAM's policy templates; no code calls them (grep the layer)
    "dynamodb:Scan",
    "dynamodb:DescribeTable",
    "ssm:DescribeParameters",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "sqs:SendMessageBatch",
    "sqs:SendMessage*",
}


def test_no_role_is_granted_what_no_code_calls() -> None:
    from heartbeat_local.deploy.sam import transformed

    resources = transformed()["Resources"]
    for name, role in resources.items():
        if role["Type"] != "AWS::IAM::Role":
            continue
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not NEVER_CALLED & set(actions), (name, actions)
                if statement["Resource"] == "*":  # only actions IAM can grant no other way
                    assert set(actions) <= {
                        "sns:GetSubscriptionAttributes",
                        "sns:SetSubscriptionAttributes",
                        "sns:Unsubscribe",
                    }, (name, actions)
    source = "\n".join(p.read_text() for p in (ROOT / "layers/common/heartbeat").rglob("*.py"))
    source += "\n".join(p.read_text() for p in (ROOT / "functions").rglob("*.py"))
    for call in ("scan(", "describe_table(", "get_parameters(", "get_parameters_by_path(", "send_message_batch("):
        assert f".{call}" not in source, call
    # A transaction's ConditionCheck (revoking an admin key) is the API function's alone.
    roles = {name: json.dumps(r["Properties"]) for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert [name for name, policy in roles.items() if "dynamodb:ConditionCheckItem" in policy] == ["ApiFunctionRole"]
