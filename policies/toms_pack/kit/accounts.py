"""The client's accounts as rules see them, and the account an ARN or principal names.

The client's own account is the one the stack's AWS provider is pinned to (`allowedAccountIds`); a
policy's `trustedAccounts` setting adds others. A grant, a copy or a destination in any other account
leaves the client's control.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from typing import Any

from .settings import Settings
from .values import Resource

TRUSTED_ACCOUNTS: dict[str, Any] = {
    "type": "array",
    "description": "AWS account ids (12 digits) besides the provider's allowedAccountIds that may be granted "
    "access.",
    "items": {"type": "string", "pattern": r"^\d{12}$"},
    "default": [],
}


def own_accounts(resource: Resource, settings: Settings) -> frozenset[str]:
    """The provider's pinned accounts plus the config's `trustedAccounts`."""
    pinned = resource.provider_props.get("allowedAccountIds", [])
    if isinstance(pinned, str):  # the engine sends provider config as JSON-encoded strings
        try:
            pinned = json.loads(pinned)
        except json.JSONDecodeError:
            pinned = []
    listed = [str(account) for account in pinned] if isinstance(pinned, list) else []
    return frozenset(listed) | frozenset(settings.strings("trustedAccounts"))


def outside_accounts(accounts: Iterable[Any], allowed: Collection[str]) -> list[str]:
    """The accounts (as account-id strings) that are not among `allowed`."""
    return [str(account) for account in accounts if str(account) not in allowed]


def describe_accounts(accounts: frozenset[str]) -> str:
    return ", ".join(sorted(accounts)) or "none pinned"


# arn:<partition>:<service>:<region>:<account>:<resource>; the account is empty for S3 buckets and
# global resources, `aws` for AWS-owned resources (managed policies, base images).
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:")


def arn_account(value: Any) -> str | None:
    """The account an ARN names, `""` for an ARN without one (S3 buckets), None when it is not an ARN."""
    if not isinstance(value, str):
        return None
    match = _ARN.match(value.strip())
    if match is None:
        return None
    return match.group(1) or ""
