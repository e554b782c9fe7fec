"""Progress bars on an interactive terminal (rich): nothing under CI, in a pipe or with --quiet.

The library only reports numbers through callbacks; drawing them is the command line's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, TaskID

BACKLOG = 50  # a bar for a mailbox backlog, not for the odd new message


@contextmanager
def count_bar(label: str, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A bar without a known total, told how many items are done: `cchc import`."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done: bar.update(task, completed=done)


@contextmanager
def backlog_bar(
    label: str, enabled: bool, backlog: int = BACKLOG
) -> Iterator[Callable[[int, int], None] | None]:
    """A bar told (done, total), shown only once the total is `backlog` or more."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    bar = Progress(console=console, transient=True)
    task: TaskID | None = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            if total < backlog:
                return
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()
