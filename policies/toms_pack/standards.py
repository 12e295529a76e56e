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
# AWS's recommended successor of TLS13-1-2-Res-2021-06: the same TLS 1.2/1.3 protocols and restricted
# ciphers, plus hybrid post-quantum (ML-KEM) key exchange for clients that offer it; see
# docs/edge-and-service.md.
DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
# The TLS 1.2/1.3-only policies the pack admits unless a client's pack config narrows the list.
ALLOWED_TLS_POLICIES: tuple[str, ...] = (
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
)

# The database parameter that makes each engine family refuse unencrypted connections, and the values
# that do so.
TLS_PARAMETERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "postgres": ("rds.force_ssl", ("1",)),
    "mysql": ("require_secure_transport", ("1", "ON", "on")),
    "mariadb": ("require_secure_transport", ("1", "ON", "on")),
}
# The parameter that sets each engine family's oldest accepted TLS version, and the values that accept
# nothing older than TLS 1.2. Unset, the engine's default applies, which is TLS 1.0 on older versions.
TLS_VERSION_PARAMETERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "postgres": ("ssl_min_protocol_version", ("TLSv1.2", "TLSv1.3")),
    "mysql": ("tls_version", ("TLSv1.2", "TLSv1.3", "TLSv1.2,TLSv1.3")),
    "mariadb": ("tls_version", ("TLSv1.2", "TLSv1.3", "TLSv1.2,TLSv1.3")),
}
# The RDS certificate authority databases present: RSA 2048 with SHA-256, valid until 2061 (rds-ca-2019,
# the API's former default, expired in August 2024).
RDS_CA_CERTIFICATE_IDENTIFIER = "rds-ca-rsa2048-g1"

# Tags the AWS provider applies to every taggable resource (default tags), and the one data stores add.
TAG_CLIENT = "client"
TAG_MANAGED_BY = "managed-by"
TAG_TOMS_VERSION = "toms-version"
TAG_DATA_CLASSIFICATION = "data-classification"
# The tags the pack asks of every taggable resource by default, in any program; toms' own stacks add
# TOMS_STACK_TAGS through their pack config (stacks/policy-config).
REQUIRED_TAGS: tuple[str, ...] = (TAG_CLIENT, TAG_MANAGED_BY)
TOMS_STACK_TAGS: tuple[str, ...] = (*REQUIRED_TAGS, TAG_TOMS_VERSION)
MANAGED_BY = "pulumi"

# The smallest number of running copies of a service: one can fail while the other serves.
MIN_REPLICAS = 2
# The most copies a client may ask for (ECS scales a service to at most this many in the baseline).
MAX_REPLICAS = 100

# AWS KMS accepts a deletion window of 7 to 30 days; the longest gives the most time to notice a mistake.
KMS_DELETION_WINDOW_DAYS = 30

OBJECT_LOCK_MODES: tuple[str, ...] = ("GOVERNANCE", "COMPLIANCE")

# `data-classification` values. A bucket carrying the tag holds personal data or its evidence and needs a
# customer-managed key; the log archive also needs Object Lock and a lifecycle expiry.
DATA_CLASSIFICATION_PERSONAL = "personal-data"
DATA_CLASSIFICATION_LOG_ARCHIVE = "log-archive"
# Load balancer access logs (they hold client IP addresses). ALB writes them only to SSE-S3 buckets, so
# this is the one classification that does not need a customer-managed key.
DATA_CLASSIFICATION_ACCESS_LOGS = "access-logs"
SSE_S3_ONLY_CLASSIFICATIONS: tuple[str, ...] = (DATA_CLASSIFICATION_ACCESS_LOGS,)

# The retention bounds the pack applies when a client's pack config does not narrow them. A week of
# restore points is the least the restore commitment needs; CloudWatch Logs retention between a month and
# 400 days covers every client's contract without ever keeping logs forever.
BACKUP_RETENTION_DEFAULT_MIN_DAYS = 7
LOG_RETENTION_DEFAULT_MIN_DAYS = 30
LOG_RETENTION_DEFAULT_MAX_DAYS = 400
ARCHIVE_RETENTION_DEFAULT_MIN_DAYS = 30
ARCHIVE_RETENTION_DEFAULT_MAX_DAYS = 3653
# Days a bucket keeps an object version after it stops being current (after its retention expired it),
# so nothing outlives its retention by more than a day; the buckets are built so and the audit checks it.
NONCURRENT_VERSION_DAYS = 1

# Load-balancer settings the edge component applies and the pack and audit may check: strictest HTTP desync
# mitigation, and HSTS for a year on every HTTPS response (no `preload`: that is the client's domain-wide
# commitment to make).
LB_DESYNC_MITIGATION_MODE = "strictest"
# The shortest HSTS max-age the pack accepts: one year, what browsers' HSTS guidance asks for.
HSTS_MIN_MAX_AGE_SECONDS = 31536000
HSTS_HEADER_VALUE = f"max-age={HSTS_MIN_MAX_AGE_SECONDS}; includeSubDomains"
# The longest a failed container may keep receiving requests from the load balancer, in seconds.
MAX_SECONDS_TO_OUT_OF_ROTATION = 30

# Seconds ECS waits before load-balancer health checks may stop a new task: long enough to start the app.
MIN_HEALTH_CHECK_GRACE_SECONDS = 30
# A rolling deployment keeps every running copy until its replacement is healthy.
MIN_HEALTHY_PERCENT = 100

# ECS log drivers that always send a container's logs off the host: to CloudWatch Logs, through a
# FireLens router, or to Splunk's HTTP collector (the three Fargate supports). json-file, journald, local
# and none keep logs on the host or drop them; syslog, fluentd and gelf only leave it when pointed at a
# remote address, which a policy cannot tell from a local one.
OFF_HOST_LOG_DRIVERS: tuple[str, ...] = ("awslogs", "awsfirelens", "splunk")

# Ports that may be open to the internet (the load balancer's HTTP redirect and HTTPS), and the admin
# ports that may never be reachable from a public address.
PUBLIC_INGRESS_PORTS: tuple[int, ...] = (80, 443)
ADMIN_PORTS: tuple[int, ...] = (22, 3389)
# Database, cache and search ports, which no config may open to the internet: PostgreSQL, MySQL/MariaDB,
# SQL Server, Oracle, Redshift, MongoDB/DocumentDB, Cassandra/Keyspaces, Redis/Valkey, Memcached,
# Elasticsearch/OpenSearch (HTTP and transport), Neptune.
DATA_STORE_PORTS: tuple[int, ...] = (
    5432, 3306, 1433, 1521, 5439, 27017, 9042, 6379, 11211, 9200, 9300, 8182,
)  # fmt: skip

# The alarms every client's baseline has, named `toms-<client>-<purpose>`: the program makes them
# (components/alarms.py and the component each watches) and the live audit finds them by these names.
ALARM_EXPORT_FAILING = "log-export-delivery-failing"
ALARM_EXPORT_STALE = "log-export-stale"
ALARM_TASKS_BELOW_REPLICAS = "tasks-below-replicas"
ALARM_UNHEALTHY_TARGETS = "unhealthy-targets"
ALARM_SERVER_ERROR_RATE = "server-error-rate"
ALARM_DATABASE_STORAGE = "database-free-storage-low"
# The CIS AWS Foundations Benchmark 4.1-4.15 metric filters on the trail's log group, one alarm each.
CIS_ALARMS: tuple[str, ...] = (
    "cis-unauthorized-api-calls",
    "cis-console-login-without-mfa",
    "cis-root-account-usage",
    "cis-iam-policy-changes",
    "cis-cloudtrail-changes",
    "cis-console-login-failures",
    "cis-key-disabled-or-deleted",
    "cis-bucket-policy-changes",
    "cis-config-changes",
    "cis-security-group-changes",
    "cis-network-acl-changes",
    "cis-network-gateway-changes",
    "cis-route-table-changes",
    "cis-vpc-changes",
    "cis-organizations-changes",
)
BASELINE_ALARMS: tuple[str, ...] = (
    ALARM_EXPORT_FAILING,
    ALARM_EXPORT_STALE,
    ALARM_TASKS_BELOW_REPLICAS,
    ALARM_UNHEALTHY_TARGETS,
    ALARM_SERVER_ERROR_RATE,
    ALARM_DATABASE_STORAGE,
    *CIS_ALARMS,
)
ALERT_TOPIC_PURPOSE = "alerts"

# The AWS managed rule groups of the web ACL in front of every client's load balancer, in evaluation order
# (components/waf.py builds it, the live audit checks the load balancer's web ACL has each, blocking).
WAF_MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesCommonRuleSet",
)
# The vendor of AWS's own managed rule groups.
WAF_MANAGED_VENDOR = "AWS"

# KMS actions that read or write data under a key, or let a principal do so later (a grant): what a key
# policy may give only to named principals, never to AWS "*".
KMS_KEY_USE_ACTIONS: tuple[str, ...] = (
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:CreateGrant",
)


def out_of_rotation_bound_seconds(interval: int, timeout: int, unhealthy_threshold: int) -> int:
    """The longest time from a target's failure until the load balancer stops routing requests to it.

    Worst case, the target fails just after a passing check: `unhealthy_threshold` failing checks must
    start, one per `interval` (counted from the start of one check to the start of the next), and the
    last of them fails at the latest when its `timeout` runs out.
    """
    return unhealthy_threshold * interval + timeout


def is_allowed_tls_policy(name: object) -> bool:
    """True for an ALB security policy that allows only TLS 1.2 and TLS 1.3."""
    return isinstance(name, str) and TLS_POLICY_PATTERN.fullmatch(name) is not None
