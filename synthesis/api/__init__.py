"""The HTTP API (DRF): one concept per module, composed in views and settings."""
