"""Programme figures, dashboards and exports."""
