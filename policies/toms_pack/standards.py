"""Values that the components build with and the policies, the audit and the report check against.

Each constant is defined here once; nothing else in the repository repeats one of them.
"""

from __future__ import annotations

import re

# Values that CloudWatch Logs accepts for `retentionInDays`. 0 ("never expire") is deliberately absent:
# the annex promises a predetermined retention time.
CLOUDWATCH_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# RDS keeps automated backups for 1 to 35 days; 0 would switch them off.
BACKUP_RETENTION_MIN_DAYS = 1
BACKUP_RETENTION_MAX_DAYS = 35

# ALB security policies that negotiate TLS 1.2 and 1.3 only. `ELBSecurityPolicy-TLS13-1-0-*` and
# `-TLS13-1-1-*` carry "TLS13" in their names but still accept TLS 1.0 / 1.1, and the API's default
# (`ELBSecurityPolicy-2016-08`) accepts TLS 1.0: neither may ever be used.
TLS_POLICY_PATTERN = re.compile(r"^ELBSecurityPolicy-TLS13-1-[23]-[A-Za-z0-9-]+$")
DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"

# Tags the AWS provider applies to every taggable resource (default tags), and the one data stores add.
TAG_CLIENT = "client"
TAG_MANAGED_BY = "managed-by"
TAG_TOMS_VERSION = "toms-version"
TAG_DATA_CLASSIFICATION = "data-classification"
REQUIRED_TAGS: tuple[str, ...] = (TAG_CLIENT, TAG_MANAGED_BY, TAG_TOMS_VERSION)
MANAGED_BY = "pulumi"

# The smallest number of running copies of a service: one can fail while the other serves.
MIN_REPLICAS = 2

# AWS KMS accepts a deletion window of 7 to 30 days; the longest gives the most time to notice a mistake.
KMS_DELETION_WINDOW_DAYS = 30

OBJECT_LOCK_MODES: tuple[str, ...] = ("GOVERNANCE", "COMPLIANCE")


def is_allowed_tls_policy(name: object) -> bool:
    """True for an ALB security policy that allows only TLS 1.2 and TLS 1.3."""
    return isinstance(name, str) and TLS_POLICY_PATTERN.fullmatch(name) is not None
