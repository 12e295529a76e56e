"""Log groups and CloudTrail trails: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

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
from tests.policies.samples import DELETE, resource
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TRAIL = "aws:cloudtrail/trail:Trail"

CASES: dict[str, list[Case]] = {
    "log-group-retention": [
        violating(resource(LOG_GROUP, retentionInDays=0), "kept forever"),
        violating(resource(LOG_GROUP, retentionInDays=DELETE), "kept forever"),
        violating(resource(LOG_GROUP, retentionInDays=3653), "expected between 30 and 400"),
        violating(resource(LOG_GROUP, retentionInDays=100), "does not accept"),
        compliant(resource(LOG_GROUP)),
        unknown(resource(LOG_GROUP, retentionInDays=UNKNOWN), "retentionInDays"),
        malformed(resource(LOG_GROUP, retentionInDays="ninety"), 'retentionInDays is "ninety"'),
    ],
    "log-group-kms": [
        violating(resource(LOG_GROUP, kmsKeyId=""), 'kmsKeyId is ""'),
        violating(
            resource(LOG_GROUP, kmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/aws/logs"),
            "an AWS-managed key",
        ),
        compliant(resource(LOG_GROUP)),
        absent("unknown", "an unknown key ARN in preview is a key that exists: a reference counts as set"),
        malformed(resource(LOG_GROUP, kmsKeyId=["arn:aws:kms:eu-west-1:1:key/x"]), "kmsKeyId is ["),
    ],
    "cloudtrail-secure": [
        violating(resource(TRAIL, enableLogFileValidation=False), "enableLogFileValidation is false"),
        violating(resource(TRAIL, isMultiRegionTrail=DELETE, kmsKeyId=DELETE), "isMultiRegionTrail"),
        violating(resource(TRAIL, kmsKeyId="alias/aws/cloudtrail"), "an AWS-managed key"),
        compliant(resource(TRAIL)),
        unknown(resource(TRAIL, enableLogFileValidation=UNKNOWN), "enableLogFileValidation"),
        malformed(resource(TRAIL, isMultiRegionTrail="true"), 'isMultiRegionTrail is "true"'),
    ],
}
