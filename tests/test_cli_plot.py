"""`trucesim plot` and `trucesim report`, through a subprocess, on small real sweeps."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import pytest

from .conftest import BASELINE, assert_one_line_error, cli

PNG = b"\x89PNG\r\n\x1a\n"
PX = "terms.prisoners_per_hostage"
US = "context.us_pressure"


def _sweep(tmp_path_factory, name: str, text: str):
    from trucesim.sweep.sweep import sweep

    root = tmp_path_factory.mktemp(name)
    exp = root / f"{name}.toml"
    exp.write_text(f'scenario = "{BASELINE.as_posix()}"\nseed = 5\n' + text)
    out = root / "results"
    sweep(exp, out, workers=1)
    return out


@pytest.fixture(scope="module")
def grid_dir(tmp_path_factory):
    return _sweep(
        tmp_path_factory,
        "grid",
        f"""worlds_per_point = 60
[design]
kind = "grid"
[factors."{PX}"]
levels = [5, 30, 60]
[factors."{US}"]
levels = [0.2, 0.5, 0.9]
""",
    )


@pytest.fixture(scope="module")
def sobol_dir(tmp_path_factory):
    return _sweep(
        tmp_path_factory,
        "sobol",
        f"""worlds_per_point = 30
[design]
kind = "sobol"
points = 16
saltelli = true
[factors."{PX}"]
range = [5, 60]
[factors."{US}"]
range = [0, 1]
[factors."terms.permanent_ceasefire"]
range = [0, 1]
""",
    )


def _png(path):
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 10_000, path
    return data


@pytest.mark.parametrize(
    "kind,extra",
    [
        ("heatmap", ["--x", PX, "--y", US]),
        ("curves", ["--x", US]),
    ],
)
def test_plot_sweep_kinds_write_pngs(grid_dir, tmp_path, kind, extra):
    out = tmp_path / f"{kind}.png"
    proc = cli("plot", grid_dir, "--kind", kind, *extra, "--out", out, "--dpi", 60, check=True)
    assert f"wrote {out}" in proc.stderr
    _png(out)


def test_plot_other_kinds_in_process(grid_dir, tmp_path, capsys):
    from trucesim.cli import main

    for argv in (
        ["plot", str(grid_dir), "--kind", "days"],
        ["plot", str(grid_dir), "--kind", "seats"],
        ["plot", str(grid_dir), "--kind", "outcomes"],
        ["plot", str(grid_dir), "--kind", "prim"],
        ["plot", str(BASELINE), "--kind", "seats", "--worlds", "500"],
    ):
        out = tmp_path / f"{argv[-1]}-{len(argv)}.pdf"
        assert main([*argv, "--out", str(out)]) == 0, (argv, capsys.readouterr().err)
        assert out.read_bytes()[:5] == b"%PDF-"


def test_plot_sobol_and_svg(sobol_dir, tmp_path):
    out = tmp_path / "sobol.svg"
    cli("plot", sobol_dir, "--kind", "sobol", "--out", out, check=True)
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_plot_timeline_of_a_scenario_world(tmp_path):
    out = tmp_path / "world.png"
    cli("plot", BASELINE, "--kind", "timeline", "--world", 12, "--seed", 1, "--out", out, "--dpi", 60, check=True)
    _png(out)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.images, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def _report(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    text = " ".join(page.text)
    assert page.tags[:2] == ["html", "head"] and "table" in page.tags and "body" in page.tags
    assert page.images, "no figure"
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG
    assert "not predictions" in text and "april-2024" in text
    return page, text


def test_report_of_a_grid_sweep(grid_dir, tmp_path):
    out = tmp_path / "report.html"
    cli("report", grid_dir, "--out", out, "--dpi", 50, check=True)
    page, text = _report(out)
    assert "Summary over all worlds" in text and "By design point" in text
    assert "deal signed and ratified" in text and "Hamas accepts a proposal" in text
    assert len(page.images) >= 7  # outcomes, 3 heatmaps, 2 curves, PRIM, days, seats
    assert "Sobol" not in text.replace("Sobol' indices (Saltelli Sobol' designs)", "")


def test_report_of_a_sobol_sweep_has_the_indices(sobol_dir, tmp_path):
    out = tmp_path / "sobol.html"
    cli("report", sobol_dir, "--out", out, "--dpi", 50, check=True)
    _, text = _report(out)
    assert "Sobol' indices of P(deal)" in text and "ST" in text


# ------------------------------------------------------------------------------ one-line errors
def test_unknown_factor_suggests_the_right_one(grid_dir):
    proc = cli("plot", grid_dir, "--kind", "heatmap", "--x", "terms.prisoner_per_hostage", "--y", US)
    assert_one_line_error(proc, "--x terms.prisoner_per_hostage", "unknown factor", f"did you mean '{PX}'")


def test_scenario_where_a_sweep_is_needed():
    proc = cli("plot", BASELINE, "--kind", "heatmap", "--x", PX, "--y", US)
    assert_one_line_error(proc, "needs a sweep's results directory", "scenario file", "trucesim sweep")


def test_wrong_kind(grid_dir):
    assert_one_line_error(cli("plot", grid_dir, "--kind", "heatmp"), "--kind heatmp", "did you mean 'heatmap'")


def test_in_process_errors(grid_dir, tmp_path, capsys):
    from trucesim.cli import main

    cases = [
        (["report", str(tmp_path / "nowhere")], "no such results directory, scenario file or shipped scenario name"),
        (["plot", str(grid_dir), "--kind", "days", "--out", str(tmp_path / "x.jpg")], ".png, .svg or .pdf"),
        (["plot", str(tmp_path / "nowhere"), "--kind", "days"], "no such directory"),
        (["plot", str(tmp_path / "nowhere.toml"), "--kind", "timeline"], "no such file"),
        # a mistyped scenario for a kind that takes either: not read as a results directory, nor --worlds blamed
        (["plot", str(tmp_path / "nowhere.toml"), "--kind", "days", "--worlds", "100"], "nowhere.toml: no such file"),
        (["plot", str(grid_dir), "--kind", "sobol"], "needs a Sobol' experiment laid out for Saltelli"),
        (["plot", str(grid_dir), "--kind", "timeline"], "needs a scenario file"),
        (["plot", str(grid_dir), "--kind", "heatmap", "--x", PX], "--y: missing"),
        (["plot", str(grid_dir), "--kind", "heatmap", "--x", PX, "--y", PX], "other than --x"),
        (
            ["plot", str(grid_dir), "--kind", "heatmap", "--x", PX, "--y", US, "--outcome", "dael"],
            "did you mean 'deal'",
        ),
        (["report", str(grid_dir), "--out", "r.pdf"], "expected a file name ending in .html"),
        # --dpi where nothing is a raster figure: refused, not ignored
        (["plot", str(grid_dir), "--kind", "days", "--dpi", "300", "--out", str(tmp_path / "d.svg")], "--dpi: applies"),
    ]
    for argv, fragment in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("trucesim: error:") and fragment in err[0], (argv, err)


# ------------------------------------------------------------------------------ options that do not apply
def test_options_that_do_not_apply_to_the_kind_are_refused(grid_dir, tmp_path, capsys):
    from trucesim.cli import main
    from trucesim.commands.plot import APPLIES, KINDS

    out = str(tmp_path / "never.png")
    cases = [
        (["plot", str(grid_dir), "--kind", "curves", "--x", US, "--outcome", "dael"], "--outcome: does not apply"),
        (["plot", str(grid_dir), "--kind", "curves", "--x", US, "--y", PX], "--y: does not apply to --kind curves"),
        (["plot", str(BASELINE), "--kind", "days", "--trace", "3"], "--trace: does not apply to --kind days"),
        (["plot", str(BASELINE), "--kind", "days", "--world", "3"], "--trace: does not apply to --kind days"),
        (["plot", str(BASELINE), "--kind", "timeline", "--worlds", "50"], "--worlds: does not apply"),
        (["plot", str(BASELINE), "--kind", "timeline", "--bins", "4"], "--bins: does not apply"),
        (["plot", str(grid_dir), "--kind", "sobol", "--x", PX], "--x: does not apply to --kind sobol"),
        (["plot", str(grid_dir), "--kind", "days", "--worlds", "50"], "--worlds: applies to a scenario file only"),
        (["plot", str(grid_dir), "--kind", "outcomes", "--seed", "2"], "--seed: applies to a scenario file only"),
    ]
    for argv, fragment in cases:
        assert main([*argv, "--out", out]) == 1, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("trucesim: error:") and fragment in err[0], (argv, err)
    assert not (tmp_path / "never.png").exists()
    # the table names only real kinds and every kind takes at least --out
    assert all(set(kinds) <= set(KINDS) for kinds in APPLIES.values())


def test_the_options_that_apply_are_still_accepted(grid_dir, tmp_path, capsys):
    from trucesim.cli import main

    out = tmp_path / "t.png"
    assert main(["plot", str(BASELINE), "--kind", "timeline", "--trace", "1", "--seed", "2", "--out", str(out)]) == 0
    assert main(["plot", str(grid_dir), "--kind", "prim", "--outcome", "deal", "--out", str(tmp_path / "p.png")]) == 0


def test_a_scenario_figure_is_the_same_whatever_the_workers(tmp_path, capsys, monkeypatch):
    """``--workers`` splits the worlds among processes as ``run`` does: the figure's bytes do not change."""
    import trucesim.run.simulate as simulate
    from trucesim.cli import main

    asked = []
    real = simulate.parallel_tables

    def recording(*args, **kwargs):
        asked.append(kwargs.get("workers"))
        return real(*args, **kwargs)

    monkeypatch.setattr(simulate, "parallel_tables", recording)
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"outcomes-{workers}.png"
        argv = ["plot", str(BASELINE), "--kind", "outcomes", "--worlds", "20001", "--workers", str(workers)]
        assert main([*argv, "--dpi", "50", "--out", str(out)]) == 0, capsys.readouterr().err
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert asked == [2]  # one worker runs in this process; two go to processes
    assert main(["plot", str(BASELINE), "--kind", "timeline", "--workers", "2", "--out", str(tmp_path / "t.png")]) == 1
    assert "--workers: does not apply to --kind timeline" in capsys.readouterr().err
