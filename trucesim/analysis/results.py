"""A sweep's results directory, read: its worlds, points, manifest and scenario.

:func:`load_results` reads the ``--out`` directory of ``trucesim sweep`` into a
:class:`Results`; :func:`open_results` does the same for a path a user named,
with a one-line :class:`ResultsError` saying what is wrong with it.
:func:`seats_kept` and :func:`majority` read a table's coalition seats
against a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from trucesim.config.distributions import Dist
    from trucesim.config.scenario import Scenario


class ResultsError(ValueError):
    """A sweep's results that cannot give what was asked; ``str(err)`` is one line for the user."""


@dataclass
class Results:
    """A sweep's results directory, read: the worlds, the points and the manifest.

    ``worlds`` has one row per world (``point``, ``replicate``, one column per
    factor, then every outcome column); ``points`` one row per design point
    (or ``None``); ``scenario`` the :class:`~trucesim.config.scenario.Scenario` the
    sweep ran, rebuilt from the manifest (see :func:`scenario_from_record`).
    Not to be confused with :class:`trucesim.sweep.experiment.Experiment`, the
    experiment *file* that produced them.
    """

    path: Path
    manifest: dict
    worlds: pd.DataFrame
    points: pd.DataFrame | None = None
    scenario: Scenario | None = None
    factors: list[str] = field(default_factory=list)

    @property
    def scenario_name(self) -> str:
        if self.scenario is not None:
            return self.scenario.name
        from trucesim.config.scenario import scenario_label

        rec = self.manifest.get("scenario")
        if isinstance(rec, dict):
            return scenario_label(str(rec.get("path", "scenario")), rec)
        return Path(str(rec)).stem if rec else "scenario not recorded"

    @property
    def design_kind(self) -> str:
        d = self.manifest.get("design") or {}
        return str(d.get("kind", "unknown")) if isinstance(d, dict) else str(d)

    @property
    def labels(self) -> dict[str, str]:
        """Actor id to label: the scenario's, or the manifest's record of them."""
        if self.scenario is not None:
            return dict(getattr(self.scenario, "labels", {}) or {})
        rec = self.manifest.get("scenario")
        return dict(rec.get("labels") or {}) if isinstance(rec, dict) else {}

    @property
    def name(self) -> str:
        e = self.manifest.get("experiment")
        if isinstance(e, dict):
            return str(e.get("name") or Path(str(e.get("path", self.path.name))).stem)
        return str(e or self.path.name)


def scenario_from_record(record: dict):
    """The :class:`~trucesim.config.scenario.Scenario` a sweep ran, rebuilt from its manifest's ``scenario`` record.

    The record holds every resolved value (numbers, or distributions as
    ``{"dist": kind, ...}``), the actors and their labels, so the scenario is
    the one simulated even if its file has since moved or changed.
    """
    from trucesim.config.distributions import Dist
    from trucesim.config.scenario import Scenario

    values: dict[str, float | Dist] = {}
    for k, v in record["values"].items():
        if isinstance(v, dict):
            values[k] = Dist.from_record(v)
        else:
            values[k] = float(v)
    return Scenario(
        path=Path(str(record.get("path", "scenario.toml"))),
        meta=dict(record.get("meta") or {}),
        values=values,
        sources=dict(record.get("sources") or {}),
        actors=dict(record["actors"]),
        targets=dict(record.get("targets") or {}),
        labels=dict(record.get("labels") or {}),
    )


def _scenario_of(manifest: dict, base: Path):
    from trucesim.config.scenario import ScenarioError, load_scenario

    rec = manifest.get("scenario")
    ref = rec  # the scenario's path, from the record or as the record
    if isinstance(rec, dict) and "values" in rec and "actors" in rec:
        try:
            return scenario_from_record(rec)
        except (KeyError, TypeError, ValueError):
            pass
        ref = rec.get("path")
    if not ref:
        return None
    for c in (Path(ref), base / ref, base.parent / ref):
        if c.is_file():
            try:
                return load_scenario(c)
            except ScenarioError:
                return None
    return None


def load_results(path: str | Path) -> Results:
    """Read the results directory of a sweep (the ``--out`` of ``trucesim sweep``).

    Raises
    ------
    trucesim.sweep.store.StoreError
        (a ``ValueError``) with a one-line message: not a results directory,
        an unfinished sweep, an unreadable manifest.

    Examples
    --------
    >>> from trucesim.analysis.probability import probability_by
    >>> exp = load_results("out/prisoners-vs-us-pressure")          # doctest: +SKIP
    >>> probability_by(exp.worlds, exp.factors[:2], "deal")           # doctest: +SKIP
    """
    from trucesim.sweep import store

    path = Path(path)
    manifest = store.load_manifest(path)
    worlds = store.load(path)
    points = None
    if (path / "points.parquet").is_file():
        points = store.load_points(path)
    factors = list(manifest.get("factors") or [])
    return Results(
        path=path,
        manifest=manifest,
        worlds=worlds,
        points=points,
        scenario=_scenario_of(manifest, path),
        factors=factors,
    )


def is_experiment_file(path: Path) -> bool:
    """Whether a TOML file is an experiment file rather than a scenario, by its top-level keys
    (:func:`trucesim.config.tomlio.kind_of`, the rule every reader uses); an unreadable file is not."""
    from trucesim.config.tomlio import TomlError, kind_of, read_toml

    try:
        raw = read_toml(path, str(path))
    except TomlError:
        return False
    return kind_of(raw) == "experiment"


def open_results(target: str | Path, why: str) -> Results:
    """Read a sweep's results directory that a user named, for ``why`` (e.g. ``"--kind heatmap"``).

    Raises
    ------
    ResultsError
        One line: no such directory, a scenario or experiment file given
        instead (with what to run), an unreadable or empty sweep.
    """
    target = Path(target)
    if not target.exists():
        raise ResultsError(f"{target}: no such directory (expected a results directory written by 'trucesim sweep')")
    if target.is_file():
        if target.suffix.lower() == ".toml" and is_experiment_file(target):
            raise ResultsError(
                f"{why} needs a sweep's results directory, found the experiment file {target}; "
                f"run it first: trucesim sweep {target} --out DIR"
            )
        if target.suffix.lower() == ".toml":
            raise ResultsError(
                f"{why} needs a sweep's results directory, found the scenario file {target}; "
                f"sweep an experiment first (trucesim sweep EXPERIMENT.toml --out DIR)"
            )
        raise ResultsError(f"{target}: expected a results directory written by 'trucesim sweep', found a file")
    try:
        results = load_results(target)
    except (OSError, ValueError) as e:
        raise ResultsError(str(e).splitlines()[0] if str(e) else f"{target}: cannot read the sweep") from None
    if len(results.worlds) == 0:
        raise ResultsError(f"{target}: the sweep holds no worlds yet (run it, or resume it with --resume)")
    return results


def seats_kept(df: pd.DataFrame, scenario) -> pd.Series:
    """Coalition seats kept in each world: the seats of the partners that did not quit.

    A party's seats come from a ``actors.<party>.seats`` column when the sweep
    varied them, otherwise from the scenario.

    Examples
    --------
    >>> from trucesim import load_scenario
    >>> s = load_scenario("scenarios/april-2024.toml")                      # doctest: +SKIP
    >>> seats_kept(pd.DataFrame({"exit_coalition_core": [False], "exit_religious_zionism": [True],
    ...                          "exit_otzma_yehudit": [False]}), s).tolist()  # doctest: +SKIP
    [57.0]
    """
    total = np.zeros(len(df))
    for p in scenario.actors_of("coalition_party"):
        col = f"actors.{p}.seats"
        seats = df[col].to_numpy(float) if col in df.columns else float(scenario.value(col))
        exited = df[f"exit_{p}"].to_numpy(bool) if f"exit_{p}" in df.columns else np.zeros(len(df), bool)
        total += np.where(exited, 0.0, seats)
    return pd.Series(total, index=df.index, name="seats_kept")


def majority(df: pd.DataFrame, scenario) -> float | np.ndarray:
    """The seats a government needs (``context.knesset_majority``), per world when a sweep varied it."""
    key = "context.knesset_majority"
    return df[key].to_numpy(float) if key in df.columns else float(scenario.value(key))


__all__ = [
    "Results",
    "ResultsError",
    "is_experiment_file",
    "load_results",
    "majority",
    "open_results",
    "scenario_from_record",
    "seats_kept",
]
