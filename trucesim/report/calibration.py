"""The text ``trucesim calibrate`` prints once every file of a fit is written.

:func:`format_calibration` lays out, for the terminal, how the fit chose its particles (a
reference table and its tolerance, a second stage, or ABC-SMC's generations), the posterior of
each fitted value (weighted mean ± sd, 5% / median / 95%), each fact's probability before and
after the fit (:func:`trucesim.history.backtest.fit_check`) and the files written.

Examples
--------
>>> from trucesim.config.calibration import load_calibration      # doctest: +SKIP
>>> print(format_calibration(load_calibration("joint"), fit, check, 720.0, 4000, Path("fits/joint")))  # doctest: +SKIP
reference table (720 s): 65,536 prior draws, 60,455 consistent and simulated; kept the 100 nearest ...
"""

from __future__ import annotations

from pathlib import Path

from trucesim.config.calibration import Calibration
from trucesim.history.fits import Fit
from trucesim.history.posterior import summary


def format_calibration(cal: Calibration, fit: Fit, check: dict, seconds: float, check_worlds: int, out: Path) -> str:
    """The fit, its posterior and its check as lines of text; ``seconds`` the fit's wall time, ``check_worlds``
    the worlds per round of the check (``--check-worlds``), ``out`` the directory written."""
    lines = []
    table = cal.method == "table"
    if table:
        g = fit.generations[0]
        lines.append(
            f"reference table ({seconds:.0f} s): {cal.table:,} prior draws, {g['evaluations']:,} "
            f"consistent and simulated; kept the {len(fit.particles)} nearest (tolerance {g['epsilon']:.4f})"
        )
        if cal.refine:
            g = fit.generations[-1]
            lines.append(
                f"second stage: {cal.refine:,} draws near them, {g['evaluations']:,} consistent and simulated; kept the "
                f"{len(fit.particles)} nearest (tolerance {g['epsilon']:.4f}), weighted (effective sample {g['ess']:.0f})"
            )
    else:
        lines.append(f"generations ({seconds:.0f} s):")
        lines += [
            f"  {g['generation']}: tolerance {g['epsilon']:.4f}, {g['evaluations']} simulated, "
            f"acceptance {g['acceptance']:.0%}"
            for g in fit.generations
        ]
    lines.append("posterior (weighted; 5% / median / 95%):")
    lines += [
        f"  {row.key:<45} {row.mean:6.3f} ± {row.sd:5.3f}   {row.q05:6.3f} {row.median:6.3f} {row.q95:6.3f}"
        for row in summary(fit.particles, cal.fit).itertuples()
    ]
    lines.append(f"probability of what happened, before -> after the fit ({check_worlds:,} worlds per round):")
    lines += [
        f"  {name.replace(':', ': '):<44} {v['before']:5.2f} -> {v['after']:5.2f}   ({v['observed']})"
        for name, v in check["facts"].items()
    ]
    b, a = check["totals"]["before"]["overall"], check["totals"]["after"]["overall"]
    lines.append(
        f"  all rounds: hits {b['hits']}/{b['facts']} -> {a['hits']}/{a['facts']}, mean Brier {b['brier']:.3f} -> "
        f"{a['brier']:.3f}, mean log {b['log']:.3f} -> {a['log']:.3f}"
    )
    lines.append(
        f"wrote {out}/: {'table/' if table else 'abc.db'} fit.json particles.parquet shares.parquet fitted.toml posterior.png "
        "predictive.png scorecard-before.png scorecard-after.png backtest.json"
    )
    return "\n".join(lines)
