"""The one client context every component is built from: who the client is and where its stack lives.

It is made once from the validated stack configuration (`ClientContext.of`) and handed to each component,
so no component repeats client, account, region or partition in its own arguments, and none has a default
for them: a GovCloud or China stack cannot silently build `arn:aws:` ARNs.

ARNs the baseline needs before AWS has created anything (key policy principals, bucket policies, alarm
actions, the task's parameters) are computed here from names the program chooses, so every policy of
the pack can judge them in the first preview of a new stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from components.config import ClientConfig
from policies.toms_pack import standards
from toms import __version__


@dataclass(frozen=True)
class ClientContext:
    """One client's stack: its name, the AWS account, region and partition it lives in, and the tags the
    stack's provider puts on every taggable resource."""

    client: str
    account_id: str
    region: str
    partition: str
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, config: ClientConfig) -> ClientContext:
        return cls(
            client=config.client,
            account_id=config.account_id,
            region=config.region,
            partition=config.partition,
            tags=MappingProxyType(
                {
                    standards.TAG_CLIENT: config.client,
                    standards.TAG_MANAGED_BY: standards.MANAGED_BY,
                    standards.TAG_TOMS_VERSION: __version__,
                }
            ),
        )

    def name(self, purpose: str) -> str:
        """The name of a resource the baseline names itself: `toms-<client>-<purpose>`."""
        return f"toms-{self.client}-{purpose}"

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        """An ARN in this stack's partition and account; IAM and S3 ARNs carry no region."""
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    @property
    def account_root_arn(self) -> str:
        return self.arn("iam", "root", regional=False)

    def role_arn(self, purpose: str) -> str:
        """The ARN of the baseline role `purpose` (see `components.iam.ServiceRole`)."""
        return self.arn("iam", f"role/{self.name(purpose)}", regional=False)

    def log_group_arn(self, log_group_name: str) -> str:
        return self.arn("logs", f"log-group:{log_group_name}")

    def bucket_arn(self, bucket_name: str) -> str:
        return f"arn:{self.partition}:s3:::{bucket_name}"

    def parameter_arn(self, parameter_name: str) -> str:
        """An SSM parameter's ARN; the name starts with '/', which the ARN does not repeat."""
        return self.arn("ssm", f"parameter/{parameter_name.lstrip('/')}")

    def service_endpoint(self, service: str) -> str:
        """The regional endpoint `kms:ViaService` names, e.g. secretsmanager.eu-west-1.amazonaws.com."""
        return f"{service}.{self.region}.amazonaws.com"
