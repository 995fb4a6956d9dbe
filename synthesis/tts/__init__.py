"""The speech engines: text in, audio out. Nothing in this package imports Django."""
