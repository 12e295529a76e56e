"""The AWS session of the live tools: one region, standard retries, the caller's identity, setup errors as
one line.

`AWS_ENDPOINT_URL` is honoured by botocore itself, which is how the tests point the tools at moto.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from rich.console import Console

from toms import __version__

# Standard mode retries throttling and transient errors with exponential backoff; 5 attempts
# rides out a short burst of throttling during an audit without hiding a real outage.
RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, user_agent_extra=f"toms/{__version__}")

# Error codes that mean the caller's identity is unusable, as opposed to one call being refused.
_CREDENTIAL_ERROR_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
        "AuthFailure",
    }
)


class AwsSetupError(Exception):
    """No usable credentials or region: the tools exit 2 with this message and no traceback."""


class AwsSession:
    """A session bound to one region, the account and partition it reaches (from STS), and clients created
    on first use."""

    def __init__(self, region: str | None, *, session: boto3.Session | None = None) -> None:
        """`session`: credentials chosen by the caller (a client's profile or assumed role, `audit --all`);
        by default the environment's."""
        try:
            self.session = session or boto3.Session(region_name=region)
        except ProfileNotFound as error:
            raise AwsSetupError(f"AWS profile not found: {error}") from None
        if not self.session.region_name:
            raise AwsSetupError("no AWS region: pass --region, or set AWS_REGION or a profile's region")
        self.region: str = self.session.region_name
        self._clients: dict[str, Any] = {}
        identity = self._caller_identity()
        self.account_id = str(identity["Account"])
        # The caller's ARN names the partition (arn:aws-us-gov:sts::...): the one every ARN here starts with.
        self.partition = str(identity["Arn"]).split(":", 2)[1]

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, config=RETRY_CONFIG)
        return self._clients[service]

    def arn(self, service: str, resource: str, *, regional: bool = True, in_account: bool = True) -> str:
        """An ARN (or ARN pattern) in this session's partition, region and account."""
        region = self.region if regional else ""
        account = self.account_id if in_account else ""
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    def _caller_identity(self) -> dict[str, Any]:
        """Asks STS who we are, so that missing or invalid credentials stop the tool before any work."""
        try:
            return dict(self.client("sts").get_caller_identity())
        except (NoCredentialsError, PartialCredentialsError):
            raise AwsSetupError(
                "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ) from None
        except NoRegionError:
            raise AwsSetupError("no AWS region: pass --region or set AWS_REGION") from None
        except ClientError as error:
            if error_code(error) in _CREDENTIAL_ERROR_CODES:
                raise AwsSetupError(f"AWS rejected the credentials: {error_message(error)}") from None
            raise AwsSetupError(f"cannot reach AWS STS: {error_message(error)}") from None
        except BotoCoreError as error:
            raise AwsSetupError(f"cannot reach AWS in {self.region}: {error}") from None


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def error_message(error: Exception) -> str:
    """`Code: message` for a ClientError, the text of anything else."""
    if isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message", "")
        return f"{error_code(error)}: {message}" if message else error_code(error)
    return str(error) or type(error).__name__


def tags_to_dict(tags: list[dict[str, str]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """The tag lists of the AWS APIs (`[{"Key": .., "Value": ..}]`, spelt per service) as a dict."""
    return {tag[key]: tag.get(value, "") for tag in tags or []}


def log_console() -> Console:
    """The live tools' console: on a terminal, rich as usual; elsewhere (a CI log, a pipe) every line whole,
    never cut or wrapped at a guessed width."""
    console = Console()
    if not console.is_terminal:
        console.soft_wrap = True
    return console


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """A timestamp for observed values: UTC, to the second, with the `Z` suffix."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
