"""The measure catalogue: every line of the data-processing agreement's Annex II, and what implements it.

This is the one place where a TOM line is tied to the components that build it, the policies that
enforce it and the live checks that verify it. The pack reads it to say which TOM line a policy
enforces, the audit to say which measure a check serves, and the report to lay out the annex.
`tests/policies/test_catalogue.py` fails when a policy or audit check names no measure, or a technical
measure names nothing.

Organisational measures are those that code cannot enforce; they say so and name what backs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MeasureKind = Literal["technical", "organisational"]

# The evidence produced by `python -m toms restore-drill`; listed with the audit checks it complements.
RESTORE_DRILL = "restore-drill"


@dataclass(frozen=True)
class Measure:
    """One `- ` line of Annex II."""

    id: str
    heading: str
    commitment: str
    kind: MeasureKind
    components: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    audit_checks: tuple[str, ...] = ()
    # What code cannot show: for an organisational measure, what backs it; for a technical one, the part
    # of the commitment that remains a process (empty when code covers it all).
    organisational_part: str = ""
    # The commitment itself is a claim about what happened (a yearly restore test): only live evidence shows
    # it, so without that evidence the report says "not verified" however well the infrastructure is built.
    needs_live_evidence: bool = False
    # The infrastructure covers part of the commitment; the rest (`organisational_part`) is a process the
    # report cannot verify, so the measure is at best "partly organisational".
    partly_organisational: bool = False

    @property
    def line(self) -> str:
        """The annex line as written, heading and commitment."""
        return f"{self.heading}: {self.commitment}" if self.commitment else f"{self.heading}:"


MEASURES: tuple[Measure, ...] = (
    Measure(
        id="encryption",
        heading="Measures of pseudonymisation and encryption of personal data",
        commitment="All data in db is encrypted at rest and in transit",
        kind="technical",
        components=("toms:keys:ClientKey", "toms:database:EncryptedDatabase"),
        policies=(
            "kms-key-rotation-period",
            "db-parameter-group-tls-version",
            "eks-cluster-hardened",
            "kms-key-policy-restricted",
            "kms-grant-restricted",
            "lb-listener-plaintext-ports",
            "s3-object-encrypted-cmk",
            "ebs-copies-encrypted",
            "datastore-encrypted-cmk",
            "datastore-tls",
            "datastore-policy-requires-tls",
            "datastore-links-declared",
            "opensearch-serverless-policies",
            "rds-option-group-secure",
            "rds-storage-encrypted-cmk",
            "rds-snapshot-encrypted-cmk",
            "rds-parameter-group-forces-tls",
            "kms-key-rotation",
            "kms-deletion-window",
        ),
        audit_checks=("rds-encryption", "rds-force-ssl", "kms-rotation", "kms-no-wildcard-use"),
        organisational_part="Pseudonymisation is a property of the application's data model, not of the "
        "infrastructure.",
    ),
    Measure(
        id="ongoing-security",
        heading="Measures for ensuring ongoing confidentiality, integrity, availability and resilience of "
        "processing systems and services",
        commitment="",
        kind="technical",
        components=("toms:network:Network", "toms:edge:WebFirewall"),
        policies=(
            "security-group-public-ingress",
            "security-group-rule-description",
            "required-tags",
            "lb-waf-associated",
        ),
        audit_checks=("lb-waf",),
        organisational_part="The annex gives this heading no commitment of its own; the Availability, "
        "Integrity and Confidentiality lines below it carry the detail.",
    ),
    Measure(
        id="server-access",
        heading="Availability",
        commitment="Access to servers is limited to authorized personnel only,",
        kind="technical",
        components=(
            "toms:network:Network",
            "toms:service:SelfHealingService",
            "toms:database:EncryptedDatabase",
        ),
        policies=(
            "ec2-no-automatic-public-address",
            "eks-cluster-hardened",
            "ecs-task-host-isolation",
            "iam-trust-policy-restricted",
            "datastore-not-public",
            "snapshot-not-shared",
            "s3-acl-private",
            "s3-copies-stay-with-client",
            "data-destinations-within-accounts",
            "ssm-document-not-shared",
            "ssm-runs-reviewed-documents",
            "ssm-no-hybrid-activation",
            "data-shared-with-listed-accounts",
            "datastore-links-declared",
            "opensearch-serverless-policies",
            "eks-access-restricted",
            "eks-node-group-remote-access",
            "rds-not-publicly-accessible",
            "ecs-service-no-public-ip",
            "ec2-no-public-ip",
            "ec2-imdsv2",
            "security-group-admin-ports",
            "security-group-public-ingress",
        ),
        audit_checks=(),
        organisational_part="Who counts as authorized personnel is decided by the IAM access process.",
    ),
    Measure(
        id="change-review",
        heading="Integrity",
        commitment="All data changes are handled through alembic updates which go through a review process,",
        kind="technical",
        components=("toms:logging:AuditTrail",),
        policies=(
            "cloudtrail-management-events",
            "cloudtrail-secure",
        ),
        audit_checks=("cloudtrail-logging", "cloudtrail-validation", "cloudtrail-kms"),
        organisational_part="Schema changes are reviewed as alembic migrations in code review; the trail "
        "records every infrastructure change and who made it.",
        partly_organisational=True,
    ),
    Measure(
        id="resilience",
        heading="Confidentiality",
        commitment="Access to view data is limited to those who have access to the server(s), resilience of "
        "processing systems and services: Servers and services are redundant. If a service goes out it will "
        "automatically create a new container to maintain replica requirement",
        kind="technical",
        components=(
            "toms:service:SelfHealingService",
            "toms:edge:TlsLoadBalancer",
            "toms:database:EncryptedDatabase",
            "toms:network:Network",
            "toms:monitoring:AlertTopic",
        ),
        policies=(
            "cluster-instances-across-zones",
            "ecs-service-across-zones",
            "ecs-service-health-check-grace-bounded",
            "lambda-no-plaintext-secrets",
            "ecs-autoscaling-min-capacity",
            "ecs-task-host-isolation",
            "ecs-log-router-secure",
            "datastore-redundant",
            "ecs-service-min-replicas",
            "ecs-service-circuit-breaker",
            "ecs-service-min-healthy-percent",
            "ecs-service-health-check-grace",
            "ecs-service-load-balanced",
            "lb-target-health-check-bound",
            "ecs-task-health-check",
            "ecs-task-read-only-root",
            "ecs-task-not-privileged",
            "ecs-task-no-plaintext-secrets",
            "rds-multi-az",
            "alarm-has-actions",
        ),
        audit_checks=("ecs-replicas", "ecs-circuit-breaker", "ecs-deployment-healthy", "rds-multi-az"),
    ),
    Measure(
        id="restore",
        heading="Measures for ensuring the ability to restore the availability and access to personal data "
        "in a timely manner in the event of a physical or technical incident",
        commitment="Internal processes are documented and used to maintain uptime for clients",
        kind="technical",
        components=("toms:database:EncryptedDatabase",),
        policies=(
            "datastore-backups",
            "rds-backup-retention",
            "rds-deletion-protection",
            "rds-final-snapshot",
        ),
        audit_checks=("rds-backup-retention", "rds-deletion-protection", "rds-recent-snapshot"),
        organisational_part="The runbook for incidents is kept with the operations documentation.",
        partly_organisational=True,
    ),
    Measure(
        id="testing",
        heading="Processes for regularly testing, assessing and evaluating the effectiveness of technical "
        "and organisational measures in order to ensure the security of the processing",
        commitment="All restoration processes are tested on a yearly basis",
        kind="technical",
        components=("toms:database:EncryptedDatabase",),
        # The waiver reports keep every exemption from the other policies visible in the evidence.
        policies=("waived-findings", "waived-stack-findings"),
        audit_checks=(RESTORE_DRILL,),
        organisational_part="The drill is scheduled at least yearly; the policy pack and the live audit "
        "assess the other measures on every preview and on demand.",
        needs_live_evidence=True,
    ),
    Measure(
        id="identification",
        heading="Measures for user identification and authorisation",
        commitment="Server access requires account and valid pub key",
        kind="technical",
        components=("toms:database:EncryptedDatabase", "toms:service:SelfHealingService"),
        policies=(
            "kms-key-policy-restricted",
            "kms-grant-restricted",
            "iam-trust-policy-restricted",
            "ssm-no-hybrid-activation",
            "iam-no-admin-access",
            "iam-user-no-access-keys",
            "rds-iam-authentication",
            "rds-no-plaintext-password",
            "cache-user-authentication",
            "redshift-authentication-profile-no-secrets",
            "eks-access-restricted",
            "feature-needs-review",
            "security-group-admin-ports",
        ),
        audit_checks=(),
        organisational_part="Accounts are issued and revoked through the joiner/leaver process.",
    ),
    Measure(
        id="transmission",
        heading="Measures for the protection of data during transmission",
        commitment="Data is encrypted in transit tls 1.2, 1.3",
        kind="technical",
        components=("toms:edge:TlsLoadBalancer", "toms:database:EncryptedDatabase"),
        policies=(
            "db-parameter-group-tls-version",
            "ecs-log-router-secure",
            "lb-listener-plaintext-ports",
            "elb-classic-tls",
            "cloudfront-tls",
            "apigateway-tls",
            "sns-subscription-https",
            "s3-no-website-endpoint",
            "datastore-tls",
            "datastore-policy-requires-tls",
            "rds-option-group-secure",
            "lb-tls-listener-policy",
            "lb-http-redirects-to-https",
            "lb-https-hsts",
            "lb-no-plain-http-forwarding",
            "lb-drop-invalid-headers",
            "lb-desync-strictest",
            "rds-parameter-group-forces-tls",
        ),
        audit_checks=("lb-listeners", "lb-attributes", "rds-force-ssl"),
    ),
    Measure(
        id="storage",
        heading="Measures for the protection of data during storage",
        commitment="Db instances are encrypted",
        kind="technical",
        components=("toms:keys:ClientKey", "toms:database:EncryptedDatabase", "toms:logging:LogArchive"),
        policies=(
            "kms-key-rotation-period",
            "s3-acls-disabled",
            "datastore-encrypted-cmk",
            "datastore-links-declared",
            "opensearch-serverless-policies",
            "ssm-parameter-secure-string",
            "rds-storage-encrypted-cmk",
            "rds-snapshot-encrypted-cmk",
            "s3-object-encrypted-cmk",
            "s3-copies-stay-with-client",
            "ebs-copies-encrypted",
            "s3-encryption",
            "s3-bucket-protected",
            "s3-public-access-block-complete",
            "log-group-kms",
            "ec2-encrypted-volumes",
            "kms-key-rotation",
        ),
        audit_checks=("rds-encryption", "archive-encryption", "log-group-kms", "kms-rotation"),
    ),
    Measure(
        id="physical",
        heading="Measures for ensuring physical security of locations at which personal data are processed",
        commitment="N/A Solely cloud based",
        kind="organisational",
        organisational_part="Physical security of the data centres is AWS's under the shared responsibility "
        "model, attested in AWS's SOC 2 and ISO 27001 reports.",
    ),
    Measure(
        id="logging",
        heading="Measures for ensuring events logging",
        commitment="Events are externally logged and kept off server for predetermined amount of time",
        kind="technical",
        components=(
            "toms:logging:LogArchive",
            "toms:logging:AuditTrail",
            "toms:network:Network",
            "toms:monitoring:AlertTopic",
        ),
        policies=(
            "eks-cluster-hardened",
            "cloudtrail-management-events",
            "log-subscription-ships-everything",
            "log-subscription-to-archive",
            "log-groups-declared",
            "log-group-retention",
            "log-group-kms",
            "log-group-exported",
            "s3-archive-object-lock",
            "s3-archive-lifecycle",
            "s3-versioning",
            "s3-versioning-not-suspended",
            "lb-access-logs",
            "rds-logs-exported",
            "redshift-audit-logging",
            "ecs-task-log-configuration",
            "cloudtrail-secure",
            "trail-records-archive-access",
            "alarm-has-actions",
            "ecs-cluster-container-insights",
        ),
        audit_checks=(
            "log-group-retention",
            "log-group-kms",
            "log-group-subscription",
            "archive-object-lock",
            "archive-public-access-block",
            "cloudtrail-logging",
            "cloudtrail-archive-data-events",
            "alarms-enabled",
            "alert-topic-encrypted",
        ),
    ),
    Measure(
        id="configuration",
        heading="Measures for ensuring system configuration, including default configuration",
        commitment="Standard set-up process enforced with ansible and preconfigured AMI’s where applicable",
        kind="technical",
        components=("toms:network:Network",),
        policies=(
            "ecr-repository-hardened",
            "ecr-created-repositories-templated",
            "resource-type-not-reviewed",
            "ssm-runs-reviewed-documents",
            "ssm-service-settings-reviewed",
            "feature-needs-review",
            "ec2-approved-ami",
            "required-tags",
            "lb-deletion-protection",
        ),
        audit_checks=(),
        organisational_part="Here the standard set-up is this Pulumi program, checked by the policy pack on "
        "every preview; hosts outside it keep their ansible and AMI process.",
        partly_organisational=True,
    ),
    Measure(
        id="governance",
        heading="Measures for internal IT and IT security governance and management",
        commitment="Self attested ISO 27001",
        kind="organisational",
        organisational_part="Self-attestation against ISO 27001; no infrastructure control implements it.",
    ),
    Measure(
        id="certification",
        heading="Measures for certification/assurance of processes and products",
        commitment="Maintained in CAIQ",
        kind="organisational",
        organisational_part="The CAIQ questionnaire is maintained outside this repository.",
    ),
    Measure(
        id="minimisation",
        heading="Measures for ensuring data minimisation",
        commitment="Only PII is email and name of user",
        kind="organisational",
        organisational_part="A property of the application's data model; the database is tagged with its "
        "data classification so the store holding the PII is identifiable.",
    ),
    Measure(
        id="data-quality",
        heading="Measures for ensuring data quality",
        commitment="Last updated date is recorded for data sets, error’s are thrown for missing required "
        "data fields",
        kind="organisational",
        organisational_part="Implemented in the application's schema and validation, not in infrastructure.",
    ),
    Measure(
        id="retention",
        heading="Measures for ensuring limited data retention",
        commitment="Per client basis as per their requirements",
        kind="technical",
        components=("toms:logging:LogArchive", "toms:database:EncryptedDatabase"),
        policies=(
            "log-groups-declared",
            "log-group-retention",
            "s3-archive-lifecycle",
            "s3-abort-incomplete-uploads",
            "rds-backup-retention",
        ),
        audit_checks=("log-group-retention", "archive-lifecycle", "rds-backup-retention"),
    ),
    Measure(
        id="accountability",
        heading="Measures for ensuring accountability",
        commitment="Cyber Security Policy: Disciplinary Action",
        kind="organisational",
        organisational_part="The Cyber Security Policy and its disciplinary procedure are HR documents.",
    ),
)

MEASURES_BY_ID: dict[str, Measure] = {measure.id: measure for measure in MEASURES}


def measures_for_policy(policy_name: str) -> tuple[Measure, ...]:
    """The measures a policy enforces, in annex order."""
    return tuple(measure for measure in MEASURES if policy_name in measure.policies)


def measures_for_audit_check(check_id: str) -> tuple[Measure, ...]:
    """The measures an audit check verifies, in annex order."""
    return tuple(measure for measure in MEASURES if check_id in measure.audit_checks)


def tom_reference(policy_name: str) -> str:
    """A short label of the TOM lines a policy enforces, for descriptions and messages."""
    return "; ".join(
        f"TOM {measure.id}: {measure.commitment or measure.heading}"
        for measure in measures_for_policy(policy_name)
    )
