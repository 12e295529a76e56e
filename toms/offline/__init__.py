"""Running Pulumi programs and the policy pack with no cloud account.

toms' side: program_process (starts the program in its own interpreter and folder, reads its results) and
analyzer_client (the engine's side of the Analyzer protocol, speaking to the pack's process). The program's
side, loaded by the harness under a private name in the program's interpreter, so it imports nothing of
toms outside this package: harness, mock_runtime, mocks (resource outputs as a table), invoke_answers and
typed_answers (provider functions), records, lazy_sdk. The live tools never import this package.
"""
