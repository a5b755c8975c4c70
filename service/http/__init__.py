"""HTTP surface: app assembly, routes, envelopes, OpenAPI, admin and session endpoints."""
