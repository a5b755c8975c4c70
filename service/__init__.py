"""The Techno OS backend: a gated, audited, measured request pipeline on aiohttp."""

__version__ = "0.1.0"
