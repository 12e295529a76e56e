"""Run a Pulumi Python program offline, under Pulumi's own mock runtime, and record what it registers.

The program is the real one (`__main__.py` of a project folder), executed in-process with the stack's
config exactly as the Pulumi CLI would hand it over (flat `namespace:key` values; structured values as
JSON text). Every resource registration is recorded with its type, name, URN, parent, provider and
inputs, including the serialized property struct the engine would pass on to a policy analyzer.

The mocks answer like AWS would: deterministic ids, ARNs, names and endpoints derived from the
resource's URN, region and account. With `preview=True` only the inputs come back, so every value the
cloud decides stays unknown, as in `pulumi preview`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import json
import runpy
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from google.protobuf import struct_pb2
from pulumi import Output, RunError
from pulumi import runtime as pulumi_runtime
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func

from toms import lazy_sdk
from toms.project_root import shown_path

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
# A program under mocks finishes in seconds; one still running after this is stuck, and says so.
PROGRAM_TIMEOUT_SECONDS = 120.0


class ProgramError(Exception):
    """The program could not run: a bad stack or project file, or an error raised by the program.

    `registered` holds what the program had registered before it stopped, so callers can show that a
    refused stack file left nothing half-applied.
    """

    def __init__(self, message: str, registered: tuple[RegisteredResource, ...] = ()) -> None:
        super().__init__(message)
        self.registered = registered


@dataclass(frozen=True)
class RegisteredResource:
    """One `RegisterResource` call as the engine receives it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    provider: str
    inputs: Mapping[str, Any]
    # The inputs as the serialized struct the engine forwards to analyzers (unknowns and secrets kept).
    properties: struct_pb2.Struct
    dependencies: tuple[str, ...]
    protect: bool
    outputs: Mapping[str, Any]
    # Which other resources each input came from (what the engine keeps as property dependencies).
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    additional_secret_outputs: tuple[str, ...] = ()
    version: str = ""
    # Where the program constructed the resource, as the SDK reports it: (file URI, line), or None.
    source_position: tuple[str, int] | None = None


@dataclass(frozen=True)
class ProgramRun:
    project: str
    stack: str
    preview: bool
    config: Mapping[str, str]
    resources: tuple[RegisteredResource, ...]
    stack_outputs: Mapping[str, Any] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.type == type_token]

    def children_of(self, parent_urn: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.parent == parent_urn]


def flatten_stack_config(raw_config: Mapping[str, Any], source: str) -> dict[str, str]:
    """Config values as the Pulumi CLI passes them to a program: text, structured values as JSON."""
    flat: dict[str, str] = {}
    for key, value in raw_config.items():
        if not isinstance(key, str) or ":" not in key:
            raise ProgramError(f"{source}: config key {key!r}: expected a namespaced key such as toms:client")
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            raise ProgramError(
                f"{source}: {key}: is an encrypted secret; an offline run cannot decrypt it, pass a plain "
                "value with --config instead"
            )
        if isinstance(value, Mapping | list):
            flat[key] = json.dumps(value)
        elif isinstance(value, bool):
            flat[key] = "true" if value else "false"
        elif value is None:
            flat[key] = ""
        else:
            flat[key] = str(value)
    return flat


def _yaml_problem(error: yaml.YAMLError) -> str:
    """What is wrong and where, in the file's own lines and columns (PyYAML's text names the file
    `<unicode string>` and quotes the line twice)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem and error.problem_mark is not None:
        mark = error.problem_mark
        context = ""
        if error.context and error.context_mark is not None:
            context = f" ({error.context} at line {error.context_mark.line + 1})"
        return f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}{context}"
    return str(error).replace('in "<unicode string>", ', "")


def _read_yaml(path: Path, when_missing: str) -> Any:
    """A YAML file's document; a ProgramError naming the file when it is missing, unreadable or not YAML."""
    shown = shown_path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProgramError(when_missing) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProgramError(f"{shown}: cannot be read as UTF-8 text ({error})") from None
    except yaml.YAMLError as error:
        raise ProgramError(f"{shown}: not valid YAML: {_yaml_problem(error)}") from None


def read_stack_file(path: Path) -> dict[str, str]:
    """The flat config of a `Pulumi.<stack>.yaml` file; a clear ProgramError when it cannot be used."""
    shown = shown_path(path)
    document = _read_yaml(path, f"{shown}: no such stack file")
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise ProgramError(f"{shown}: expected a mapping with a `config:` key at the top level")
    raw_config = document.get("config") or {}
    if not isinstance(raw_config, Mapping):
        raise ProgramError(f"{shown}: config: expected a mapping of namespaced keys to values")
    return flatten_stack_config(raw_config, shown)


def stack_names(config_dir: Path) -> list[str]:
    """The stacks that have a `Pulumi.<stack>.yaml` in a project's stack config folder, sorted."""
    return sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in config_dir.glob("Pulumi.*.yaml")
    )


def read_project(program_dir: Path) -> tuple[str, Path]:
    """The project name and the stack config folder from `Pulumi.yaml`."""
    project_file = program_dir / "Pulumi.yaml"
    project = _read_yaml(
        project_file, f"{shown_path(program_dir)}: no Pulumi.yaml; expected a Pulumi project folder"
    )
    if not isinstance(project, Mapping) or not isinstance(project.get("name"), str):
        raise ProgramError(f"{shown_path(project_file)}: name: expected the project's name")
    runtime = project.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if runtime_name != "python":
        raise ProgramError(f"{shown_path(project_file)}: runtime: expected python, got {runtime_name!r}")
    config_dir = program_dir / str(project.get("stackConfigDir") or ".")
    return project["name"], config_dir


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _elb_account(region: str) -> str:
    """A made-up regional ELB log delivery account, stable per region."""
    return str(int(_digest("elb", region)[:12], 16) % 10**12).zfill(12)


def _policy_values(values: list[Any]) -> Any:
    """IAM documents write a single value as a string and several as a list, as getPolicyDocument does."""
    return values[0] if len(values) == 1 else list(values)


def _policy_document(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """What `iam.getPolicyDocument` renders for its statements, so programs that build policies with it
    run offline and the pack sees the same JSON it would see in a real preview."""
    statements: list[dict[str, Any]] = []
    for given in arguments.get("statements") or []:
        statement: dict[str, Any] = {"Sid": given["sid"]} if given.get("sid") else {}
        statement["Effect"] = given.get("effect") or "Allow"
        for key, element in (("actions", "Action"), ("notActions", "NotAction")):
            if given.get(key):
                statement[element] = _policy_values(given[key])
        for key, element in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            principals = given.get(key) or []
            if any(p.get("type") == "*" for p in principals):
                statement[element] = "*"
            elif principals:
                statement[element] = {
                    p["type"]: _policy_values(p.get("identifiers") or []) for p in principals
                }
        for key, element in (("resources", "Resource"), ("notResources", "NotResource")):
            if given.get(key):
                statement[element] = _policy_values(given[key])
        conditions: dict[str, dict[str, Any]] = {}
        for condition in given.get("conditions") or []:
            conditions.setdefault(condition["test"], {})[condition["variable"]] = _policy_values(
                condition.get("values") or []
            )
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    document = {"Version": arguments.get("version") or "2012-10-17", "Statement": statements}
    rendered = json.dumps(document, indent=2)
    return {
        "json": rendered,
        "minifiedJson": json.dumps(document, separators=(",", ":")),
        "id": str(int(_digest(rendered)[:8], 16)),
    }


# Id prefixes AWS uses for EC2 objects, so ids in outputs and evidence look like the real ones.
EC2_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:ec2/instance:Instance": "i-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
}


class AwsLikeMocks(pulumi_mocks.Mocks):
    """Outputs shaped like AWS's, derived deterministically from each resource's URN."""

    def __init__(self, region: str, account: str, preview: bool, partition: str = "aws") -> None:
        self.region = region
        self.account = account
        self.preview = preview
        self.partition = partition

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        region = args.args.get("region") or self.region
        arn_prefix = f"arn:{self.partition}"
        # The same image for the same search, as AWS answers a lookup of the newest matching image.
        image = f"ami-{_digest('ami', json.dumps(args.args, sort_keys=True, default=str))[:17]}"
        answers: dict[str, Callable[[], dict[str, Any]]] = {
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda: {
                "names": [f"{region}{letter}" for letter in "abc"],
                "zoneIds": [f"{region}-az{number}" for number in (1, 2, 3)],
                "id": region,
                "groupNames": [region],
            },
            "aws:index/getCallerIdentity:getCallerIdentity": lambda: {
                "accountId": self.account,
                "arn": f"{arn_prefix}:iam::{self.account}:user/toms-offline",
                "userId": "AIDAOFFLINE",
                "id": self.account,
            },
            "aws:index/getRegion:getRegion": lambda: {
                "name": region,
                "region": region,
                "id": region,
                "endpoint": f"ec2.{region}.amazonaws.com",
            },
            "aws:elb/getServiceAccount:getServiceAccount": lambda: {
                "id": _elb_account(region),
                "arn": f"{arn_prefix}:iam::{_elb_account(region)}:root",
                "region": region,
            },
            "aws:index/getPartition:getPartition": lambda: {
                "partition": self.partition,
                "dnsSuffix": "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com",
                "id": self.partition,
            },
            "aws:iam/getPolicyDocument:getPolicyDocument": lambda: _policy_document(args.args),
            "aws:ec2/getAmi:getAmi": lambda: {
                "id": image,
                "imageId": image,
                "arn": f"{arn_prefix}:ec2:{region}::image/{image}",
                "architecture": "x86_64",
                "rootDeviceType": "ebs",
            },
        }
        answer = answers.get(args.token)
        if answer is None:
            raise ProgramError(
                f"the offline run has no answer for the provider function {args.token}; "
                "add one to toms/mock_run.py"
            )
        return answer(), []

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            return ("" if self.preview else _digest(args.name, args.typ)[:32]), inputs
        if self.preview:
            # A real preview knows the inputs only; ids, ARNs and endpoints stay unknown.
            return None, inputs
        return self._created(args.typ, args.name, inputs)

    def _created(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        digest = _digest(typ, name)
        arn_prefix = f"arn:{self.partition}"
        region, account = self.region, self.account
        physical_name = inputs.get("name") or f"{name}-{digest[:7]}"
        resource_id = EC2_ID_PREFIXES.get(typ, "") + digest[:17] if typ in EC2_ID_PREFIXES else physical_name
        # Auto-named resources get the name Pulumi would generate; types without a name ignore it.
        outputs: dict[str, Any] = {"name": physical_name, **inputs, "id": resource_id}
        module = typ.split(":")[1].split("/")[0]

        if typ == "aws:kms/key:Key":
            key_id = str(uuid.UUID(digest[:32]))
            outputs.update(keyId=key_id, arn=f"{arn_prefix}:kms:{region}:{account}:key/{key_id}")
            resource_id = key_id
        elif typ == "aws:kms/alias:Alias":
            outputs.update(arn=f"{arn_prefix}:kms:{region}:{account}:{physical_name}", name=physical_name)
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs.update(
                name=physical_name,
                arn=f"{arn_prefix}:logs:{region}:{account}:log-group:{physical_name}",
            )
        elif typ.startswith("aws:iam/"):
            kind = typ.split(":")[-1].lower()
            outputs.update(name=physical_name, arn=f"{arn_prefix}:iam::{account}:{kind}/{physical_name}")
            if typ == "aws:iam/role:Role":
                outputs["uniqueId"] = "AROA" + digest[:17].upper()
        elif typ == "aws:s3/bucket:Bucket":
            bucket = inputs.get("bucket") or f"{name}-{digest[:12]}"
            resource_id = bucket
            outputs.update(
                id=bucket,
                bucket=bucket,
                arn=f"{arn_prefix}:s3:::{bucket}",
                bucketDomainName=f"{bucket}.s3.amazonaws.com",
                bucketRegionalDomainName=f"{bucket}.s3.{region}.amazonaws.com",
                region=region,
            )
        elif typ in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
            short_name = physical_name[:32]
            suffix = f"app/{short_name}/{digest[:16]}"
            arn = f"{arn_prefix}:elasticloadbalancing:{region}:{account}:loadbalancer/{suffix}"
            resource_id = arn
            outputs.update(
                name=short_name,
                arn=arn,
                arnSuffix=suffix,
                dnsName=f"{short_name}-{int(digest[:8], 16)}.{region}.elb.amazonaws.com",
                zoneId="Z32O12XQLNTSW2",
            )
        elif typ in ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"):
            short_name = physical_name[:32]
            suffix = f"targetgroup/{short_name}/{digest[:16]}"
            arn = f"{arn_prefix}:elasticloadbalancing:{region}:{account}:{suffix}"
            resource_id = arn
            outputs.update(name=short_name, arn=arn, arnSuffix=suffix)
        elif typ in ("aws:lb/listener:Listener", "aws:alb/listener:Listener"):
            listener = f"listener/app/{name}/{digest[:16]}/{digest[16:32]}"
            arn = f"{arn_prefix}:elasticloadbalancing:{region}:{account}:{listener}"
            resource_id = arn
            outputs.update(arn=arn)
        elif typ == "aws:rds/instance:Instance":
            identifier = inputs.get("identifier") or f"{name}-{digest[:7]}"
            address = f"{identifier}.{digest[:12]}.{region}.rds.amazonaws.com"
            port = int(inputs.get("port") or 5432)
            resource_id = identifier
            outputs.update(
                identifier=identifier,
                arn=f"{arn_prefix}:rds:{region}:{account}:db:{identifier}",
                address=address,
                endpoint=f"{address}:{port}",
                port=port,
                resourceId="db-" + digest[:26].upper(),
                masterUserSecrets=[
                    {
                        "secretArn": (
                            f"{arn_prefix}:secretsmanager:{region}:{account}:secret:rds!db-{digest[:8]}-{digest[8:14]}"
                        ),
                        "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                        "secretStatus": "active",
                    }
                ]
                if inputs.get("manageMasterUserPassword")
                else [],
            )
        elif typ.startswith("aws:ecs/"):
            kind = typ.split(":")[-1]
            kind = {"TaskDefinition": "task-definition", "Cluster": "cluster", "Service": "service"}.get(
                kind, kind.lower()
            )
            revision = 1
            suffix = f"{physical_name}:{revision}" if kind == "task-definition" else physical_name
            arn = f"{arn_prefix}:ecs:{region}:{account}:{kind}/{suffix}"
            outputs.update(arn=arn, name=physical_name)
            if kind == "task-definition":
                outputs.update(revision=revision, arnWithoutRevision=arn.rsplit(":", 1)[0])
            if kind in ("cluster", "task-definition"):
                resource_id = arn
        elif typ == "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
            arn = f"{arn_prefix}:firehose:{region}:{account}:deliverystream/{physical_name}"
            resource_id = arn
            outputs.update(name=physical_name, arn=arn)
        elif typ == "aws:cloudtrail/trail:Trail":
            arn = f"{arn_prefix}:cloudtrail:{region}:{account}:trail/{physical_name}"
            resource_id = arn
            outputs.update(name=physical_name, arn=arn, homeRegion=region)
        elif typ == "aws:secretsmanager/secret:Secret":
            arn = f"{arn_prefix}:secretsmanager:{region}:{account}:secret:{physical_name}-{digest[:6]}"
            resource_id = arn
            outputs.update(name=physical_name, arn=arn)
        elif typ == "aws:ec2/eip:Eip":
            outputs.update(allocationId=resource_id, publicIp=f"203.0.113.{int(digest[:2], 16) % 250 + 1}")
        elif typ == "aws:ec2/securityGroup:SecurityGroup":
            outputs.update(
                arn=f"{arn_prefix}:ec2:{region}:{account}:security-group/{resource_id}",
                name=physical_name,
            )
        elif module == "ec2":
            kind = typ.split(":")[-1].lower()
            outputs.update(arn=f"{arn_prefix}:ec2:{region}:{account}:{kind}/{resource_id}")
        else:
            outputs.setdefault("arn", f"{arn_prefix}:{module}:{region}:{account}:{physical_name}")
        outputs["id"] = resource_id
        return resource_id, outputs


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping every registration with what the engine would know of it."""

    def __init__(
        self, mocks: pulumi_mocks.Mocks, on_register: Callable[[RegisteredResource], None] | None = None
    ) -> None:
        super().__init__(mocks)
        self.registrations: list[RegisteredResource] = []
        self.on_register = on_register
        # Registrations arrive on the runtime's executor threads; listeners see them in list order.
        self._recording = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        registration = self.resources[response.urn]
        properties = struct_pb2.Struct()
        properties.CopyFrom(request.object)
        recorded = RegisteredResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            provider=request.provider,
            inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
            properties=properties,
            dependencies=tuple(request.dependencies),
            protect=bool(request.protect),
            outputs=registration.state,
            property_dependencies={
                key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
            },
            ignore_changes=tuple(request.ignoreChanges),
            delete_before_replace=(
                bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None
            ),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            version=request.version,
            source_position=(
                (request.sourcePosition.uri, request.sourcePosition.line)
                if request.HasField("sourcePosition") and request.sourcePosition.uri
                else None
            ),
        )
        with self._recording:
            self.registrations.append(recorded)
            if self.on_register is not None:
                self.on_register(recorded)
        return response


def _account_region_partition(config: Mapping[str, str]) -> tuple[str, str, str]:
    """The account and partition of the first ARN in the config (the stack's own, such as its
    certificate), and the stack's region: what the mocks answer in."""
    region = config.get("aws:region") or DEFAULT_REGION
    for value in config.values():
        parts = value.split(":")
        if value.startswith("arn:") and len(parts) > 4 and parts[4].isdigit() and len(parts[4]) == 12:
            return parts[4], region, parts[1]
    return DEFAULT_ACCOUNT, region, "aws"


def _run_main(program_dir: Path) -> None:
    runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")


def run_program(
    program_dir: Path,
    stack: str,
    config: Mapping[str, str] | None = None,
    *,
    preview: bool = False,
    on_register: Callable[[RegisteredResource], None] | None = None,
) -> ProgramRun:
    """Run `program_dir/__main__.py` for `stack` under mocks; config defaults to the stack's file.

    `on_register` sees each registration as the program makes it, on one of the runtime's threads.
    """
    program_dir = program_dir.resolve()
    lazy_sdk.install()
    project, config_dir = read_project(program_dir)
    if config is None:
        config = read_stack_file(config_dir / f"Pulumi.{stack}.yaml")
    account, region, partition = _account_region_partition(config)
    monitor = RecordingMonitor(
        AwsLikeMocks(region=region, account=account, preview=preview, partition=partition),
        on_register,
    )

    def execute() -> ProgramRun:
        # The runtime binds the root stack resource to the current event loop, so the loop comes first.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        # The mock monitor gives each executor thread an event loop of its own; run them in an executor
        # whose loops are closed with the run, not left to the garbage collector at interpreter exit.
        worker_loops: list[asyncio.AbstractEventLoop] = []

        def give_worker_a_loop() -> None:
            worker_loop = asyncio.new_event_loop()
            asyncio.set_event_loop(worker_loop)
            worker_loops.append(worker_loop)

        executor = ThreadPoolExecutor(thread_name_prefix="toms-mock", initializer=give_worker_a_loop)
        loop.set_default_executor(executor)
        pulumi_runtime.set_mocks(
            monitor.mocks,
            project=project,
            stack=stack,
            preview=preview,
            monitor=monitor,
        )
        pulumi_runtime.set_all_config(dict(config))
        sys.path.insert(0, str(program_dir))
        finished = False
        try:
            program = run_pulumi_func(functools.partial(_run_main, program_dir))
            loop.run_until_complete(asyncio.wait_for(program, PROGRAM_TIMEOUT_SECONDS))
            # `pulumi.export` records on the root stack resource; resolve what the program exported.
            exported = getattr(pulumi_settings.get_root_resource(), "outputs", {})
            stack_outputs = loop.run_until_complete(Output.from_input(exported).future(with_unknowns=True))
            finished = True
        except TimeoutError:
            stuck = asyncio.all_tasks(loop)
            for task in stuck:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*stuck, return_exceptions=True))
            raise ProgramError(
                f"{program_dir / '__main__.py'}: the program did not finish within "
                f"{PROGRAM_TIMEOUT_SECONDS:.0f} s under the mock runtime (the runtime was still waiting for "
                "registrations to complete)"
            ) from None
        finally:
            sys.path.remove(str(program_dir))
            executor.shutdown(wait=finished, cancel_futures=not finished)
            for worker_loop in worker_loops:
                worker_loop.close()
            loop.close()
            asyncio.set_event_loop(None)
        return ProgramRun(
            project=project,
            stack=stack,
            preview=preview,
            config=dict(config),
            resources=tuple(monitor.registrations),
            stack_outputs=dict(stack_outputs or {}),
        )

    try:
        # A fresh context per run: the Pulumi runtime keeps its settings (and the root stack resource
        # every top-level resource is parented to) in context variables.
        return contextvars.Context().run(execute)
    except ProgramError as error:
        raise ProgramError(str(error), tuple(monitor.registrations)) from None
    except RunError as error:
        raise ProgramError(str(error), tuple(monitor.registrations)) from None
    except Exception as error:
        raise ProgramError(
            f"{program_dir / '__main__.py'}: the program failed: {type(error).__name__}: {error}",
            tuple(monitor.registrations),
        ) from error
