"""Scenario files: the parameter table, the terms, distributions, reading and validating TOML."""
