"""Credentials: API keys, sessions and their verifiers."""
