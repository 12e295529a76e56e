"""The client's stack configuration: the one place where every knob a client may turn is validated.

A stack file (`stacks/Pulumi.<client>.yaml`) reaches the program as flat Pulumi config: `aws:region`
and keys in the `toms:` namespace, structured values as JSON text. `load_client_config` checks all of
it at once and either returns a typed `ClientConfig` or raises `StackConfigError` listing every problem
with the file, the key path, the bad value and what was expected, before any resource is registered.
Defaults are the secure choice; a client only turns a knob to be stricter or to size the service.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
import textwrap
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from policies.toms_pack import standards

NAMESPACE = "toms"
REGION_KEY = "aws:region"
# The `aws:` settings the program passes to the stack's provider.
PROVIDER_KEYS = (REGION_KEY, "aws:profile")
STACK_CONFIG_DIR = "stacks"

REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
# No consecutive hyphens: RDS identifiers and snapshot names built from it forbid them.
CLIENT_PATTERN = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-)){0,14}[a-z0-9]$")
CERTIFICATE_ARN_PATTERN = re.compile(
    r"^arn:(?P<partition>aws|aws-us-gov|aws-cn):acm:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
IMAGE_PATTERN = re.compile(
    r"^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$"
)
SECRET_REFERENCE_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:(secret:|parameter/).+$"
)
# One mailbox: local part, @, a domain with at least one dot; no spaces, no list of addresses.
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
ENV_NAME_PATTERN = re.compile(r"^[A-Z_][A-Z0-9_]*$")
NON_ROOT_USER_PATTERN = re.compile(r"^[1-9]\d{0,9}(:[1-9]\d{0,9})?$")
INSTANCE_CLASS_PATTERN = re.compile(r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
ENGINE_VERSION_PATTERN = re.compile(r"^(?P<major>\d{2})\.(?P<minor>\d{1,2})$")

# PostgreSQL majors in RDS standard support; the parameter group family follows the major. 13 is left
# out: past standard support, RDS bills extended support for it per vCPU-hour on top of the instance.
POSTGRES_MAJORS = (14, 15, 16, 17)
POSTGRES_MIN_STORAGE_GIB = 20
RDS_MAX_STORAGE_GIB = 65536

# Fargate's task sizes: CPU units -> the memory values (MiB) AWS accepts with them.
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
MAX_REPLICAS = standards.MAX_REPLICAS

# Variables the baseline sets in the service's container from the database it builds; a client's
# `environment` or `secrets` may not set them too.
DATABASE_HOST_VARIABLE = "DATABASE_HOST"
DATABASE_PORT_VARIABLE = "DATABASE_PORT"
# The ARN of the database's RDS-managed master secret: the application reads the secret when it connects,
# because RDS rotates the password (a value copied into the container at start would go stale).
DATABASE_SECRET_ARN_VARIABLE = "DATABASE_SECRET_ARN"  # noqa: S105 - a variable name, not a secret
BASELINE_VARIABLES = (DATABASE_HOST_VARIABLE, DATABASE_PORT_VARIABLE, DATABASE_SECRET_ARN_VARIABLE)


class StackConfigError(Exception):
    """A stack file that cannot be used; `problems` holds one entry per bad key (a suggested YAML block
    continues on indented lines)."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.describe())

    def describe(self, consequence: str | None = None) -> str:
        """The whole message; `consequence` says what the reader of the file did about it (the program:
        "nothing was created"), since only the caller knows."""
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        outcome = f"; {consequence}" if consequence else ""
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"{self.source}: {count} in the stack configuration{outcome}:\n{lines}"


def _one_of(value: int, allowed: tuple[int, ...], what: str) -> int:
    if value not in allowed:
        raise ValueError(f"expected {what}: one of {', '.join(map(str, allowed))}")
    return value


def _retention_days(value: int) -> int:
    if value == 0:
        raise ValueError(
            "0 means 'never expire'; expected a predetermined number of days CloudWatch Logs accepts: "
            + ", ".join(map(str, standards.CLOUDWATCH_RETENTION_DAYS))
        )
    return _one_of(value, standards.CLOUDWATCH_RETENTION_DAYS, "a number of days CloudWatch Logs accepts")


class _Section(BaseModel):
    """A structured config value: camelCase keys as in the stack file, unknown keys refused."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True, validate_default=True)


class RetentionConfig(_Section):
    """`toms:retention`: how long this client's logs, archive and backups are kept."""

    log_days: Annotated[int, AfterValidator(_retention_days)]
    backup_days: int = Field(ge=standards.BACKUP_RETENTION_MIN_DAYS, le=standards.BACKUP_RETENTION_MAX_DAYS)
    archive_days: int | None = Field(default=None, ge=1, le=standards.ARCHIVE_RETENTION_DEFAULT_MAX_DAYS)

    @field_validator("archive_days")
    @classmethod
    def _archive_outlives_logs(cls, value: int | None, info: ValidationInfo) -> int | None:
        log_days = info.data.get("log_days")
        if value is not None and log_days is not None and value < log_days:
            raise ValueError(
                f"expected archiveDays >= logDays ({log_days}): the archive is the copy kept off the server"
            )
        return value

    @property
    def archive_retention_days(self) -> int:
        """Days the off-server archive keeps objects: `archiveDays`, or `logDays` when not set."""
        return self.archive_days if self.archive_days is not None else self.log_days


class ArchiveConfig(_Section):
    """`toms:archive`: the off-server log archive.

    COMPLIANCE mode is the default: no one, the account's root user included, can delete or shorten the
    retention of an archived object before its time, so the logs stay trustworthy evidence.
    """

    lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "COMPLIANCE"


class ServiceConfig(_Section):
    """`toms:service`: the client's container service."""

    image: str
    replicas: int = Field(default=standards.MIN_REPLICAS, ge=standards.MIN_REPLICAS, le=MAX_REPLICAS)
    max_replicas: int | None = Field(default=None, ge=standards.MIN_REPLICAS, le=MAX_REPLICAS)
    cpu: int = 512
    memory: int = 1024
    container_port: int = Field(default=8080, ge=1024, le=65535)
    health_check_path: str = "/health"
    environment: dict[str, str] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    # The container runs as this numeric UID[:GID], never root; the image's files must be readable by it.
    user: str = "1000:1000"
    # The container's own health check; by default curl or wget fetches healthCheckPath (see
    # docs/edge-and-service.md). Images without either name their own probe, e.g. ["CMD", "/app/probe"].
    health_check_command: list[str] | None = None

    @field_validator("user")
    @classmethod
    def _not_root(cls, value: str) -> str:
        if not NON_ROOT_USER_PATTERN.fullmatch(value):
            raise ValueError(
                "expected a numeric non-root UID or UID:GID such as 1000:1000 (not 0, not a name)"
            )
        return value

    @field_validator("health_check_command")
    @classmethod
    def _docker_health_command(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (len(value) < 2 or value[0] not in ("CMD", "CMD-SHELL")):
            raise ValueError(
                'expected a command list starting with "CMD" or "CMD-SHELL", e.g. ["CMD", "/app/probe"]'
            )
        return value

    @field_validator("image")
    @classmethod
    def _pinned_image(cls, value: str) -> str:
        if not IMAGE_PATTERN.fullmatch(value) or value.endswith(":latest"):
            raise ValueError(
                "expected a container image pinned to a tag or digest, e.g. "
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.4.2 (not ':latest', not untagged)"
            )
        return value

    @field_validator("cpu")
    @classmethod
    def _fargate_cpu(cls, value: int) -> int:
        return _one_of(value, tuple(FARGATE_MEMORY_BY_CPU), "Fargate CPU units")

    @field_validator("health_check_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/") or any(char.isspace() for char in value):
            raise ValueError("expected an absolute URL path such as /health")
        return value

    @field_validator("environment", "secrets")
    @classmethod
    def _variable_names(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        bad = [name for name in value if not ENV_NAME_PATTERN.fullmatch(name)]
        if bad:
            raise ValueError(f"expected environment variable names in UPPER_SNAKE_CASE, got {', '.join(bad)}")
        reserved = [name for name in value if name in BASELINE_VARIABLES]
        if reserved:
            raise ValueError(
                f"{', '.join(reserved)} is set by the baseline from the client's database; "
                "expected other names"
            )
        environment = info.data.get("environment", {}) if info.field_name == "secrets" else {}
        twice = sorted(set(value) & set(environment))
        if twice:
            raise ValueError(
                f"{', '.join(twice)} is also in environment; expected each variable in only one of the two"
            )
        return value

    @field_validator("secrets")
    @classmethod
    def _secret_references(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [name for name, arn in value.items() if not SECRET_REFERENCE_PATTERN.fullmatch(arn)]
        if bad:
            raise ValueError(
                f"expected each secret to be a Secrets Manager secret or SSM parameter ARN, not a value "
                f"(check {', '.join(bad)})"
            )
        return value

    @field_validator("max_replicas")
    @classmethod
    def _not_below_replicas(cls, value: int | None, info: ValidationInfo) -> int | None:
        replicas = info.data.get("replicas")
        if value is not None and replicas is not None and value < replicas:
            raise ValueError(
                f"expected maxReplicas >= replicas ({replicas}), so scaling can never drop below the "
                "replica requirement"
            )
        return value

    @field_validator("memory")
    @classmethod
    def _fits_cpu(cls, value: int, info: ValidationInfo) -> int:
        allowed_memory = FARGATE_MEMORY_BY_CPU.get(info.data.get("cpu", 0), ())
        if allowed_memory and value not in allowed_memory:
            raise ValueError(
                f"expected a memory size (MiB) that Fargate accepts with cpu {info.data['cpu']}: one of "
                + ", ".join(map(str, allowed_memory))
            )
        return value

    @property
    def autoscaling_max(self) -> int:
        """The autoscaling ceiling: `maxReplicas`, or twice the replica requirement."""
        return self.max_replicas if self.max_replicas is not None else min(2 * self.replicas, MAX_REPLICAS)


class DatabaseConfig(_Section):
    """`toms:database`: the client's PostgreSQL instance."""

    engine: Literal["postgres"] = "postgres"
    engine_version: str = "16.8"
    instance_class: str = "db.t4g.medium"
    allocated_storage: int = Field(default=POSTGRES_MIN_STORAGE_GIB, le=RDS_MAX_STORAGE_GIB)
    multi_az: bool = True

    @field_validator("engine", mode="before")
    @classmethod
    def _postgres_only(cls, value: object) -> object:
        if value != "postgres":
            raise ValueError(
                "expected 'postgres': toms supports only PostgreSQL, the one engine whose forced TLS "
                "(rds.force_ssl), log exports and restore drill it builds and tests"
            )
        return value

    @field_validator("engine_version")
    @classmethod
    def _supported_version(cls, value: str) -> str:
        match = ENGINE_VERSION_PATTERN.fullmatch(value)
        if match is None or int(match["major"]) not in POSTGRES_MAJORS:
            raise ValueError(
                "expected a PostgreSQL MAJOR.MINOR version with a major in RDS standard support: "
                + ", ".join(map(str, POSTGRES_MAJORS))
                + " (e.g. 16.8)"
            )
        return value

    @field_validator("instance_class")
    @classmethod
    def _instance_class_format(cls, value: str) -> str:
        if not INSTANCE_CLASS_PATTERN.fullmatch(value):
            raise ValueError("expected an RDS instance class such as db.t4g.medium or db.r6g.large")
        return value

    @field_validator("allocated_storage")
    @classmethod
    def _minimum_storage(cls, value: int) -> int:
        if value < POSTGRES_MIN_STORAGE_GIB:
            raise ValueError(
                f"expected at least {POSTGRES_MIN_STORAGE_GIB} GiB, the minimum RDS allows for PostgreSQL"
            )
        return value

    @property
    def parameter_group_family(self) -> str:
        return f"postgres{self.engine_version.split('.')[0]}"


class NetworkConfig(_Section):
    """`toms:network`: the client's VPC."""

    cidr: str = "10.0.0.0/16"
    az_count: int = Field(default=2, ge=2, le=6)

    @field_validator("cidr")
    @classmethod
    def _private_cidr(cls, value: str) -> str:
        try:
            network = ipaddress.ip_network(value)
        except ValueError:
            raise ValueError("expected an IPv4 network in CIDR notation such as 10.0.0.0/16") from None
        if not (
            isinstance(network, ipaddress.IPv4Network)
            and network.is_private
            and 16 <= network.prefixlen <= 20
        ):
            raise ValueError(
                "expected a private (RFC 1918) IPv4 network from /16 to /20, such as 10.0.0.0/16"
            )
        return value


class LoadBalancerConfig(_Section):
    """`toms:loadBalancer`: the client's internet-facing entry point."""

    tls_policy: str = standards.DEFAULT_TLS_POLICY
    # A WAF web ACL with AWS managed rule groups in front of the load balancer. Off only for a client who
    # filters requests before they reach it (a CDN with its own WAF); the pack then reports an advisory.
    waf: bool = True

    @field_validator("tls_policy")
    @classmethod
    def _tls12_or_13_only(cls, value: str) -> str:
        if not standards.is_allowed_tls_policy(value):
            raise ValueError(
                "expected an ALB security policy that allows only TLS 1.2 and 1.3: "
                "ELBSecurityPolicy-TLS13-1-2-* or ELBSecurityPolicy-TLS13-1-3-* "
                "(TLS13-1-0-* and TLS13-1-1-* still accept TLS 1.0/1.1)"
            )
        return value


class AlertsConfig(_Section):
    """`toms:alerts`: who hears about the baseline's alarms besides the alert topic's other subscribers."""

    # One address that receives every alarm of the client (SNS asks it to confirm first).
    email: str | None = None

    @field_validator("email")
    @classmethod
    def _email_address(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL_PATTERN.fullmatch(value):
            raise ValueError("expected one email address such as ops@example.com")
        return value


class ClientConfig(BaseModel):
    """Everything one client's stack file decides."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    region: str = Field(alias="aws:region")
    client: str = Field(alias="toms:client")
    certificate_arn: str = Field(alias="toms:certificateArn")
    retention: RetentionConfig = Field(alias="toms:retention")
    service: ServiceConfig = Field(alias="toms:service")
    database: DatabaseConfig = Field(default_factory=DatabaseConfig, alias="toms:database")
    network: NetworkConfig = Field(default_factory=NetworkConfig, alias="toms:network")
    load_balancer: LoadBalancerConfig = Field(default_factory=LoadBalancerConfig, alias="toms:loadBalancer")
    archive: ArchiveConfig = Field(default_factory=ArchiveConfig, alias="toms:archive")
    alerts: AlertsConfig = Field(default_factory=AlertsConfig, alias="toms:alerts")

    @field_validator("region")
    @classmethod
    def _region_format(cls, value: str) -> str:
        if not REGION_PATTERN.fullmatch(value):
            raise ValueError("expected an AWS region name such as eu-west-1")
        return value

    @field_validator("client")
    @classmethod
    def _dns_safe(cls, value: str) -> str:
        if not CLIENT_PATTERN.fullmatch(value):
            raise ValueError(
                "expected 2 to 16 lowercase letters, digits and hyphens, starting with a letter "
                "and not ending with a hyphen, no two hyphens in a row (it names resources and tags)"
            )
        return value

    @field_validator("certificate_arn")
    @classmethod
    def _certificate_in_region(cls, value: str, info: ValidationInfo) -> str:
        match = CERTIFICATE_ARN_PATTERN.fullmatch(value)
        if match is None:
            raise ValueError(
                "expected an ACM certificate ARN: arn:aws:acm:<region>:<12-digit account>:certificate/<uuid>"
            )
        region = info.data.get("region")
        if region is not None and match["region"] != region:
            raise ValueError(
                f"expected a certificate in the stack's region {region} (a load balancer can only use those)"
            )
        return value

    @property
    def account_id(self) -> str:
        """The AWS account that owns the certificate: the only account this stack may deploy into."""
        match = CERTIFICATE_ARN_PATTERN.fullmatch(self.certificate_arn)
        assert match is not None  # guaranteed by validation
        return match["account"]

    @property
    def partition(self) -> str:
        """The AWS partition of the certificate's account (aws, aws-us-gov, aws-cn): every ARN the
        baseline builds itself starts with it."""
        match = CERTIFICATE_ARN_PATTERN.fullmatch(self.certificate_arn)
        assert match is not None  # guaranteed by validation
        return match["partition"]


def stack_file(stack: str) -> str:
    """The stack file the Pulumi CLI reads for `stack` (the project sets `stackConfigDir: stacks`)."""
    return f"{STACK_CONFIG_DIR}/Pulumi.{stack}.yaml"


def _decode(value: Any) -> Any:
    """Pulumi hands structured config to programs as JSON text; plain values stay as they are."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif path:
            path += f".{part}"
        else:
            path = part
    return path or "(stack configuration)"


def _level_model(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model whose keys sit at the level of `loc`'s last part, or None below a plain value."""
    model: type[BaseModel] = ClientConfig
    for part in loc[:-1]:
        field = next((f for f in model.model_fields.values() if f.alias == part), None)
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the config accepts at the level of `loc`'s last part, for 'did you mean' hints."""
    model = _level_model(loc)
    return [field.alias for field in model.model_fields.values() if field.alias] if model else []


def _did_you_mean(loc: tuple[int | str, ...], known: list[str]) -> str:
    """A hint naming the closest known key in full (`toms:retention.logDays`), or nothing."""
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    return f"did you mean {_key_path((*loc[:-1], close[0]))}? " if close else ""


def _blocks() -> dict[str, type[BaseModel]]:
    """The top-level keys whose value is a block of keys (`toms:retention`, `toms:service`, ...)."""
    return {
        field.alias: field.annotation
        for field in ClientConfig.model_fields.values()
        if field.alias and isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    }


def _dotted_keys(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Top-level keys written as the reference's dotted names (`toms:retention.logDays`), by the block
    they belong in, with their values."""
    blocks = _blocks()
    found: dict[str, dict[str, Any]] = {}
    for key, value in config.items():
        block, dot, path = key.partition(".")
        if dot and block in blocks:
            found.setdefault(block, {})[path] = value
    return found


def _as_written(loc: tuple[str, ...], value: Any) -> Any:
    """A value the CLI passed as text, as the YAML scalar the key at `loc` takes (90, true; text stays
    text, so engineVersion 16.8 is written "16.8")."""
    model = _level_model(loc)
    field = next((f for f in model.model_fields.values() if f.alias == loc[-1]), None) if model else None
    if not isinstance(value, str) or not value or (field is not None and field.annotation is str):
        return value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def _nesting_advice(block: str, dotted: Mapping[str, Any], block_written: bool) -> str:
    """The problem for dotted top-level keys: they are keys inside `block`, with the YAML to write."""
    nested: dict[str, Any] = {}
    for path, value in dotted.items():
        level = nested
        *parents, leaf = path.split(".")
        for part in parents:
            if not isinstance(level.get(part), dict):
                level[part] = {}
            level = level[part]
        level[leaf] = _as_written((block, *parents, leaf), value)
    document = yaml.safe_dump({"config": {block: nested}}, sort_keys=False, allow_unicode=True)
    yaml_block = textwrap.indent(document.rstrip(), "      ")
    keys = ", ".join(f"{block}.{path}" for path in dotted)
    one = len(dotted) == 1
    where = f"the existing {block} block" if block_written else f"a {block} block"
    return (
        f"{keys}: unknown key{'' if one else 's'}; a dotted name in the configuration reference is a key "
        f"inside a block, not a key of its own: nest {'it' if one else 'them'} in {where} of the stack "
        f"file:\n{yaml_block}"
    )


def _client_names_stack(client: Any, stack: str | None) -> list[str]:
    """The stack name is the client name: the audit, the report and the pack config find a client by it."""
    if stack is None or not isinstance(client, str) or client == stack:
        return []
    return [
        f"toms:client: got {json.dumps(client)}; expected {json.dumps(stack)}, the stack's name: the audit, "
        f"the report and the policy pack config ({STACK_CONFIG_DIR}/policy-config/{stack}.json) find a "
        "client by its stack name"
    ]


def _expectation(error: Mapping[str, Any]) -> str:
    context = error.get("ctx") or {}
    expectations = {
        "greater_than_equal": f"expected at least {context.get('ge')}",
        "less_than_equal": f"expected at most {context.get('le')}",
        "int_parsing": "expected a whole number",
        "int_type": "expected a whole number",
        "int_from_float": "expected a whole number",
        "bool_parsing": "expected true or false",
        "bool_type": "expected true or false",
        "string_type": "expected text",
        "dict_type": "expected a mapping of keys to values",
        "model_type": "expected a mapping of keys to values",
        "model_attributes_type": "expected a mapping of keys to values",
        "literal_error": f"expected {context.get('expected')}",
    }
    return expectations.get(error["type"], str(error["msg"]).removeprefix("Value error, "))


def _describe(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    key = _key_path(loc)
    if error["type"] == "missing":
        return f"{key}: missing; this key is required (see the configuration reference in README.md)"
    if error["type"] == "extra_forbidden":
        hint = _did_you_mean(loc, _known_keys(loc))
        return f"{key}: unknown key; {hint}expected only the keys in the configuration reference in README.md"
    value = error.get("input")
    shown = (
        json.dumps(value) if isinstance(value, str | int | float | bool) or value is None else "a structure"
    )
    return f"{key}: got {shown}; {_expectation(error)}"


def parse_client_config(raw: Mapping[str, Any], source: str, *, stack: str | None = None) -> ClientConfig:
    """Validate flat Pulumi config (`aws:region`, `toms:*`) read from `source`, the stack file of `stack`
    when given (its `toms:client` must be that name); raise StackConfigError listing every problem."""
    relevant = {
        key: _decode(value)
        for key, value in raw.items()
        if key == REGION_KEY or key.startswith(f"{NAMESPACE}:")
    }
    dotted = _dotted_keys(relevant)
    for block, paths in dotted.items():
        for path in paths:
            del relevant[f"{block}.{path}"]
    # The program builds the stack's one AWS provider itself; any other `aws:` setting would be ignored.
    ignored = [
        f"{key}: not used; {_did_you_mean((key,), list(PROVIDER_KEYS))}the stack's AWS provider takes only "
        f"{', '.join(PROVIDER_KEYS)} from the aws: namespace (tags and account come from the toms: settings)"
        for key in sorted(raw)
        if key.startswith("aws:") and key not in PROVIDER_KEYS
    ]
    problems: list[str] = []
    config: ClientConfig | None = None
    try:
        config = ClientConfig.model_validate(relevant)
    except ValidationError as error:
        problems += [
            _describe(detail)
            for detail in error.errors(include_url=False)
            # A block written only as dotted keys is not missing: the nesting advice below covers it.
            if not (detail["type"] == "missing" and detail["loc"][:1] in {(block,) for block in dotted})
        ]
    problems += _client_names_stack(relevant.get(f"{NAMESPACE}:client"), stack)
    problems += [_nesting_advice(block, paths, block in relevant) for block, paths in dotted.items()]
    problems += ignored
    if problems or config is None:
        raise StackConfigError(source, problems)
    return config


def load_client_config(stack: str) -> ClientConfig:
    """The running program's config, as the Pulumi CLI or the mock runtime provides it."""
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return parse_client_config(raw, stack_file(stack), stack=stack)
