"""Where tasks run (trucesim.run.executors) and how files are written (trucesim.run.files)."""

from __future__ import annotations

import pytest

from trucesim.run.executors import InProcessExecutor, PoolExecutor, make_executor


class _Shuffled(InProcessExecutor):
    """Finishes tasks in reverse order."""

    def map(self, tasks):
        for t in reversed(list(tasks)):
            yield from super().map([t])


def test_make_executor_options():
    assert isinstance(make_executor(workers=1), InProcessExecutor)
    from trucesim.run.executors import ExecutorError

    with pytest.raises(ExecutorError, match="--scheduler: expected 'local' or a Dask scheduler address"):
        make_executor(scheduler="somewhere")
    with pytest.raises(ExecutorError, match="--workers: expected nothing with --scheduler tcp://"):
        make_executor(workers=2, scheduler="tcp://127.0.0.1:8786")


def test_executors_keep_only_a_window_of_chunks_in_flight():
    """Results stream to disk: however many chunks, only a few are pulled ahead of the writer."""
    from concurrent.futures import Future

    from trucesim.run.executors import ChunkResult, run_bounded

    class T:
        def __init__(self, k):
            self.chunk = k

    pulled, consumed, ahead = [], [], []

    def tasks():
        for k in range(50):
            pulled.append(k)
            yield T(k)

    def submit(t):
        f = Future()
        f.set_result(ChunkResult(t.chunk, b""))
        return f

    for res in run_bounded(submit, lambda fs: fs[:1], tasks(), 4, lambda fs: None, str):
        consumed.append(res.chunk)
        ahead.append(len(pulled) - len(consumed))
    assert sorted(consumed) == list(range(50))
    assert max(ahead) <= 4


class _Power:
    """A task for map_ordered: ``x ** p``; raises for ``x == fail``."""

    def __init__(self, x, p=2, fail=None):
        self.x, self.p, self.fail = x, p, fail

    def run(self):
        if self.x == self.fail:
            raise ValueError(f"no power of {self.x}\nsecond line")
        return self.x**self.p


def test_map_ordered_gives_task_order_whatever_the_finishing_order():
    from trucesim.run.executors import map_ordered

    tasks = [_Power(x) for x in range(12)]
    assert list(map_ordered(_Shuffled(), tasks)) == [x**2 for x in range(12)]
    with PoolExecutor(2) as ex:
        assert list(map_ordered(ex, tasks)) == [x**2 for x in range(12)]
        # the executor stays open for another batch
        assert list(map_ordered(ex, [_Power(x, 3) for x in range(5)])) == [x**3 for x in range(5)]


def test_map_ordered_raises_at_the_failing_task():
    from trucesim.run.executors import TaskError, map_ordered

    got = []
    with pytest.raises(TaskError) as err:
        for v in map_ordered(InProcessExecutor(), [_Power(x, fail=3) for x in range(6)]):
            got.append(v)
    assert got == [0, 1, 4]
    assert err.value.index == 3 and err.value.error == "ValueError: no power of 3"
    assert str(err.value) == "task 3 failed: ValueError: no power of 3"
    assert "Traceback" in err.value.traceback


def test_forkserver_preload_names_real_modules():
    import importlib

    from trucesim.run.executors import FORKSERVER_PRELOAD

    for name in FORKSERVER_PRELOAD:
        importlib.import_module(name)
    # the modules of the task classes sent to workers
    from trucesim.run.simulate import RunTask
    from trucesim.sweep.sweep import ChunkTask

    assert {ChunkTask.__module__, RunTask.__module__} <= set(FORKSERVER_PRELOAD)


def test_write_atomic_leaves_the_old_file_on_failure(tmp_path):
    from trucesim.run.files import write_atomic

    target = tmp_path / "kept.txt"
    write_atomic(target, "old\n")

    def fail(tmp):
        tmp.write_text("half a fi")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, fail)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]  # no temporary file left
    write_atomic(target, lambda tmp: tmp.write_bytes(b"new"))
    assert target.read_bytes() == b"new"
