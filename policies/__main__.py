"""The toms CrossGuard policy pack. The Pulumi engine runs it as `python -m pulumi.policy <engine> .` from
this folder; `serve()` starts the analyzer server (the policy SDK's, with the pack's real version and a
Configure that refuses a loosening config) and prints its port."""

from toms_pack.pack import serve

serve()
