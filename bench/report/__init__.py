"""Turn measurements into what a reader sees: figures, a table, JSON and a chart."""
