"""A policy's settings: its config values with secure defaults, its waivers, and the errors in its config.

`Exemption` is the one model of "an exception with a reason and an expiry": a waiver is an exemption for
named resources; anything else the pack config may relax (an enforcement level below mandatory, an extra
resource type) is an exemption too, parsed and bounded the same way, so every relaxation carries a
reason, runs out within `EXEMPTION_MAX_DAYS` and stays visible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jsonschema

from .values import as_int

# The longest an exemption may run, from today (UTC): a year and a day, so it comes up at least once a
# year. Without a cap an expiry such as 9999-12-31 would make an exemption permanent.
EXEMPTION_MAX_DAYS = 366

# The JSON-schema properties every exemption carries; `exemption_schema` adds what is exempted.
EXEMPTION_PROPERTIES: dict[str, Any] = {
    "reason": {"type": "string", "minLength": 1, "pattern": r"\S"},
    "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
}


def exemption_schema(properties: Mapping[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    """The schema of one exemption entry: `properties` (what is exempted) plus `reason` and `expires`."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [*required, "reason", "expires"],
        "properties": {**properties, **EXEMPTION_PROPERTIES},
    }


def today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Exemption:
    """An exception to a rule, with why it is acceptable and the day it runs out (inclusive)."""

    reason: str
    expires: date

    def active(self, on_date: date) -> bool:
        return self.expires >= on_date

    @property
    def terms(self) -> str:
        return f"until {self.expires.isoformat()}: {self.reason}"


class ExemptionError(ValueError):
    """An exemption entry whose expiry is not a date or lies too far ahead; the message names where."""


def parse_exemption(raw: Mapping[str, Any], where: str, what: str, on_date: date) -> Exemption:
    """The exemption of a schema-valid entry `raw`; raises `ExemptionError` for a bad or too distant expiry.

    `where` is the entry's path in the pack config, `what` names the entry in messages ("the waiver for db").
    """
    try:
        expires = date.fromisoformat(str(raw["expires"]))
    except ValueError:
        raise ExemptionError(
            f"{where}.expires: {raw['expires']!r} is not a calendar date (YYYY-MM-DD)"
        ) from None
    latest = on_date + timedelta(days=EXEMPTION_MAX_DAYS)
    if expires > latest:
        raise ExemptionError(
            f"{where}.expires: {what} expires on {expires.isoformat()}, more than "
            f"{EXEMPTION_MAX_DAYS} days from today ({on_date.isoformat()}); let it run until "
            f"{latest.isoformat()} at the latest, then review and renew it"
        )
    return Exemption(str(raw["reason"]).strip(), expires)


# A waiver names a resource by its URN, or by the URN's stack-independent part: the type chain from the
# root (parent types, then its own, joined by `$`) and the name, e.g.
# `toms:database:EncryptedDatabase$aws:rds/instance:Instance::acme-db`. A bare logical name is refused:
# many resources may share it (every component's `db`), and a waiver must not silence them all.
RESOURCE_REFERENCE_PATTERN = (
    r"^(urn:pulumi:[^:]+::[^:]+::)?[^:$]+:[^:$]*:[^:$]+(\$[^:$]+:[^:$]*:[^:$]+)*::.+$"
)

WAIVERS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Exemptions: the policy is waived for the named resources (URN or `<type chain>::<name>`) "
    f"until `expires` (YYYY-MM-DD, at most {EXEMPTION_MAX_DAYS} days from today). The waived finding is "
    "still reported as advisory, and so is a waiver that matches no resource.",
    "default": [],
    "items": exemption_schema(
        {
            "resources": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": RESOURCE_REFERENCE_PATTERN},
            }
        },
        ("resources",),
    ),
}


def urn_reference(urn: str) -> str:
    """The stack-independent part of a URN: `<type chain>::<name>`."""
    parts = urn.split("::", 2)
    return parts[2] if len(parts) == 3 else urn


@dataclass(frozen=True)
class Waiver:
    """An exemption from one policy for the resources it names."""

    resources: tuple[str, ...]
    exemption: Exemption

    def names(self, reference: str, urn: str) -> bool:
        """True when `reference` (one of `resources`) names the resource with this URN."""
        return reference == urn or (not reference.startswith("urn:") and reference == urn_reference(urn))

    def covers(self, urn: str) -> bool:
        return any(self.names(reference, urn) for reference in self.resources)


@dataclass(frozen=True)
class Settings:
    """A policy's effective config: tunables with defaults filled in, valid waivers, and config errors."""

    values: Mapping[str, Any]
    waivers: tuple[Waiver, ...] = ()
    errors: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def int(self, key: str) -> int:
        number = as_int(self.values[key])
        assert number is not None, f"{key} passed schema validation as an integer"
        return number

    def strings(self, key: str) -> tuple[str, ...]:
        return tuple(str(item) for item in self.values[key])


@dataclass(frozen=True, eq=False)
class SharedSetting:
    """One setting that several policies read, such as the replica floor.

    The CLI hands each policy only its own config, so every policy that reads the setting declares it as
    a property under the same `key`, with this one schema (`resource_rule(..., shared=(SETTING,))`), and
    reads it as any other property. `Configure` refuses a pack config that gives it different values in
    different policies (`kit.packconfig`), so they all read one value. `meaning` names it in that message.
    """

    key: str
    schema: Mapping[str, Any]
    meaning: str

    @property
    def property(self) -> dict[str, dict[str, Any]]:
        return {self.key: dict(self.schema)}


ConfigCheck = Callable[[Settings], "str | None"]
"""A cross-field check of a policy's settings (for example min <= max): an error message or None."""


def bounds_check(low_key: str, high_key: str) -> ConfigCheck:
    def check(settings: Settings) -> str | None:
        low, high = settings.int(low_key), settings.int(high_key)
        return f"{low_key} ({low}) is greater than {high_key} ({high})" if low > high else None

    return check


def read_settings(
    schema: Mapping[str, Any],
    properties: Mapping[str, Mapping[str, Any]],
    checks: tuple[ConfigCheck, ...],
    config: Mapping[str, Any],
    on_date: date,
) -> Settings:
    """Validate `config` against `schema` as the Pulumi CLI does, fill in defaults, parse the waivers.

    A property that fails validation keeps its (secure) default, and the error is reported: a broken
    config never loosens a policy.
    """
    errors: list[str] = []
    validator = jsonschema.Draft7Validator(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(part) for part in error.absolute_path) or "(config)"
        errors.append(f"{where}: {error.message}")
    values = {key: property_schema.get("default") for key, property_schema in properties.items()}
    bad_keys = {error.split(":", 1)[0].split(".")[0] for error in errors}
    for key in properties:
        if key in config and key not in bad_keys:
            values[key] = config[key]
    waivers: list[Waiver] = []
    raw_waivers = config.get("waivers", [])
    for index, raw in enumerate(raw_waivers if isinstance(raw_waivers, list) else []):
        where = f"waivers.{index}"
        if any(error.startswith(where) or error.startswith("waivers:") for error in errors):
            continue
        resources = tuple(str(name) for name in raw["resources"])
        try:
            waivers.append(
                Waiver(
                    resources, parse_exemption(raw, where, f"the waiver for {', '.join(resources)}", on_date)
                )
            )
        except ExemptionError as error:
            errors.append(str(error))
    settings = Settings(values, tuple(waivers), tuple(errors))
    if errors:
        return settings
    cross = tuple(message for check in checks if (message := check(settings)))
    return Settings(values, tuple(waivers), cross)
