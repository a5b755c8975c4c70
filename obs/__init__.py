"""Catalog-driven observability artifacts: alerts, dashboards, runbooks and stack configs."""
