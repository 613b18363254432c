"""Reports: a self-contained HTML page and the terminal text of a run."""
