"""Fuzzing (issue 13): mutated scenarios, experiments and command-line values never end in a traceback.

A seeded mutator (``random.Random(SEED)``: the same cases every run) alters the shipped
scenario and experiment files and draws odd command-line values; each case runs in this
process through the CLI's ``main`` with small world counts.  Every case must end either
in success (exit 0, finite numbers in the JSON summary) or in exactly one line
``trucesim: error: ...`` (exit 1), within :data:`LIMIT_S` seconds, never a traceback.

The counts (successes, clean errors by category) are printed; see them with::

    python -m pytest -m slow tests/test_fuzz.py -s -q
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import random
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

SEED = 13
#: seconds a single case may take (a few hundred worlds; set-up included)
LIMIT_S = 30.0
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))

ODD_VALUES = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "1e-300",
    str(2**70),
    "0.5",
    "1000000",
    '"x"',
    '""',
    "true",
    "[]",
    "[1, 2]",
    "{}",
    '{ dist = "normal", mean = 0, sd = 0 }',
    '{ dist = "beta", a = 1e-300, b = 1 }',
    '{ dist = "uniform", low = 5, high = 1 }',
    '{ dist = "nope" }',
    "{ value = 99 }",
    '"\\u001b[2J"',
    '"' + "y" * 500 + '"',
]


def run_main(*args: object) -> tuple[int, str, str, float]:
    """``trucesim ARGS`` in this process: exit status, stdout, stderr, seconds."""
    from trucesim.cli import main

    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse's usage errors
            code = e.code if isinstance(e.code, int) else 1
        except BaseException as e:  # noqa: BLE001 - a traceback is what this test looks for
            import traceback

            err.write("Traceback (uncaught)\n" + "".join(traceback.format_exception(e)))
            code = -1
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - t0


def _finite(x) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, dict):
        return all(_finite(v) for v in x.values())
    if isinstance(x, list):
        return all(_finite(v) for v in x)
    return True


def category(message: str) -> str:
    """A rough category of an error line, for the counts: the words after the file and key."""
    for fixed in ("invalid TOML", "unknown key", "unrecognized arguments", "file not found"):
        if fixed in message:
            return fixed
    m = re.search(
        r"(expected [a-z ]{3,30}|file not found|invalid TOML|unknown key|unrecognized|invalid choice|"
        r"cannot|not a|no such|found)",
        message,
    )
    return m.group(1).strip() if m else "other"


class Tally:
    """Outcomes of the cases: ``ok``, ``error`` (by category), and the failures in full."""

    def __init__(self, name: str):
        self.name = name
        self.counts: Counter = Counter()
        self.errors: Counter = Counter()
        self.failures: list[str] = []

    def check(self, case: str, code: int, out: str, err: str, seconds: float, json_out: bool = False) -> None:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if seconds > LIMIT_S:
            self.failures.append(f"{case}: took {seconds:.0f} s")
        if code == 0 and "Traceback" not in err:
            if json_out:
                try:
                    if not _finite(json.loads(out)):
                        self.failures.append(f"{case}: a number that is not finite in {out[:300]}")
                        return
                except ValueError:
                    self.failures.append(f"{case}: not JSON: {out[:300]}")
                    return
            self.counts["ok"] += 1
        elif code == 1 and len(lines) == 1 and lines[0].startswith("trucesim: error: ") and "Traceback" not in err:
            self.counts["clean error"] += 1
            self.errors[category(lines[0])] += 1
        else:
            self.failures.append(f"{case}: exit {code}: {err[-1500:]}")

    def report(self) -> str:
        total = sum(self.counts.values()) + len(self.failures)
        errs = ", ".join(f"{k}: {v}" for k, v in self.errors.most_common())
        return (
            f"fuzz {self.name}: {total} cases, {self.counts['ok']} ok, {self.counts['clean error']} clean errors "
            f"({errs}), {len(self.failures)} failures"
        )

    def finish(self, minimum: int) -> None:
        print("\n" + self.report())
        assert not self.failures, self.report() + "\n" + "\n\n".join(self.failures[:10])
        assert sum(self.counts.values()) >= minimum


# --------------------------------------------------------------------------- mutators
_NUMBER = re.compile(r"(?<![\w.\"-])-?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.\"])")


def mutate(text: str, rng: random.Random) -> tuple[str, str]:
    """One random change to a TOML text, and its name."""
    lines = text.splitlines()
    kind = rng.choice(["number", "number", "number", "delete", "duplicate", "garbage", "truncate", "rename", "table"])
    if kind == "number":
        spots = [(i, m) for i, ln in enumerate(lines) for m in _NUMBER.finditer(ln) if not ln.lstrip().startswith("#")]
        if spots:
            i, m = rng.choice(spots)
            value = rng.choice(ODD_VALUES)
            lines[i] = lines[i][: m.start()] + value + lines[i][m.end() :]
            return "\n".join(lines) + "\n", f"number->{value[:20]}"
    if kind == "delete" and lines:
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines) + "\n", "delete a line"
    if kind == "duplicate" and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "\n".join(lines) + "\n", "duplicate a line"
    if kind == "garbage":
        i = rng.randrange(len(text) + 1)
        junk = rng.choice(["\x00", "\x1b[2J", "[[", "]", "=", '"', "\\", "\ud7ff", "é", "\t= 1\n", "\nzzz = 1\n"])
        return text[:i] + junk + text[i:], f"insert {junk!r}"
    if kind == "truncate":
        return text[: rng.randrange(len(text) + 1)], "truncate"
    if kind == "rename":
        keys = [i for i, ln in enumerate(lines) if re.match(r"^\s*[a-z_]+\s*=", ln)]
        if keys:
            i = rng.choice(keys)
            name = lines[i].split("=", 1)[0].strip()
            new = name[:-1] if len(name) > 3 and rng.random() < 0.5 else name + "x"
            lines[i] = lines[i].replace(name, new, 1)
            return "\n".join(lines) + "\n", "rename a key"
    if kind == "table":
        tables = [i for i, ln in enumerate(lines) if ln.startswith("[")]
        if tables:
            i = rng.choice(tables)
            lines[i] = rng.choice(["[meta.name]", "[actors.nobody]", "[terms.x]", "[[factors]]", "[design.kind]", "[]"])
            return "\n".join(lines) + "\n", "replace a table header"
    return text + "\nunknown_top = 1\n", "unknown key"


# --------------------------------------------------------------------------- the cases
def test_fuzz_scenarios(tmp_path):
    rng = random.Random(SEED)
    tally = Tally("scenarios")
    for n in range(150):
        base = rng.choice(SCENARIOS)
        text, what = mutate(base.read_text(), rng)
        if "extends" in text:  # relative to the shipped directory
            text = text.replace('extends = "', f'extends = "{base.parent}/', 1)
        path = tmp_path / f"s{n}.toml"
        path.write_text(text, errors="surrogatepass")
        case = f"scenario {n} ({base.name}, {what})"
        code, out, err, s = run_main("check", path)
        tally.check(case + " check", code, out, err, s)
        if code == 0:
            code, out, err, s = run_main("run", path, "--worlds", 200, "--seed", n, "--format", "json")
            tally.check(case + " run", code, out, err, s, json_out=True)
    tally.finish(150)


def test_fuzz_experiments(tmp_path):
    rng = random.Random(SEED + 1)
    tally = Tally("experiments")
    for n in range(100):
        base = rng.choice(EXPERIMENTS)
        text = base.read_text()
        text = re.sub(
            r'scenario = "([^"]+)"', lambda m, d=base.parent: f'scenario = "{(d / m.group(1)).resolve()}"', text
        )
        text, what = mutate(text, rng)
        path = tmp_path / f"e{n}.toml"
        path.write_text(text, errors="surrogatepass")
        case = f"experiment {n} ({base.name}, {what})"
        code, out, err, s = run_main("sweep", path, "--dry-run")
        tally.check(case + " dry-run", code, out, err, s)
        points = re.search(r"([\d,]+) points x", out)
        if code == 0 and points and int(points.group(1).replace(",", "")) <= 64:
            args = ("--out", tmp_path / f"o{n}", "--worlds-per-point", 5, "--workers", 1, "--chunk-worlds", 200)
            code, out, err, s = run_main("sweep", path, *args)
            tally.check(case + " sweep", code, out, err, s)
            if code == 0:
                import pandas as pd

                points_table = pd.read_parquet(tmp_path / f"o{n}" / "points.parquet")
                numeric = points_table.select_dtypes("number").to_numpy(dtype=float)
                if (abs(numeric) == math.inf).any():
                    tally.failures.append(f"{case}: an infinite value in points.parquet")
    tally.finish(100)


def _cli_case(rng: random.Random, tmp: Path, n: int) -> list[object]:
    scenario = rng.choice([*SCENARIOS, "april-2024", "nope", tmp, tmp / "missing.toml", EXPERIMENTS[0]])
    odd_int = rng.choice(["0", "-3", "abc", "1.5", "1e3", "", " 7", str(2**70), "99999999999999999999999", "200", "3"])
    odd_text = rng.choice(["", "x" * 300, "\x1b[2J", "tcp://", "inproc://x", "tcp://127.0.0.1:1", "local", "ü", "-"])
    command = rng.choice(["run", "run", "sweep", "check", "plot", "list", "report", "design"])
    if command == "run":
        args: list[object] = ["run", scenario, "--worlds", rng.choice([odd_int, "200"]), "--format", "json"]
        extra = rng.choice(
            [
                ["--seed", odd_int],
                ["--trace", odd_int],
                ["--workers", odd_int],
                ["--format", odd_text],
                ["--out", tmp / f"r{n}{rng.choice(['.csv', '.parquet', '.txt', ''])}"],
                ["--out", tmp / ("y" * 300 + ".csv")],
                ["--out", odd_text or "-"],
                ["--bogus"],
                [],
            ]
        )
        return args + extra
    if command == "sweep":
        exp = rng.choice([*EXPERIMENTS, scenario, "nope"])
        extra = rng.choice(
            [
                ["--dry-run", "--worlds-per-point", odd_int],
                ["--dry-run", "--chunk-worlds", odd_int],
                ["--dry-run", "--seed", odd_int],
                ["--out", tmp / f"w{n}", "--scheduler", odd_text, "--worlds-per-point", "3"],
                ["--out", tmp / f"w{n}", "--workers", odd_int, "--worlds-per-point", "3", "--chunk-worlds", "1000"],
                ["--resume", "--out", tmp / f"w{n}", "--worlds-per-point", "3", "--chunk-worlds", "1000"],
            ]
        )
        return ["sweep", exp, *extra]
    if command == "check":
        return ["check", scenario]
    if command == "plot":
        kind = rng.choice(["timeline", "days", "outcomes", "heatmap", "nope", odd_text])
        return [
            "plot",
            scenario,
            "--kind",
            kind,
            "--world",
            odd_int,
            "--worlds",
            rng.choice(["200", odd_int]),
            "--out",
            tmp / f"p{n}.png",
        ]
    if command == "list":
        return ["list", *rng.choice([[], ["--bogus"], [odd_text]])]
    if command == "report":
        return ["report", rng.choice([scenario, tmp / "nowhere", odd_text or "x"])]
    return [
        "design",
        scenario,
        "--vary",
        rng.choice(["terms.pause_days=14..90", odd_text, "terms.nope=1..2"]),
        "--maximize",
        rng.choice(["p_deal", odd_text]),
        "--worlds",
        rng.choice(["64", odd_int]),
        "--budget",
        rng.choice(["4", odd_int]),
        "--out",
        tmp / f"d{n}",
    ]


def test_fuzz_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # commands that write a default file (report.html) write it here
    rng = random.Random(SEED + 2)
    tally = Tally("command line")
    for n in range(100):
        args = _cli_case(rng, tmp_path, n)
        code, out, err, s = run_main(*args)
        json_out = args[0] == "run" and "--format" in args and args[args.index("--format") + 1] == "json"
        tally.check(f"cli {n}: trucesim {' '.join(str(a)[:60] for a in args)}", code, out, err, s, json_out)
    tally.finish(100)
