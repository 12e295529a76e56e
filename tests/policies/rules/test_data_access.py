"""Who may sign in to a data store: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

import json
from typing import Any

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, KEY_ARN, with_props
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

CACHE_USER = "aws:elasticache/user:User"
MEMORYDB_USER = "aws:memorydb/user:User"
USER_GROUP = "aws:elasticache/userGroup:UserGroup"
USER_GROUP_ASSOCIATION = "aws:elasticache/userGroupAssociation:UserGroupAssociation"
ACL = "aws:memorydb/acl:Acl"
MEMORYDB = "aws:memorydb/cluster:Cluster"
SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
ACCESS_POLICY = "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy"
PACKAGE = "aws:opensearch/package:Package"
PROFILE = "aws:redshift/authenticationProfile:AuthenticationProfile"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SERVERLESS_CACHE = "aws:elasticache/serverlessCache:ServerlessCache"
APPLICATION = "aws:opensearch/application:Application"
IAM_USER = {
    "userId": "orders-api",
    "userName": "orders-api",
    "engine": "valkey",
    "accessString": "on ~orders:* +@read",
}
RULES = [{"ResourceType": "collection", "Resource": ["collection/logs"]}]


def cache_user(**props: Any) -> ResourceInput:
    merged = {**IAM_USER, "authenticationMode": {"type": "iam"}, **props}
    return with_props(CACHE_USER, {key: value for key, value in merged.items() if value is not DELETE})


def security_policy(kind: str, document: Any) -> ResourceInput:
    text = document if isinstance(document, str) or document is UNKNOWN else json.dumps(document)
    return with_props(SECURITY_POLICY, {"name": "logs", "type": kind, "policy": text})


def profile(content: Any) -> ResourceInput:
    return with_props(
        PROFILE, {"authenticationProfileName": "bi", "authenticationProfileContent": json.dumps(content)}
    )


def access_policy(*principals: Any) -> ResourceInput:
    document = [{"Rules": RULES, "Principal": list(principals)}]
    return with_props(ACCESS_POLICY, {"name": "logs", "type": "data", "policy": json.dumps(document)})


CASES: dict[str, list[Case]] = {
    "cache-user-authentication": [
        compliant(cache_user()),
        compliant(
            cache_user(
                userId="disabled-default",
                userName="default",
                accessString="off ~* +@all nopass",
                authenticationMode={"type": "no-password-required"},
            ),
            label="disabled-default-user",
        ),
        compliant(
            with_props(
                MEMORYDB_USER,
                {"userName": "api", "accessString": "on ~* +@read", "authenticationMode": {"type": "iam"}},
            ),
            label="memorydb-iam-user",
        ),
        compliant(
            with_props(
                USER_GROUP,
                {"userGroupId": "app", "engine": "valkey", "userIds": ["disabled-default", "orders-api"]},
            )
        ),
        compliant(with_props(MEMORYDB, {"name": "sessions", "aclName": "app"}), label="memorydb-cluster"),
        violating(
            cache_user(accessString="on ~* +@all nopass", authenticationMode=DELETE),
            "the user is enabled and needs no password",
        ),
        violating(cache_user(noPasswordRequired=True, authenticationMode=DELETE), "needs no password"),
        violating(
            cache_user(authenticationMode={"type": "password", "passwords": ["correct horse battery"]}),
            "authenticationMode.passwords is set",
        ),
        violating(
            cache_user(passwords=["hunter2hunter2hunter2"]), "passwords is set: a password in the inputs"
        ),
        violating(
            with_props(
                MEMORYDB_USER,
                {
                    "userName": "api",
                    "accessString": "on ~* +@all",
                    "authenticationMode": {"type": "password", "passwords": ["p" * 16]},
                },
            ),
            'authenticationMode.type is "password"',
        ),
        violating(
            with_props(
                USER_GROUP, {"userGroupId": "app", "engine": "redis", "userIds": ["default", "orders-api"]}
            ),
            'userIds includes "default"',
        ),
        violating(
            with_props(USER_GROUP_ASSOCIATION, {"userGroupId": "app", "userId": "default"}), "built-in user"
        ),
        violating(with_props(ACL, {"name": "app", "userNames": ["default"]}), 'userNames includes "default"'),
        violating(
            with_props(MEMORYDB, {"name": "sessions", "aclName": "open-access"}), 'aclName is "open-access"'
        ),
        compliant(with_props(REPLICATION_GROUP, {"userGroupIds": ["app"]}), label="replication-group"),
        compliant(
            with_props(SERVERLESS_CACHE, {"engine": "valkey", "userGroupId": "app"}), label="serverless"
        ),
        violating(with_props(REPLICATION_GROUP, {}), "userGroupIds is not set: every client"),
        violating(
            with_props(REPLICATION_GROUP, {"userGroupIds": ["app"], "authToken": "x" * 16}),
            "authToken is set",
        ),
        violating(with_props(SERVERLESS_CACHE, {"engine": "memcached"}), "userGroupId is not set"),
        unknown(with_props(SERVERLESS_CACHE, {"engine": "valkey", "userGroupId": UNKNOWN}), "userGroupId"),
        unknown(cache_user(accessString=UNKNOWN), "accessString"),
        unknown(with_props(ACL, {"name": "app", "userNames": [UNKNOWN]}), "userNames[0]"),
        unknown(with_props(USER_GROUP, {"userGroupId": "app", "userIds": UNKNOWN}), "userIds", label="list"),
        violating(
            with_props(USER_GROUP, {"userGroupId": "app", "userIds": [UNKNOWN, "default"]}),
            'userIds includes "default"',
            label="beside-unknown",
        ),
        unknown(
            with_props(USER_GROUP, {"userGroupId": "app", "userIds": ["app", UNKNOWN]}),
            "userIds[1]",
            label="one-item",
        ),
        malformed(cache_user(accessString=["on", "~*"]), "expected a Redis ACL string"),
        malformed(
            with_props(USER_GROUP, {"userGroupId": "app", "userIds": {"default": True}}),
            "expected a list of user ids",
        ),
    ],
    "redshift-authentication-profile-no-secrets": [
        compliant(profile({"AllowDBUserOverride": "1", "Client_ID": "redshift-app", "App_ID": "0oa1"})),
        violating(
            profile({"plugin_name": "AzureCredentialsProvider", "client_secret": "s3cr3t"}), "client_secret"
        ),
        violating(
            profile({"plugin_name": "Okta", "idp_url": "https://bi:hunter2@idp.example.com"}),
            "option idp_url looks like a secret",
        ),
        unknown(
            with_props(PROFILE, {"authenticationProfileName": "bi", "authenticationProfileContent": UNKNOWN}),
            "authenticationProfileContent",
        ),
        malformed(profile(["client_id"]), "not a JSON object of options"),
        malformed(
            with_props(
                PROFILE, {"authenticationProfileName": "bi", "authenticationProfileContent": "{not json"}
            ),
            "not a JSON object of options",
        ),
    ],
    "opensearch-serverless-policies": [
        compliant(security_policy("encryption", {"Rules": RULES, "AWSOwnedKey": False, "KmsARN": KEY_ARN})),
        compliant(
            security_policy(
                "network", [{"Rules": RULES, "AllowFromPublic": False, "SourceVPCEs": ["vpce-1"]}]
            ),
            label="network-private",
        ),
        compliant(access_policy("arn:aws:iam::111122223333:role/search-readers"), label="named-principal"),
        violating(security_policy("encryption", {"Rules": RULES, "AWSOwnedKey": True}), "an AWS-owned key"),
        violating(
            security_policy("encryption", {"Rules": RULES, "AWSOwnedKey": False, "KmsARN": "alias/aws/aoss"}),
            'KmsARN is "alias/aws/aoss"',
        ),
        violating(
            security_policy("network", [{"Rules": RULES, "AllowFromPublic": True}]),
            "policy[0] AllowFromPublic is true",
        ),
        violating(access_policy("*"), 'policy[0] Principal includes "*"'),
        unknown(security_policy("encryption", UNKNOWN), "policy"),
        unknown(with_props(SECURITY_POLICY, {"name": "logs", "type": UNKNOWN, "policy": "{}"}), "type"),
        malformed(security_policy("network", "{not json"), "policy is not JSON"),
        malformed(security_policy("network", "42"), "expected a list of rule sets"),
    ],
    "feature-needs-review": [
        compliant(with_props(PACKAGE, {"packageName": "synonyms", "packageType": "TXT-DICTIONARY"})),
        violating(
            with_props(PACKAGE, {"packageName": "custom", "packageType": "ZIP-PLUGIN"}), "a plugin runs"
        ),
        violating(
            with_props("aws:eks/identityProviderConfig:IdentityProviderConfig", {"clusterName": "apps"}),
            "lets an OIDC provider's users sign in",
        ),
        violating(
            with_props("aws:eks/capability:Capability", {"capabilityName": "ack", "type": "ACK"}),
            "creates whatever its Kubernetes manifests say",
        ),
        violating(
            with_props("aws:dynamodb/globalTable:GlobalTable", {"name": "orders", "replicas": []}),
            "the 2017 version of global tables",
        ),
        compliant(with_props(APPLICATION, {"name": "search-ui", "kmsKeyArn": KEY_ARN}), label="application"),
        violating(
            with_props(APPLICATION, {"name": "search-ui", "iamIdentityCenterOptions": {"enabled": True}}),
            "IAM Identity Center's users sign in to OpenSearch UI",
        ),
        unknown(
            with_props(APPLICATION, {"name": "search-ui", "iamIdentityCenterOptions": {"enabled": UNKNOWN}}),
            "iamIdentityCenterOptions.enabled",
        ),
        unknown(with_props(PACKAGE, {"packageName": "custom", "packageType": UNKNOWN}), "packageType"),
        malformed(
            with_props(PACKAGE, {"packageName": "custom", "packageType": ["ZIP-PLUGIN"]}), "a plugin runs"
        ),
    ],
}
