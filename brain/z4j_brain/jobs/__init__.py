"""Background jobs; each elects one leader across all brain processes and replicas."""
