"""``trucesim compare`` as read: 120 columns whatever the scenarios, one meaning per mark, ``--only``, a readable figure."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from trucesim.analysis.compare_groups import GROUPS, select
from trucesim.cli import main
from trucesim.plots.compare import comparison_bars
from trucesim.report.comparison import INDEPENDENT, SIGNIFICANT, format_comparison, format_difference

FOUR = ["april-2024", "april-2024-us-pressure", "april-2024-safety-net", "november-2023"]


def _run(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["compare", *map(str, argv)])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _fake(k: int) -> dict:
    """A comparison of ``k`` scenarios with long names: one probability, one mean, one figure without interval."""
    names = [f"a-rather-long-scenario-name-{j}" for j in range(k)]

    def diffs(method):
        return [{"diff": 0.1 * j, "lo": 0.1 * j - 0.05, "hi": 0.1 * j + 0.05, "method": method} for j in range(1, k)]

    return {
        "scenarios": names,
        "worlds": 1000,
        "seed": 0,
        "level": 0.95,
        "figures": [
            {"figure": "p_deal", "share": True, "values": [0.1 * j for j in range(k)], "differences": diffs("paired")},
            {"figure": "end_reasons.walked_away", "share": True, "values": [0.5] * k, "differences": diffs("newcombe")},
            {
                "figure": "deal_day.median",
                "share": False,
                "values": [40.0 + j for j in range(k)],
                "differences": [{"diff": float(j), "lo": None, "hi": None, "method": None} for j in range(1, k)],
            },
        ],
    }


@pytest.mark.parametrize("k", [2, 4, 7])
def test_the_text_fits_120_columns_whatever_the_number_of_scenarios(k):
    text = format_comparison(_fake(k))
    assert max(len(line) for line in text.splitlines()) <= 120
    names = _fake(k)["scenarios"]
    for n in names[1:]:
        assert text.count(n) == 1, n  # every scenario once, in some block
    blocks = text.count(names[0]) - 1  # its column in each block, and the legend
    assert blocks >= (k - 1) / 2  # wrapped: each block repeats the first scenario
    assert text.count("deal signed and ratified") == blocks  # and the figure names


def test_each_mark_has_one_meaning():
    paired_nonzero = format_difference({"diff": 0.1, "lo": 0.05, "hi": 0.15, "method": "paired"}, True)
    paired_zero = format_difference({"diff": 0.1, "lo": -0.05, "hi": 0.15, "method": "paired"}, True)
    indep_nonzero = format_difference({"diff": -0.1, "lo": -0.15, "hi": -0.05, "method": "newcombe"}, True)
    indep_zero = format_difference({"diff": 0.0, "lo": -0.05, "hi": 0.05, "method": "newcombe"}, True)
    none = format_difference({"diff": 2.0, "lo": None, "hi": None, "method": None}, False)
    assert paired_nonzero.endswith(SIGNIFICANT) and INDEPENDENT not in paired_nonzero
    assert SIGNIFICANT not in paired_zero and INDEPENDENT not in paired_zero
    assert indep_nonzero.endswith(INDEPENDENT + SIGNIFICANT)
    assert indep_zero.endswith(INDEPENDENT) and SIGNIFICANT not in indep_zero
    assert "[" not in none and SIGNIFICANT not in none and INDEPENDENT not in none
    legend = format_comparison(_fake(2)).splitlines()[-4:]
    assert legend[0].strip().startswith(f"{SIGNIFICANT} the interval excludes zero")
    assert legend[1].strip().startswith(f"{INDEPENDENT} the interval is of two independent proportions")


def test_cli_four_scenarios_fit_and_mark_only_what_excludes_zero(capsys, tmp_path):
    out = tmp_path / "cmp.png"
    rc, text, _ = _run(capsys, *FOUR, "--worlds", 300, "--seed", 3, "--workers", 1, "--out", out)
    assert rc == 0
    assert max(len(line) for line in text.splitlines()) <= 120
    assert all(n in text for n in FOUR)
    for line in text.splitlines():  # every interval: '*' exactly when it lies wholly on one side of zero
        for lo, hi, marks in re.findall(r"\[([+-][\d.]+), ([+-][\d.]+)\]( \S+)?", line):
            if float(lo) == 0 or float(hi) == 0:  # a bound within 0.05 of zero: its side is below the precision shown
                continue
            assert (SIGNIFICANT in (marks or "")) == (float(lo) > 0 or float(hi) < 0), line
    for g in GROUPS[:3]:
        assert g.heading in text
    width, height = Image.open(out).size
    assert width <= 1500 and height <= 2000, (width, height)  # 1425x4740 before


def test_only_chooses_figures_by_group_key_or_name(capsys):
    rc, text, _ = _run(
        capsys, "april-2024", "april-2024-us-pressure", "--worlds", 200, "--workers", 1, "--only", "main,p_accept.hamas"
    )
    assert rc == 0
    assert "deal signed and ratified" in text and "Hamas accepts a proposal" in text
    assert "Israel's government accepts a proposal" not in text and "walked away" not in text
    rc, out, _ = _run(capsys, "april-2024", "april-2024-us-pressure", "--worlds", 200, "--workers", 1,
                      "--only", "p_accept", "--format", "json")  # fmt: skip
    assert rc == 0 and [f["figure"] for f in json.loads(out)["figures"]] == ["p_accept.israel", "p_accept.hamas"]
    names = ["p_deal", "p_accept.israel", "p_accept.hamas", "end_reasons.deal", "blockers.vote_lost"]
    assert select(names, "p_accept") == ["p_accept.israel", "p_accept.hamas"]
    assert select(names, "blockers, p_deal") == ["p_deal", "blockers.vote_lost"]
    assert select(names, "all") == select(names, None)


def test_only_refuses_an_unknown_figure_before_any_work(capsys):
    rc, out, err = _run(capsys, "april-2024", "april-2024-us-pressure", "--worlds", 10**7, "--only", "p_dael")
    assert rc == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trucesim: error: --only")
    assert "'p_dael'" in lines[0] and "did you mean 'p_deal'?" in lines[0]
    rc, _, err = _run(capsys, "april-2024", "april-2024-us-pressure", "--only", ",")
    assert rc == 1 and "--only" in err
    # a group that holds none of the figures ('other': those no group claims) chose nothing, and --out then
    # drew the first figure instead
    rc, out, err = _run(capsys, "april-2024", "april-2024-us-pressure", "--worlds", 10**7, "--only", "other")
    assert rc == 1 and out == "" and "the group 'other' holds none of these figures; expected one of main" in err
    rc, out, err = _run(capsys, "april-2024", "april-2024-us-pressure", "--worlds", 10**7, "--dpi", 600)
    assert rc == 1 and out == "" and "--dpi: applies to a PNG figure only, found no --out" in err


def test_the_figure_has_a_panel_per_group_and_the_key_figures_by_default():
    c = _fake(3)
    c["figures"].insert(
        1,
        {
            "figure": "p_accept.hamas",
            "share": True,
            "values": [0.3, 0.3, 0.3],
            "differences": [{"diff": 0.0, "lo": 0.0, "hi": 0.0, "method": "paired"}] * 2,
        },
    )
    fig = comparison_bars(c)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == [GROUPS[0].heading, GROUPS[2].heading]  # main, acceptance; endings and deal days left out
    marked = [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text().endswith(SIGNIFICANT)]
    assert len(marked) == 2  # p_deal of the two scenarios after the first; p_accept.hamas's interval holds zero
    assert len(comparison_bars(c, only=["deal_day.median", "end_reasons.walked_away"]).axes) == 2


def test_whiskers_only_where_a_figure_has_an_interval():
    """Hostage means have no interval: their bars carried zero-width whiskers, which read as a certain value."""
    from matplotlib.container import ErrorbarContainer

    c = _fake(2)
    c["figures"][0]["ci"] = [[0.0, 0.04], [0.05, 0.16]]  # P(deal): Wilson intervals
    c["figures"].append(
        {
            "figure": "hostages_released_mean",
            "share": False,
            "values": [2.5, 3.1],
            "differences": [{"diff": 0.6, "lo": 0.5, "hi": 0.7, "method": "paired"}],
        }
    )
    fig = comparison_bars(c, only=["p_deal", "hostages_released_mean"])
    whiskers = [sum(isinstance(x, ErrorbarContainer) for x in ax.containers) for ax in fig.axes]
    assert whiskers == [2, 0]  # P(deal) of each scenario; none on the mean


def test_help_names_every_group_in_the_epilog_and_in_only(capsys):
    """``compare --help`` lists the groups by hand (importing them costs 0.4 s): held to ``GROUPS`` here."""
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    epilog = text[text.index("Figures come in groups:") : text.index("--only chooses")]
    start = text.index("--only FIGURES show")
    only = text[start : text.index("--dpi N", start)]
    for g in GROUPS:
        assert re.search(rf"\b{g.name}\b", epilog), g.name
        assert re.search(rf"\b{g.name}\b", only), g.name
