"""The toms CrossGuard policy pack. Run by the Pulumi engine as `python policies`; `toms_pack` holds the rules."""
