"""The toms CrossGuard policy pack, run by the Pulumi engine; `toms_pack` holds its rules."""
