"""Render the catalog into alerts/, dashboards/, runbooks/ and deploy/."""
