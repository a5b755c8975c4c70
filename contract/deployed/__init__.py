"""Prove a stack the harness did not start (`python -m contract --deployed STACK.yaml`)."""
