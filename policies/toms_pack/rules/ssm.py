"""Systems Manager: documents shared with nobody outside the client, only reviewed documents run on the
client's servers, account-wide service settings that keep documents private, and no hybrid activation
that lets machines outside AWS join with the client's permissions.

Parameters are judged with the other data stores (`ssm-parameter-secure-string`), instance inventory
syncs with the copies of bucket data (`s3-copies-stay-with-client`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    TRUSTED_ACCOUNTS,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    describe,
    describe_accounts,
    outside_accounts,
    own_accounts,
    resource_rule,
)

DOCUMENT = "aws:ssm/document:Document"
ASSOCIATION = "aws:ssm/association:Association"
MAINTENANCE_WINDOW_TASK = "aws:ssm/maintenanceWindowTask:MaintenanceWindowTask"
SERVICE_SETTING = "aws:ssm/serviceSetting:ServiceSetting"
ACTIVATION = "aws:ssm/activation:Activation"


@resource_rule(
    "ssm-document-not-shared",
    "Systems Manager documents are never public and shared only with the client's accounts.",
    Severity.HIGH,
    'Remove "All" and every account outside the client\'s from permissions.account_ids (or drop '
    "permissions); list another account of the client in the config's trustedAccounts.",
    (DOCUMENT,),
    properties={"trustedAccounts": TRUSTED_ACCOUNTS},
)
def document_not_shared(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    permissions = resource.get("permissions")
    if permissions is UNKNOWN:
        yield Unverifiable("permissions")
        return
    if permissions is MISSING:
        return
    if not isinstance(permissions, Mapping):
        yield Violation(f"permissions is {describe(permissions)}, expected a map with type and account_ids")
        return
    # The provider's map keeps Terraform's key; accept the camel-cased spelling as well.
    accounts = permissions.get("account_ids", permissions.get("accountIds", MISSING))
    if accounts is UNKNOWN:
        yield Unverifiable("permissions.account_ids")
        return
    if not isinstance(accounts, str):
        yield Violation(
            f"permissions.account_ids is {describe(accounts)}, expected comma-separated account ids"
        )
        return
    listed = [account.strip() for account in accounts.split(",") if account.strip()]
    if any(account.lower() == "all" for account in listed):
        yield Violation(
            'permissions.account_ids is "All": the document is public; share it with named accounts'
        )
        return
    own = own_accounts(resource, settings)
    if outside := outside_accounts(listed, own):
        yield Violation(
            f"permissions.account_ids shares the document with {', '.join(outside)}, outside the client's "
            f"accounts ({describe_accounts(own)})"
        )


# Documents that only patch, inventory or update the agent of the client's instances: they run no
# command the program chooses and send nothing outside Systems Manager.
REVIEWED_DOCUMENTS = ("AWS-RunPatchBaseline", "AWS-GatherSoftwareInventory", "AWS-UpdateSSMAgent")
# Maintenance-window task types whose task is a document; the others run a function or state machine.
DOCUMENT_TASK_TYPES = ("RUN_COMMAND", "AUTOMATION")


def _document_run(resource: Resource) -> tuple[str, Any, Any]:
    """The input naming what runs, its value, and the maintenance-window task type (MISSING otherwise)."""
    if resource.type == ASSOCIATION:
        return "name", resource.get("name"), MISSING
    return "taskArn", resource.get("taskArn"), resource.get("taskType")


@resource_rule(
    "ssm-runs-reviewed-documents",
    "Associations and maintenance windows run only reviewed documents on the client's servers.",
    Severity.HIGH,
    "Run one of the reviewed documents (allowedDocuments) by name; anything else (a shell script, an "
    "Automation runbook, a Lambda or Step Functions task) can change servers or resources no policy sees: "
    "waive this policy for it by URN with a reason and an expiry after reviewing it.",
    (ASSOCIATION, MAINTENANCE_WINDOW_TASK),
    properties={
        "allowedDocuments": {
            "type": "array",
            "description": "Documents associations and maintenance windows may run; a subset of the "
            "reviewed ones.",
            "items": {"type": "string", "enum": list(REVIEWED_DOCUMENTS)},
            "default": list(REVIEWED_DOCUMENTS),
        }
    },
)
def runs_reviewed_documents(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    key, document, task_type = _document_run(resource)
    allowed = settings.strings("allowedDocuments")
    if task_type is UNKNOWN:
        yield Unverifiable("taskType")
    elif document is UNKNOWN:
        yield Unverifiable(key)
    elif task_type is not MISSING and task_type not in DOCUMENT_TASK_TYPES:
        yield Violation(
            f"taskType is {describe(task_type)}: the window would run {describe(document)}, code no policy "
            f"reviews, on a schedule; run one of {', '.join(allowed) or 'no document'} instead"
        )
    elif document not in allowed:
        yield Violation(
            f"{key} is {describe(document)}, not a reviewed document "
            f"({', '.join(allowed) or 'none allowed'}): it could run any command on the client's servers "
            "or change resources no policy sees"
        )


# Service settings by their path (the id may be the full ARN ending in it): `None` accepts any value
# (the setting opens no access and moves no data), otherwise the one value allowed.
SERVICE_SETTINGS: Mapping[str, str | None] = {
    "/ssm/documents/console/public-sharing-permission": "Disable",
    "/ssm/parameter-store/high-throughput-enabled": None,
    "/ssm/parameter-store/default-parameter-tier": None,
    "/ssm/managed-instance/activation-tier": None,
    "/ssm/opsinsights/opscenter": None,
    "/ssm/automation/customer-script-log-destination": None,
    "/ssm/automation/customer-script-log-group-name": None,
}


@resource_rule(
    "ssm-service-settings-reviewed",
    "Account-wide Systems Manager settings are reviewed ones, and documents cannot be shared publicly.",
    Severity.HIGH,
    "Set /ssm/documents/console/public-sharing-permission to Disable; change only the reviewed settings "
    f"({', '.join(sorted(SERVICE_SETTINGS))}).",
    (SERVICE_SETTING,),
)
def service_settings_reviewed(resource: Resource, _: Settings) -> Iterator[Outcome]:
    setting, value = resource.get("settingId"), resource.get("settingValue")
    if setting is UNKNOWN:
        yield Unverifiable("settingId")
        return
    path = next(
        (known for known in SERVICE_SETTINGS if isinstance(setting, str) and setting.endswith(known)), None
    )
    if path is None:
        yield Violation(
            f"settingId {describe(setting)} is not a reviewed Systems Manager setting: it changes how the "
            "whole account behaves; review it and judge it in policies/toms_pack/rules/ssm.py"
        )
        return
    expected = SERVICE_SETTINGS[path]
    if expected is None:
        return
    if value is UNKNOWN:
        yield Unverifiable("settingValue")
    elif value != expected:
        yield Violation(f"settingValue is {describe(value)} for {path}: set it to {expected}")


@resource_rule(
    "ssm-no-hybrid-activation",
    "No hybrid activation lets machines outside AWS register as the client's managed servers.",
    Severity.HIGH,
    "Register on-premises machines through a reviewed process; where an activation is needed, waive this "
    "policy for it by URN with a reason and an expiry, with registrationLimit and expirationDate as low "
    "as the job allows.",
    (ACTIVATION,),
)
def no_hybrid_activation(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield Violation(
        f"an activation hands the credentials of role {describe(resource.get('iamRole'))} to any machine "
        "that presents its code, outside AWS, for up to registrationLimit machines until expirationDate: "
        "those machines join as managed servers with the client's permissions"
    )
