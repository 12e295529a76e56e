"""Running Pulumi programs and the policy pack with no cloud account: the mock runtime and its answers
(mock_runtime, mocks, invoke_answers), the lazy SDK loader, and the engine's side of the Analyzer protocol
(analyzer_client). The live tools never import this package."""
