"""IAM documents the components share: every role of the baseline is assumed by one AWS service, under
conditions that tie it to this client's account, and is granted named actions on named resources."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

POLICY_VERSION = "2012-10-17"


def policy_document(*statements: Mapping[str, Any]) -> str:
    """A policy document (identity, resource or trust policy) of the given statements, as JSON."""
    return json.dumps({"Version": POLICY_VERSION, "Statement": list(statements)})


def allow(sid: str, actions: Sequence[str], resources: str | Sequence[str]) -> dict[str, Any]:
    """An Allow statement for named actions on named resources."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": resources if isinstance(resources, str) else list(resources),
    }


def service_trust_policy(service: str, condition: Mapping[str, Any]) -> str:
    """Only `service`, and only under `condition` (no confused deputy), may assume the role."""
    return policy_document(
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": dict(condition),
        }
    )
