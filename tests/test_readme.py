"""README.md says what the product does: its configuration reference and its example stack file."""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import BaseModel

from components.config import ClientConfig, parse_client_config
from tests.conftest import REPO
from toms.project import flatten_stack_config

README = (REPO / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def reference_keys() -> list[str]:
    """The dotted keys of the configuration reference table, in order."""
    return re.findall(r"^\| `([a-z]+:[A-Za-z.]+)` \|", section("Configuration reference"), re.MULTILINE)


def model_keys(model: type[BaseModel] = ClientConfig, prefix: str = "") -> list[str]:
    """Every key the stack file may set, dotted as the reference writes it."""
    keys = []
    for field in model.model_fields.values():
        key = f"{prefix}{field.alias}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += model_keys(annotation, f"{key}.")
        else:
            keys.append(key)
    return keys


def example_stack_file() -> tuple[str, dict[str, Any]]:
    (block,) = re.findall(r"```yaml\n(.*?)```", section("Configuration reference"), re.DOTALL)
    return block, yaml.safe_load(block)


def test_the_reference_lists_every_key_once() -> None:
    listed = reference_keys()
    assert len(listed) == len(set(listed))
    # aws:profile is read by the program itself, not by the validated model.
    assert set(listed) == {*model_keys(), "aws:profile"}


def test_the_example_block_is_a_valid_stack_file_for_its_stack() -> None:
    _, document = example_stack_file()
    config = parse_client_config(
        flatten_stack_config(document["config"], "README.md"), "README.md", stack="acme"
    )
    assert config.client == "acme"


def test_each_dotted_name_in_the_example_is_the_key_it_annotates() -> None:
    """`logDays: 90  # toms:retention.logDays`: the comment is the reference's name for that line's key."""
    block, _ = example_stack_file()
    annotated = 0
    path: list[tuple[int, str]] = []
    for line in block.splitlines():
        match = re.match(r"^( *)([\w:]+):", line)
        if not match:
            continue
        indent, key = len(match[1]), match[2]
        # The reference's name is the comment's first word: `# toms:client, the stack's name`.
        comment = line.partition(" # ")[2].split(",")[0].strip()
        path = [(level, name) for level, name in path if level < indent] + [(indent, key)]
        if comment:
            assert comment == ".".join(name for _, name in path[1:]), line
            assert comment in reference_keys()
            annotated += 1
    assert annotated >= 7
