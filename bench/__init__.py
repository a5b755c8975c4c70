"""Benchmarks: pipeline, generators and contract run, as ratios to same-run baselines."""
