"""The cyclic garbage collector paused around work that makes many objects and frees none of them in cycles.

Building a document (lines, spans, cells) and running the checks (numbers, findings) each make hundreds of
thousands of small objects that live until the step ends. The collector's automatic passes, triggered by the count
of new objects, find nothing to free there yet cost a sixth of the time at a million characters, more and more as
the text grows. Reference counting still frees everything that is let go; afterwards the collector is on again if
it was on before (a batch worker's own thresholds and frozen objects are left as they were).

Paused, the collector still counts the new objects: its first pass after the pause would scan every one of them
(then again as they age), 50-100 ms after the checks of a million characters, for nothing — they are the document
and its findings, alive. So they are moved to the oldest generation as the pause ends (``gc.freeze`` then
``gc.unfreeze``: two list splices), where only a full collection looks at them. Skipped when the process froze
objects of its own (a batch worker), which ``unfreeze`` would hand back to the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_frozen = False  # this process froze objects of its own (freeze_inherited): never unfreeze


def freeze_inherited() -> None:
    """``gc.freeze()`` for a worker that keeps what it inherited for good, remembered here: asking the collector
    (``gc.get_freeze_count``) walks every frozen object, a few milliseconds per pause in a worker."""
    global _frozen
    gc.freeze()
    _frozen = True


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block; restore its earlier state after."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            if not _frozen and gc.get_freeze_count() == 0:  # (counting an empty permanent generation is instant)
                gc.freeze()  # every tracked object to the permanent generation, the young counts reset …
                gc.unfreeze()  # … and back into the oldest generation
            gc.enable()
