"""Rules, constants and the TOM catalogue of the toms policy pack.

This package imports nothing from the rest of the repository: `pulumi policy publish` uploads the
`policies/` folder alone. The rest of the repository imports the catalogue and the shared constants
from here, so that one definition serves the components, the pack, the audit and the report.
"""
