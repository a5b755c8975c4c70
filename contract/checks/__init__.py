"""Harness functions the steps call: each reads a live API and judges the answer."""
