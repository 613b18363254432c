"""Experiments: experiment files, designs, the sweep and its results directory."""
