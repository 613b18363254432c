"""What a sweep's manifest records of its experiment, and what ``--resume`` compares.

:func:`make_manifest` builds the ``manifest.json`` of a sweep from its experiment and design
(:func:`scenario_record` its scenario's values and provenance; :mod:`trucesim.sweep.store` writes
and reads it, checking its checksum and keys before any reader uses it);
:func:`check_same_experiment` refuses to resume a sweep with another experiment, and
:func:`check_same_design` one whose recorded design is not its experiment's, each naming the
first key that differs.
"""

from __future__ import annotations

import json
from pathlib import Path

from trucesim.config.flatten import ABSENT, first_difference, flatten
from trucesim.run.chunks import n_chunks
from trucesim.sweep.store import FORMAT, MANIFEST, StoreError, canonical, manifest_checksum, show_json


def scenario_record(scenario) -> dict:
    """A scenario's resolved values and provenance, as recorded in a manifest."""
    from trucesim.config.distributions import Dist

    def value(v):
        return v.record() if isinstance(v, Dist) else v  # a sample keeps its values, weights and joint group

    return {
        "path": str(scenario.path),
        "name": scenario.name,
        "meta": dict(scenario.meta),
        "actors": dict(scenario.actors),
        "targets": dict(scenario.targets),
        "labels": dict(scenario.labels),
        "values": {k: value(scenario.values[k]) for k in sorted(scenario.values)},
        "sources": {k: scenario.sources[k] for k in sorted(scenario.sources)},
    }


def make_manifest(experiment, design, chunk_worlds: int) -> dict:
    """The manifest of a sweep (``design`` may be ``None`` when only its identity is needed)."""
    from trucesim import __version__

    points = design.points if design is not None else experiment.n_points
    worlds = points * experiment.worlds_per_point
    manifest = {
        "format": FORMAT,
        "trucesim_version": __version__,
        "experiment": experiment.to_dict(),
        "scenario": scenario_record(experiment.scenario),
        "seed": experiment.seed,
        "chunk_worlds": int(chunk_worlds),
        "worlds_per_point": experiment.worlds_per_point,
        "points": points,
        "worlds": worlds,
        "chunks": n_chunks(worlds, chunk_worlds),
        "factors": list(experiment.factor_keys),
        "design": design.to_dict() if design is not None else None,
        "columns": {
            "point": "design point id (row of design.matrix)",
            "replicate": "world within its point, 0 .. worlds_per_point - 1",
            "<factor key>": "the factor's value at the point",
            "world": "flat world index: point * worlds_per_point + replicate",
            "...": "the per-world outcomes of `trucesim run --out` (see docs/experiments.md)",
        },
    }
    if design is not None:
        manifest["checksum"] = manifest_checksum(manifest)
    return manifest


def identity(manifest: dict) -> dict:
    """What makes two sweeps the same dataset: values, factors, design, seed, chunk size, version.

    Paths, names, descriptions and sources are left out: moving or
    re-commenting a file does not change the worlds it produces.
    """
    exp = manifest["experiment"]
    scen = manifest["scenario"]
    return {
        "trucesim_version": manifest["trucesim_version"],
        "seed": manifest["seed"],
        "chunk_worlds": manifest["chunk_worlds"],
        "worlds_per_point": manifest["worlds_per_point"],
        "factors": {k: {kk: vv for kk, vv in f.items() if kk != "source"} for k, f in exp["factors"].items()},
        "factor_order": list(exp["factors"]),
        "design": exp["design"],
        "scenario.actors": scen["actors"],
        "scenario.targets": scen["targets"],
        "scenario.values": scen["values"],
    }


def check_same_experiment(old: dict, new: dict, out: Path, experiment_path) -> None:
    """Raise :class:`StoreError` naming the first difference between two manifests' identities."""
    a = json.loads(json.dumps(identity(old)))
    b = json.loads(json.dumps(identity(new)))
    if a == b:
        return
    fa, fb = flatten(a), flatten(b)
    key = first_difference(fa, fb)
    if key is not None:
        raise StoreError(
            f"{out / MANIFEST}: --resume: {key}: expected {show_json(fa.get(key, ABSENT))} (the sweep in "
            f"{out}), found {show_json(fb.get(key, ABSENT))} (from {experiment_path} and the options given); "
            f"resume with the same experiment, or choose another --out to start a new sweep"
        )
    raise StoreError(f"{out / MANIFEST}: --resume: the experiment differs from the sweep in {out}")


def check_same_design(manifest: dict, design: dict, out: Path, experiment_path) -> None:
    """Raise :class:`StoreError` unless the manifest's design is ``design``, recomputed from the experiment
    (:meth:`Design.to_dict`), naming the first key that differs; a resumed sweep never takes its design
    from the manifest on trust."""
    # under "design." so that a design edited into a list or a number is compared too
    a = flatten({"design": json.loads(canonical(manifest.get("design") or {}))}, lists=True)
    b = flatten({"design": json.loads(canonical(design))}, lists=True)
    key = first_difference(b, a)
    if key is not None:
        raise StoreError(
            f"{out / MANIFEST}: --resume: {key}: expected {show_json(b.get(key, ABSENT))} (recomputed from "
            f"{experiment_path}), found {show_json(a.get(key, ABSENT))} (in the manifest); the manifest does "
            f"not match its experiment: restore it, or start a new sweep with another --out"
        )
