"""Running worlds: chunks and seeds, simulation, outcome tables, summaries, intervals, executors."""
