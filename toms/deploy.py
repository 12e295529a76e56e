"""Preview or deploy one client stack for real, always under the policy pack and that client's pack config.

This runs the `pulumi` CLI itself rather than the Automation API. The command it runs is exactly the one
docs/deploying.md shows, so what a person types, what this tool runs and what CI runs cannot drift apart.
The Automation API would add calls of its own (`pulumi version`, `pulumi stack select`, which changes the
stack the user's workspace has selected, and `stack output --show-secrets` after an update), and its `up`
always passes `--yes --skip-preview`: nobody would see the diff and confirm it before AWS changes.
Makefile targets alone could not refuse with a clear message before anything runs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import signal
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path, PurePosixPath

import yaml
from packaging.requirements import InvalidRequirement, Requirement

from components.config import CLIENT_PATTERN
from toms import interruption
from toms.project import (
    POLICY_CONFIG_FOLDER,
    add_project_option,
    policy_config_file,
    project_root,
    stack_names,
)

COMMAND = "deploy"
HELP = "Preview or deploy a client stack with pulumi, always under the policy pack and its client config."

STACKS_DIR = PurePosixPath("stacks")
PACK_CONFIG_DIR = STACKS_DIR / POLICY_CONFIG_FOLDER
PACK_DIR = PurePosixPath("policies")
PACK_PROJECT_FILE = PACK_DIR / "PulumiPolicy.yaml"
PACK_REQUIREMENTS_FILE = PACK_DIR / "requirements.txt"
PACK_INSTALL_HINT = "create it and install the pack's requirements with `make policy-venv`"

# Exit code when this tool refuses before running pulumi (argparse uses the same code for bad arguments).
REFUSED = 2


# Run inside the pack's own interpreter: which version of each named distribution is installed there.
INSTALLED_VERSIONS_SCRIPT = """
import importlib.metadata, json, sys
versions = {}
for name in json.loads(sys.argv[1]):
    try:
        versions[name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        versions[name] = None
print(json.dumps(versions))
"""


class Refusal(Exception):
    """A precondition for a policy-checked run is not met; the message says which and how to fix it."""


def client_name(value: str) -> str:
    # The stack name is the client name, so it obeys the rule the stack file's toms:client does.
    if not CLIENT_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a client name: expected one lowercase DNS label "
            "(2 to 16 of a-z, 0-9 and '-', starting with a letter, ending with a letter or digit, "
            "no two hyphens in a row)"
        )
    return value


def stack_file(client: str) -> PurePosixPath:
    return STACKS_DIR / f"Pulumi.{client}.yaml"


def pack_config_file(client: str) -> PurePosixPath:
    return policy_config_file(STACKS_DIR, client)


def client_stacks(root: Path) -> list[str]:
    """The clients that have a stack file, which is the list CI previews."""
    return stack_names(root / STACKS_DIR)


def pulumi_command(action: str, client: str, *, yes: bool) -> list[str]:
    """The one way toms runs pulumi: the pack and this client's pack config are never optional."""
    command = [
        "pulumi",
        action,
        "--stack",
        client,
        "--policy-pack",
        str(PACK_DIR),
        "--policy-pack-config",
        str(pack_config_file(client)),
        "--diff",
    ]
    if yes:
        command.append("--yes")
    return command


def check_client_files(root: Path, client: str) -> dict[str, object]:
    """The client's stack file and pack config exist; returns the pack config document."""
    if not (root / stack_file(client)).is_file():
        known = ", ".join(client_stacks(root)) or "none"
        raise Refusal(
            f"{stack_file(client)} does not exist, so {client!r} is not a client stack (clients: {known}). "
            "Add the stack file before previewing or deploying it."
        )
    config_path = pack_config_file(client)
    if not (root / config_path).is_file():
        raise Refusal(
            f"{config_path} does not exist: the policy pack has no configuration for {client!r}, so it would "
            f"check {client!r} against the pack's defaults instead of that client's agreement. "
            f"Write {config_path} first."
        )
    try:
        config = json.loads((root / config_path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise Refusal(
            f"{config_path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise Refusal(f"{config_path}: cannot be read as UTF-8 JSON text ({error})") from error
    if not isinstance(config, dict):
        raise Refusal(
            f"{config_path}: expected a JSON object keyed by policy name, found {type(config).__name__}"
        )
    return config


def check_pack_config(root: Path, client: str, config: dict[str, object]) -> None:
    """The client's pack config as the pack judges it: started and configured as the pulumi CLI will, so a
    config that would loosen the pack is refused here, with the message `toms preview` gives for it."""
    from toms.offline.analyzer_client import PolicyConfigError, PolicyPackError, PolicyPackProcess

    config_path = pack_config_file(client)
    try:
        with PolicyPackProcess(root / PACK_DIR, dry_run=True, stack=client) as pack:
            info = pack.info()
            known = {policy.name for policy in info.policies} | {"all"}
            unknown = sorted(name for name in config if name not in known)
            if unknown:
                raise Refusal(f"{config_path}: {', '.join(unknown)}: no such policy in pack {info.name}")
            pack.configure(config)
    except PolicyConfigError as error:
        raise Refusal(f"{config_path}: {error}") from None
    except PolicyPackError as error:
        raise Refusal(
            f"the policy pack in {PACK_DIR} could not be started to check {config_path}: {error}"
        ) from None


def pack_virtualenv(root: Path) -> PurePosixPath:
    """The virtualenv the CLI will run the pack with: the one PulumiPolicy.yaml declares, under the pack.

    The CLI starts a Python pack from the pack directory and takes `runtime.options.virtualenv` relative to
    it; without that option it runs whichever `python3` is first on PATH, which proves nothing.
    """
    if not (root / PACK_PROJECT_FILE).is_file():
        raise Refusal(f"{PACK_PROJECT_FILE} does not exist, so {PACK_DIR}/ is not a policy pack")
    try:
        project = yaml.safe_load((root / PACK_PROJECT_FILE).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise Refusal(f"{PACK_PROJECT_FILE}: not valid YAML: {error}") from error
    runtime = project.get("runtime") if isinstance(project, dict) else None
    options = runtime.get("options") if isinstance(runtime, dict) else None
    virtualenv = options.get("virtualenv") if isinstance(options, dict) else None
    if not isinstance(runtime, dict) or runtime.get("name") != "python":
        raise Refusal(f"{PACK_PROJECT_FILE}: key runtime.name: expected python")
    if not isinstance(virtualenv, str) or not virtualenv:
        raise Refusal(
            f"{PACK_PROJECT_FILE}: key runtime.options.virtualenv is missing: expected the pack's own "
            "virtualenv (virtualenv: venv); without it the pulumi CLI runs the pack with whichever python3 "
            "is first on PATH"
        )
    if not (root / PACK_DIR / virtualenv / "bin" / "python").is_file():
        raise Refusal(
            f"the policy pack's dependencies are not installed: its virtualenv {PACK_DIR / virtualenv} "
            f"(runtime.options.virtualenv in {PACK_PROJECT_FILE}) does not exist; {PACK_INSTALL_HINT}"
        )
    return PACK_DIR / virtualenv


def pack_requirements(root: Path) -> list[Requirement]:
    path = root / PACK_REQUIREMENTS_FILE
    if not path.is_file():
        raise Refusal(f"{PACK_REQUIREMENTS_FILE} does not exist: the pack does not say what it needs to run")
    requirements = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            requirements.append(Requirement(text))
        except InvalidRequirement as error:
            raise Refusal(
                f"{PACK_REQUIREMENTS_FILE}, line {line_number}: expected a requirement such as "
                f"name==1.2.3: {error}"
            ) from error
    return requirements


def check_pack_dependencies(root: Path) -> None:
    """Ask the pack's own interpreter which versions it has, and compare them with the pack's pins."""
    virtualenv = pack_virtualenv(root)
    interpreter = root / virtualenv / "bin" / "python"
    requirements = pack_requirements(root)
    try:
        # -I: only the virtualenv's own packages count, not PYTHONPATH or the user's site-packages.
        answer = subprocess.run(
            [
                str(interpreter),
                "-I",
                "-c",
                INSTALLED_VERSIONS_SCRIPT,
                json.dumps([r.name for r in requirements]),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        installed: dict[str, str | None] = json.loads(answer.stdout)
    except (OSError, subprocess.CalledProcessError, json.JSONDecodeError) as error:
        detail = getattr(error, "stderr", None) or str(error)
        raise Refusal(
            f"the policy pack's interpreter {virtualenv}/bin/python does not run ({detail.strip()}); "
            f"{PACK_INSTALL_HINT}"
        ) from error
    problems = []
    for requirement in requirements:
        version = installed.get(requirement.name)
        if version is None:
            problems.append(f"{requirement.name} is not installed (needs {requirement.specifier})")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name} {version} is installed (needs {requirement.specifier})")
    if problems:
        raise Refusal(
            f"the policy pack's dependencies are not installed in "
            f"{virtualenv}: {'; '.join(problems)}; {PACK_INSTALL_HINT}"
        )


# The signal that asks pulumi to stop, for each stop signal toms receives while pulumi runs. The pulumi CLI
# cancels on its first SIGINT or SIGTERM (SIGTERM since v3.136, pulumi/pulumi#17467): it lets the operations
# in flight finish, saves the checkpoint and releases the stack lock. On a second one it stops at once,
# which may orphan resources; toms hands that one on too, because whoever sends it asks for exactly that.
# pulumi does not handle SIGHUP, which ends it as abruptly as SIGKILL would, so a hang-up is handed on as
# SIGTERM. toms never sends SIGKILL itself: a pulumi killed mid-update leaves the stack locked and the
# checkpoint behind what AWS holds.
STOP_REQUESTS: dict[signal.Signals, signal.Signals | None] = {
    signal.SIGINT: signal.SIGINT,
    signal.SIGTERM: signal.SIGTERM,
    signal.SIGHUP: signal.SIGTERM,
}


def run_pulumi(command: list[str], root: Path) -> int:
    """Run pulumi in the project directory and hand back its exit code unchanged; when toms is asked to stop
    meanwhile, ask pulumi to stop, wait for it to end, and exit as any toms command a signal ends.

    Which process group pulumi runs in decides who delivers each signal, so that pulumi gets each exactly
    once (a second one would make it stop at once instead of cancelling cleanly):
    - toms in the foreground of a terminal: pulumi stays in toms' group, as a program a shell starts does,
      so it can read the terminal (its confirmation prompt). The terminal sends Ctrl-C to the whole group,
      pulumi included, so toms does not hand SIGINT on. A closed terminal hangs up the whole group too:
      pulumi starts with SIGHUP ignored (it would die of it), and toms asks it to stop with SIGTERM.
    - otherwise (CI, a script, `timeout`): pulumi gets a process group of its own. A signal sent to toms'
      whole group (GNU timeout sends one so) then reaches pulumi only through toms, which hands on every one.
    docs/deploying.md tells the rest, and what still reaches pulumi twice.
    """
    shares_terminal = interruption.in_terminal_foreground()
    requests = {**STOP_REQUESTS, signal.SIGINT: None} if shares_terminal else STOP_REQUESTS
    # A Ctrl-C that comes before pulumi is attached may have come before pulumi was in the group: handed on.
    with interruption.handed_over(requests, before_attach=STOP_REQUESTS) as handover:
        with interruption.ignored_by_children(signal.SIGHUP) if shares_terminal else nullcontext():
            process = subprocess.Popen(command, cwd=root, process_group=None if shares_terminal else 0)
        handover.attach(process)
        return_code = process.wait()
    if not handover.received:
        # A pulumi killed by a signal gets the shell's exit code for it, never a success.
        return 128 - return_code if return_code < 0 else return_code
    first = handover.received[0]
    print(interruption.ending_line(first, stopped_pulumi(handover, return_code)), file=sys.stderr)
    return interruption.exit_code(first)


def stopped_pulumi(handover: interruption.Handover, return_code: int) -> str:
    """What toms did to stop pulumi and how pulumi ended, e.g. "pulumi was asked to stop (SIGTERM sent to
    it) and exited with code 255"."""
    if handover.sent:
        asked = f"pulumi was asked to stop ({', '.join(sent.name for sent in handover.sent)} sent to it)"
    else:
        asked = "pulumi got the interrupt from the terminal"
    if return_code < 0:
        ended = f"was killed by {signal.Signals(-return_code).name}"
    else:
        ended = f"exited with code {return_code}"
    return f"{asked} and {ended}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    descriptions = {
        "preview": "pulumi preview for one client stack, under the policy pack and that client's pack config",
        "up": "pulumi up for one client stack, under the policy pack and that client's pack config; "
        "pulumi asks for confirmation unless --yes is given",
        "check": "only check that a policy-checked run can start: stack file, pack config, pack virtualenv",
    }
    for action, description in descriptions.items():
        action_parser = actions.add_parser(action, help=description, description=description)
        action_parser.add_argument(
            "--stack", required=True, type=client_name, metavar="CLIENT", help="client stack name, e.g. acme"
        )
        add_project_option(action_parser)
        if action == "up":
            action_parser.add_argument(
                "--yes",
                action="store_true",
                help="apply without asking (CI); the diff is still printed and the pack still runs",
            )


def run(args: argparse.Namespace) -> int:
    root = project_root()
    try:
        config = check_client_files(root, args.stack)
        check_pack_dependencies(root)
        check_pack_config(root, args.stack, config)
        if args.action == "check":
            print(
                f"ready: {stack_file(args.stack)}, {pack_config_file(args.stack)} and the policy pack's "
                "pinned dependencies are in place"
            )
            return 0
        if shutil.which("pulumi") is None:
            raise Refusal("the pulumi CLI is not on PATH; install it: https://www.pulumi.com/docs/install/")
    except Refusal as refusal:
        print(f"toms deploy: refused, pulumi was not run: {refusal}", file=sys.stderr)
        return REFUSED
    command = pulumi_command(args.action, args.stack, yes=getattr(args, "yes", False))
    print(f"+ {shlex.join(command)}", file=sys.stderr, flush=True)
    return run_pulumi(command, root)
