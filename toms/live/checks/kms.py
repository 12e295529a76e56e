"""KMS: the client's own keys (the other services' checks ask whether a key is one of them) and rotation."""

from __future__ import annotations

from toms.live.checks import AuditContext, Resource, Verdict, check, discovers

SERVICE = "kms"
KEY = "KMS key"


@discovers(SERVICE, KEY, scope=lambda context: context.session.arn("kms", "key/*"))
def client_keys(context: AuditContext) -> list[Resource]:
    return [Resource(arn, {"KeyId": arn.rsplit("/", 1)[1]}) for arn in context.tagged_arns("kms")]


@check("kms-rotation", service=SERVICE, kind=KEY, title="automatic key rotation on")
def rotation(context: AuditContext, resource: Resource) -> Verdict:
    status = context.client_for("kms").get_key_rotation_status(KeyId=resource.arn)
    on = bool(status.get("KeyRotationEnabled"))
    observed = {"rotation": on, "rotation_period_days": status.get("RotationPeriodInDays")}
    return Verdict(on, observed, "automatic rotation on" if on else "automatic rotation off")
