"""KMS: the client's own keys (the other services' checks ask whether a key is one of them), rotation, and a
key policy that gives use of the key to no one by wildcard."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from typing import Any

from policies.toms_pack import standards
from toms.live.checks import AuditContext, Resource, Verdict, check, discovers

SERVICE = "kms"
KEY = "KMS key"


@discovers(SERVICE, KEY, scope=lambda context: context.session.arn("kms", "key/*"))
def client_keys(context: AuditContext) -> list[Resource]:
    return [Resource(arn, {"KeyId": arn.rsplit("/", 1)[1]}) for arn in context.tagged_arns("kms")]


@check("kms-rotation", service=SERVICE, kind=KEY, title="automatic key rotation on")
def rotation(context: AuditContext, resource: Resource) -> Verdict:
    status = context.client_for("kms").get_key_rotation_status(KeyId=resource.arn)
    on = bool(status.get("KeyRotationEnabled"))
    observed = {"rotation": on, "rotation_period_days": status.get("RotationPeriodInDays")}
    return Verdict(on, observed, "automatic rotation on" if on else "automatic rotation off")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants_anyone(principal: Any) -> bool:
    """True for a key policy principal that names every AWS principal: "*" or AWS "*"."""
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _listed(principal.get("AWS", []))


def use_actions(statement: Mapping[str, Any]) -> list[str]:
    """The key-use actions a statement's actions (wildcards included) allow."""
    patterns = [str(action) for action in _listed(statement.get("Action", []))]
    return [
        action
        for action in standards.KMS_KEY_USE_ACTIONS
        if any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in patterns)
    ]


@check(
    "kms-no-wildcard-use",
    service=SERVICE,
    kind=KEY,
    title='the key policy gives no use of the key to every principal (AWS "*")',
)
def no_wildcard_use(context: AuditContext, resource: Resource) -> Verdict:
    document = context.client_for("kms").get_key_policy(KeyId=resource.arn, PolicyName="default")["Policy"]
    statements = json.loads(document).get("Statement", [])
    offending = {
        str(statement.get("Sid") or f"statement {index}"): use_actions(statement)
        for index, statement in enumerate(_listed(statements))
        if statement.get("Effect") == "Allow"
        and (grants_anyone(statement.get("Principal")) or "NotPrincipal" in statement)
        and use_actions(statement)
    }
    observed = {"wildcard_use_statements": offending}
    if offending:
        names = ", ".join(sorted(offending))
        return Verdict(False, observed, f"the key policy lets every principal use the key: {names}")
    return Verdict(True, observed, "use of the key is granted only to named principals and services")
