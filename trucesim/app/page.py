"""The app's page: Mesa's SolaraViz with trucesim's controls, live charts and panels.

Solara serves this module (``SOLARA_APP=trucesim.app.page``); the scenario
first shown comes from the environment variable ``TRUCESIM_APP_SCENARIO``
(a scenario file, set by ``trucesim app``), and the scenario select offers
every scenario in the same folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import solara
from mesa.visualization import SolaraViz

from trucesim.app import catalogue, panels
from trucesim.app.controls import CONTROLS
from trucesim.app.entry import TruceAppModel
from trucesim.config.shipped import resolve

#: the scenario shown first: a shipped scenario's name, or a path
DEFAULT_SCENARIO = "april-2024"
#: worlds on Reset: at 10,000 the numbers are those of `trucesim run --seed S` (one chunk)
DEFAULT_WORLDS = 10_000
MIN_WORLDS, MAX_WORLDS = 1_000, 50_000


@dataclass(frozen=True)
class AppConfig:
    """The folder of scenarios, the scenario shown first and the names offered."""

    folder: str
    first: str
    names: tuple[str, ...]


def app_config() -> AppConfig:
    """Read the scenario to show first from :data:`trucesim.app.catalogue.ENV_SCENARIO` (default: :data:`DEFAULT_SCENARIO`)."""
    path = resolve(os.environ.get(catalogue.ENV_SCENARIO, DEFAULT_SCENARIO), "scenarios").resolve()
    names, _ = catalogue.scenario_names(path.parent)
    if path.stem not in names:
        names = sorted({*names, path.stem})  # loading it then says what is wrong with it
    return AppConfig(str(path.parent), path.stem, tuple(names))


#: slider values are shown on the sliders at all times (Mesa's sliders show them only while dragged)
SLIDER_CSS = """
.v-slider__thumb-container .v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-container .v-slider__thumb-label {
    transform: translateY(-20%) translateY(-12px) translateX(-50%) rotate(45deg) !important; }
.v-input__slider { margin-top: 16px; }
"""


#: the panel of shares ("Why there was no deal") fits its card: compact rows, cells that do not wrap
SHARES_CSS = """
.trucesim-shares.v-data-table--dense > .v-data-table__wrapper > table > tbody > tr > td,
.trucesim-shares.v-data-table--dense > .v-data-table__wrapper > table > tbody > tr > th {
    height: 20px !important; line-height: 1.2; white-space: nowrap; padding-top: 0; padding-bottom: 0; }
.trucesim-shares.v-data-table--dense > .v-data-table__wrapper > table > tbody > tr > th {
    height: 24px !important; vertical-align: bottom; }
.trucesim-shares-card .v-card__title { padding-bottom: 4px; }
"""
#: narrow screens (below 1280 px, where the 400 px drawer would leave cards under 300 px wide): Mesa's
#: grid of cards becomes one column, each card as tall as its content (the grid places its items at
#: fixed pixel positions, hence the !important); on a phone the drawer, overlaid, leaves room to tap
#: beside it, and table cells are closer.  At every width, cards show their scrollbar and the
#: labels of the shares wrap, so the table fits its card; a table still too wide scrolls sideways in it.
LAYOUT_CSS = """
@media (max-width: 1279.98px) {
    .vue-grid-layout { height: auto !important; }
    .vue-grid-layout > .vue-grid-item {
        position: relative !important; transform: none !important; top: auto !important; left: auto !important;
        width: 100% !important; height: auto !important; margin-bottom: 12px; }
    .vue-grid-layout > .vue-grid-item > .vue-resizable-handle { display: none; }
    .vue-grid-layout > .vue-grid-item .v-card { height: auto !important; }
    .v-navigation-drawer--is-mobile { min-width: 0 !important; width: min(400px, 85vw) !important; }
}
@media (max-width: 599.98px) {
    .trucesim-card .v-data-table > .v-data-table__wrapper > table > tbody > tr > td,
    .trucesim-card .v-data-table > .v-data-table__wrapper > table > tbody > tr > th,
    .trucesim-card .v-data-table > .v-data-table__wrapper > table > thead > tr > th { padding: 0 6px; }
}
.trucesim-card .v-data-table__wrapper { overflow-x: auto; }
.trucesim-card::-webkit-scrollbar, .trucesim-card .v-data-table__wrapper::-webkit-scrollbar { width: 8px; height: 8px; }
.trucesim-card::-webkit-scrollbar-thumb, .trucesim-card .v-data-table__wrapper::-webkit-scrollbar-thumb {
    background: rgba(128, 128, 128, 0.5); border-radius: 4px; }
.trucesim-shares.v-data-table--dense > .v-data-table__wrapper > table > tbody > tr > td:first-child,
.trucesim-shares.v-data-table--dense > .v-data-table__wrapper > table > tbody > tr > th.trucesim-section {
    white-space: normal; height: auto !important; min-width: 10em; }
.trucesim-shares.v-data-table--dense > .v-data-table__wrapper > table > tbody > tr > * { padding: 0 8px; }
"""

#: the tab name: Mesa's SolaraViz names its tabs "Page 0", "Page 1"...; the app has one, holding everything
TAB_NAME = "Results, charts and one world's story"
TAB_CSS = f"""
.v-tabs .v-tab {{ font-size: 0; }}
.v-tabs .v-tab::after {{ content: "{TAB_NAME}"; font-size: 0.875rem; text-transform: none; }}
"""


def model_params(config: AppConfig) -> dict:
    """SolaraViz's controls: the run (scenario, worlds, seed, story), then one change slider per control."""
    params = {
        "scenario_dir": config.folder,  # fixed: not a control
        "scenario_name": {"type": "Select", "value": config.first, "values": list(config.names), "label": "Scenario"},
        "worlds": {
            "type": "SliderInt",
            "value": DEFAULT_WORLDS,
            "min": MIN_WORLDS,
            "max": MAX_WORLDS,
            "step": 1_000,
            "label": "Worlds",
        },
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed"},
        "story_world": {
            "type": "SliderInt",
            "value": 0,
            "min": 0,
            "max": MIN_WORLDS - 1,
            "step": 1,
            "label": "Story of world",
        },
    }
    for c in CONTROLS:
        params[c.name] = {
            "type": "SliderInt" if c.integer else "SliderFloat",
            "value": 0,
            "min": -c.span,
            "max": c.span,
            "step": c.step,
            "label": f"Δ {c.short}",
        }
    return params


def components() -> list:
    """The page's panels and charts as SolaraViz components (functions of the model), all on its first page."""
    return [
        (panels.ResultPanel, 0),
        (panels.TalksChart, 0),
        (panels.WhyNoDeal, 0),
        (panels.AcceptanceChart, 0),
        (panels.Story, 0),
        (panels.PressuresChart, 0),
        (panels.HostagesChart, 0),
    ]


@solara.component
def Layout(children=[]):  # noqa: B006  (Solara's signature for a layout)
    """Solara's AppLayout, its drawer open or not as Vuetify chooses: open on a wide screen, closed on a narrow one.

    ``sidebar_open=None`` leaves the drawer's ``v-model`` unset, so Vuetify opens it only
    above its mobile breakpoint; below, it is an overlay the ☰ button opens.
    """
    return solara.AppLayout(children=children, sidebar_open=None)


@solara.component
def Page():
    """The app: one model per browser session, rebuilt by Reset from the controls."""
    config = solara.use_memo(app_config, [])
    model = solara.use_memo(
        lambda: TruceAppModel(scenario_dir=config.folder, scenario_name=config.first, worlds=DEFAULT_WORLDS), []
    )
    solara.Title("trucesim: what if")
    solara.Style(SLIDER_CSS + SHARES_CSS + TAB_CSS + LAYOUT_CSS)
    SolaraViz(
        model,
        components=components(),
        model_params=model_params(config),
        name="trucesim: what if the terms or the pressures were different?",
        play_interval=50,
    )
