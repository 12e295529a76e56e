"""The tools that talk to AWS: the session (`session`), the audit (`audit`, checks per service in `checks/`,
renderers in `audit_output`) and the restore drill (`drill`). Their artifacts are the models of `models`.

Nothing here imports the offline mock runtime (`toms.offline`): stack files are read through
`toms.project` like every other tool (an import-linter contract keeps it so).
"""
