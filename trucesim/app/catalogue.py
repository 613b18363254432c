"""The scenarios the app offers: every scenario file in one folder, by name (the file's stem).

Files are loaded once and kept: a scenario is read again only when the app
restarts.  A file in the folder that is not a valid scenario is left out of
the list (``problems`` says why), so one broken file does not stop the app.

Examples
--------
>>> names, problems = scenario_names("scenarios")
>>> "april-2024" in names, problems
(True, {})
>>> load("scenarios", "april-2024").name
'april-2024'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from trucesim.config.scenario import Scenario, ScenarioError, load_scenario

#: environment variable through which `trucesim app` tells the page which scenario to show first
ENV_SCENARIO = "TRUCESIM_APP_SCENARIO"


def scenario_names(folder: str | Path) -> tuple[list[str], dict[str, str]]:
    """Names of the valid scenarios in ``folder``, sorted; and ``{file name: one-line error}`` for the others."""
    names, problems = [], {}
    for path in sorted(Path(folder).glob("*.toml"), key=lambda p: p.stem):
        try:
            load(str(folder), path.stem)
        except ScenarioError as e:
            problems[path.name] = str(e)
        else:
            names.append(path.stem)
    return names, problems


@lru_cache(maxsize=64)
def load(folder: str, name: str) -> Scenario:
    """The scenario ``folder/name.toml`` (cached).

    Raises
    ------
    ScenarioError
        If the file is missing or not a valid scenario.
    """
    path = Path(folder) / f"{name}.toml"
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file")
    return load_scenario(path)
