"""The offline preview: one stack's program and the policy pack, judged as `pulumi preview` would judge them
(run), what it is made of (model), and how it reports (console, json_report, sarif; the command: cli)."""
