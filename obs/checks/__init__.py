"""Static proofs of the generated artifacts: promtool, amtool, PromQL and dashboard model."""
