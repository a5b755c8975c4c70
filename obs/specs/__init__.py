"""SLO specs other tools write: OpenSLO v1 and Sloth `prometheus/v1`, in and out of the catalog."""
