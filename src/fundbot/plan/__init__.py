"""plan: pure and deterministic. Budget, graph weights, allocation, notes and fingerprint."""
