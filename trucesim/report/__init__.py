"""Reports: the self-contained HTML pages (a sweep's, a scenario's) and the terminal text of every command that prints results (run, compare, backtest, calibrate, validate, sweep)."""
