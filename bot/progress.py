"""Progress bars on the terminal for the engine's long tasks (ingest, eval)."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO

from tqdm import tqdm

_LABELS = {"ingest": ("Ingesting", " articles"), "ask": ("Asking", " questions")}


class ProgressBars:
    """A `retrieval.Progress` that draws one tqdm bar per stage on stderr.

    Use it as a context manager, so the bars are closed however the task ends:

        with ProgressBars() as bars:
            engine.ingest(sources, progress=bars.report)
    """

    def __init__(
        self, *, enabled: bool | None = None, file: TextIO | None = None, every: float = 0.1
    ) -> None:
        self.file = file or sys.stderr
        self.enabled = self.file.isatty() if enabled is None else enabled
        self.every = every  # seconds between redraws
        self._bars: dict[str, Any] = {}

    @property
    def report(self) -> ProgressBars | None:
        """What to pass as `progress=`: these bars, or None when they would not show."""
        return self if self.enabled else None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            desc, unit = _LABELS.get(stage, (stage.capitalize(), ""))
            bar = self._bars[stage] = tqdm(
                desc=desc,
                unit=unit,
                total=total,
                leave=False,
                file=self.file,
                mininterval=self.every,
            )
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
