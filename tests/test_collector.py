"""The collector pause: its state restored, and what the paused work made aged past the young generations."""

from __future__ import annotations

import gc

from assistant.collector import collection_paused


class Node:
    def __init__(self) -> None:
        self.links: list[Node] = []


def young(objects: list[Node]) -> int:
    ids = {id(o) for o in objects}
    return sum(1 for o in gc.get_objects(generation=0) + gc.get_objects(generation=1) if id(o) in ids)


def test_objects_made_while_paused_are_not_left_for_the_next_young_pass() -> None:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    with collection_paused():
        assert not gc.isenabled()
        made = [Node() for _ in range(5000)]
        assert young(made) == 5000  # without the ageing, the first pass after the pause scans them all
    assert gc.isenabled()
    assert young(made) == 0
    assert sum(1 for o in gc.get_objects(generation=2) if isinstance(o, Node)) >= 5000
    assert gc.get_freeze_count() == 0


def test_cycles_made_while_paused_are_still_collected() -> None:
    with collection_paused():
        a, b = Node(), Node()
        a.links.append(b)
        b.links.append(a)
        probe = id(a)
    del a, b
    gc.collect()
    assert all(id(o) != probe for o in gc.get_objects() if isinstance(o, Node))


def test_a_process_that_froze_objects_keeps_them_frozen() -> None:
    kept = [Node() for _ in range(10)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collection_paused():
            [Node() for _ in range(100)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    assert kept


def test_a_collector_turned_off_by_the_caller_stays_off_and_untouched() -> None:
    gc.disable()
    try:
        with collection_paused():
            made = [Node() for _ in range(100)]
        assert not gc.isenabled()
        assert young(made) == 100
    finally:
        gc.enable()


def test_a_worker_that_froze_what_it_inherited_never_counts_or_thaws_it() -> None:
    # A batch worker freezes everything it inherited; counting the frozen objects walks all of them (milliseconds
    # per pause, twice a report), and thawing them would hand them back to the collector. In a child process, so
    # this test process keeps its collector as it was.
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import gc\n"
        "from assistant import collector\n"
        "collector.freeze_inherited()\n"
        "frozen = gc.get_freeze_count()\n"
        "real = gc.get_freeze_count\n"
        "def refuse():\n"
        "    raise AssertionError('counted the frozen objects')\n"
        "gc.get_freeze_count = refuse\n"
        "with collector.collection_paused():\n"
        "    made = [[i] for i in range(1000)]\n"
        "assert gc.isenabled()\n"
        "gc.get_freeze_count = real\n"
        "assert gc.get_freeze_count() == frozen, 'thawed'\n"
        "print('ok')\n"
    )
    root = Path(__file__).parents[1]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(root)}
    )
    assert done.stdout.strip() == "ok", done.stderr
