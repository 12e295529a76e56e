"""What every rule of the pack shares, in four parts:

- `values`: plain properties with `UNKNOWN` / `MISSING`, resources and the stack they sit in;
- `outcomes`: what a rule yields (`Violation`, `Advisory`, `Unverifiable`) and helpers for common checks;
- `settings`: a policy's config with secure defaults, its waivers, and `Exemption` (reason + expiry);
- `registry` and `adapter`: the decorators that register a rule, discovery, and the bridge to
  `pulumi_policy` (config validation, waivers, unknowns by phase, the waived-findings hand-off).

Rule modules import what they need from here.
"""

from .accounts import TRUSTED_ACCOUNTS, arn_account, describe_accounts, outside_accounts, own_accounts
from .adapter import WAIVED_FINDINGS, WAIVED_STACK_FINDINGS, FindingsHandoff, build_policy, is_preview
from .outcomes import (
    Advisory,
    Items,
    Outcome,
    Unverifiable,
    Violation,
    decide,
    forbid_true,
    list_items,
    optional_int_at_most,
    require_customer_key,
    require_int_between,
    require_reference,
    require_true,
)
from .registry import REGISTRY, Rule, discover, resource_rule, stack_rule
from .settings import (
    EXEMPTION_MAX_DAYS,
    Exemption,
    ExemptionError,
    Settings,
    SharedSetting,
    Waiver,
    bounds_check,
    exemption_schema,
    parse_exemption,
    today,
)
from .values import (
    EACH,
    MISSING,
    UNKNOWN,
    Joined,
    Resource,
    Stack,
    as_int,
    as_list,
    describe,
    is_aws_managed_key_reference,
    is_customer_key_reference,
    is_set_reference,
    is_unknown,
    lookup,
    plain,
    values_at,
)

__all__ = [
    "EACH",
    "EXEMPTION_MAX_DAYS",
    "MISSING",
    "REGISTRY",
    "TRUSTED_ACCOUNTS",
    "UNKNOWN",
    "WAIVED_FINDINGS",
    "WAIVED_STACK_FINDINGS",
    "Advisory",
    "Exemption",
    "ExemptionError",
    "FindingsHandoff",
    "Items",
    "Joined",
    "Outcome",
    "Resource",
    "Rule",
    "Settings",
    "SharedSetting",
    "Stack",
    "Unverifiable",
    "Violation",
    "Waiver",
    "arn_account",
    "as_int",
    "as_list",
    "bounds_check",
    "build_policy",
    "decide",
    "describe",
    "describe_accounts",
    "discover",
    "exemption_schema",
    "forbid_true",
    "is_aws_managed_key_reference",
    "is_customer_key_reference",
    "is_preview",
    "is_set_reference",
    "is_unknown",
    "list_items",
    "lookup",
    "optional_int_at_most",
    "outside_accounts",
    "own_accounts",
    "parse_exemption",
    "plain",
    "require_customer_key",
    "require_int_between",
    "require_reference",
    "require_true",
    "resource_rule",
    "stack_rule",
    "today",
    "values_at",
]
