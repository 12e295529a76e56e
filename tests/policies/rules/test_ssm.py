"""Systems Manager documents, associations, maintenance windows, service settings and activations: each
rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

import json
from typing import Any

from tests.policies.casetable import (
    Case,
    absent,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import OWN_ACCOUNT
from tests.policies.samples import PINNED_PROVIDER as PINNED
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

DOCUMENT = "aws:ssm/document:Document"
ASSOCIATION = "aws:ssm/association:Association"
WINDOW_TASK = "aws:ssm/maintenanceWindowTask:MaintenanceWindowTask"
SERVICE_SETTING = "aws:ssm/serviceSetting:ServiceSetting"
ACTIVATION = "aws:ssm/activation:Activation"
OWN = OWN_ACCOUNT
OTHER = "444455556666"
PUBLIC_SHARING = f"arn:aws:ssm:eu-west-1:{OWN}:servicesetting/ssm/documents/console/public-sharing-permission"


def subject(resource_type: str, **props: Any) -> ResourceInput:
    return ResourceInput(resource_type, "subject", props, provider=PINNED)


def document(**props: Any) -> ResourceInput:
    content = {"schemaVersion": "2.2", "mainSteps": [{"action": "aws:runShellScript", "name": "hello"}]}
    return subject(DOCUMENT, name="hello", documentType="Command", content=json.dumps(content), **props)


def window_task(**props: Any) -> ResourceInput:
    defaults = {"windowId": "mw-1", "taskType": "RUN_COMMAND", "taskArn": "AWS-RunPatchBaseline"}
    return subject(WINDOW_TASK, **{**defaults, **props})


CASES: dict[str, list[Case]] = {
    "ssm-document-not-shared": [
        compliant(document()),
        compliant(document(permissions={"type": "Share", "account_ids": OWN}), label="own-account"),
        compliant(
            document(permissions={"type": "Share", "account_ids": OTHER}),
            config={"ssm-document-not-shared": {"trustedAccounts": [OTHER]}},
            label="trusted-account",
        ),
        violating(document(permissions={"type": "Share", "account_ids": "All"}), "the document is public"),
        violating(
            document(permissions={"type": "Share", "account_ids": f"{OWN},{OTHER}"}),
            f"shares the document with {OTHER}, outside",
        ),
        unknown(document(permissions={"type": "Share", "account_ids": UNKNOWN}), "permissions.account_ids"),
        malformed(document(permissions="All"), "expected a map with type and account_ids"),
    ],
    "ssm-runs-reviewed-documents": [
        compliant(subject(ASSOCIATION, name="AWS-GatherSoftwareInventory")),
        compliant(window_task(), label="window-task"),
        violating(
            subject(ASSOCIATION, name="AWS-RunShellScript", parameters={"commands": "curl x | sh"}),
            'name is "AWS-RunShellScript", not a reviewed document',
        ),
        violating(
            window_task(taskType="LAMBDA", taskArn=f"arn:aws:lambda:eu-west-1:{OWN}:function:f"),
            'taskType is "LAMBDA"',
            label="lambda-task",
        ),
        violating(
            subject(ASSOCIATION, name="AWS-UpdateSSMAgent"),
            "not a reviewed document (AWS-RunPatchBaseline)",
            config={"ssm-runs-reviewed-documents": {"allowedDocuments": ["AWS-RunPatchBaseline"]}},
            label="narrowed",
        ),
        unknown(subject(ASSOCIATION, name=UNKNOWN), "name"),
        unknown(window_task(taskType=UNKNOWN), "taskType", label="task-type"),
        malformed(window_task(taskArn=["AWS-RunPatchBaseline"]), "not a reviewed document"),
    ],
    "ssm-service-settings-reviewed": [
        compliant(subject(SERVICE_SETTING, settingId=PUBLIC_SHARING, settingValue="Disable")),
        compliant(
            subject(
                SERVICE_SETTING, settingId="/ssm/parameter-store/high-throughput-enabled", settingValue="true"
            ),
            label="throughput",
        ),
        violating(
            subject(SERVICE_SETTING, settingId=PUBLIC_SHARING, settingValue="Enable"),
            'settingValue is "Enable" for /ssm/documents/console/public-sharing-permission',
        ),
        violating(
            subject(SERVICE_SETTING, settingId="/ssm/some/new-setting", settingValue="x"),
            "is not a reviewed Systems Manager setting",
            label="unreviewed",
        ),
        unknown(subject(SERVICE_SETTING, settingId=PUBLIC_SHARING, settingValue=UNKNOWN), "settingValue"),
        malformed(
            subject(SERVICE_SETTING, settingId=PUBLIC_SHARING, settingValue=False), "settingValue is false"
        ),
    ],
    "ssm-no-hybrid-activation": [
        absent(
            "compliant", "every activation lets machines outside AWS join; only a waiver lets one through"
        ),
        violating(
            subject(ACTIVATION, iamRole="hybrid", registrationLimit=1),
            'role "hybrid" to any machine that presents its code',
        ),
        absent("unknown", "the activation is blocked whatever its inputs, known or not"),
        absent("malformed", "no input changes the verdict, so none can be malformed"),
    ],
}
