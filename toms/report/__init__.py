"""The evidence report: the command (`command`), its model (`model`), each measure's coverage (`coverage`),
the program's values (`values`), the policies' state (`policy_state`), the live evidence it reads
(`evidence`) and the Jinja2 templates that write it out (`render`, `templates/`)."""
