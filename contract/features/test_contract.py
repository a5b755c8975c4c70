"""Bind the feature files to pytest, in the order the contract runs them."""

from pytest_bdd import scenarios

# Alert delivery stops the backend, so it runs after every part that reads the live backend.
scenarios(
    "health.feature",
    "scrape.feature",
    "catalog.feature",
    "rules.feature",
    "runbooks.feature",
    "dashboards.feature",
    "alerts.feature",
    "grafana.feature",
)
