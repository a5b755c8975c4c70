"""Server entry points the load benchmark starts as separate processes."""
