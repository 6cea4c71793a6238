"""The terminal's progress bars for the engine's progress callback."""

from __future__ import annotations

import io

from bot.progress import ProgressBars


def test_bars_show_each_stage_and_close() -> None:
    screen = io.StringIO()
    with ProgressBars(enabled=True, file=screen, every=0) as bars:
        assert bars.report is bars
        for done in range(1, 4):
            bars("ingest", done, None)
        bars("ask", 2, 5)
    drawn = screen.getvalue()
    assert "Ingesting: 3 articles" in drawn
    assert "Asking:  40%" in drawn and "2/5" in drawn


def test_bars_are_off_unless_asked_for_or_on_a_terminal() -> None:
    assert ProgressBars(enabled=False).report is None
    assert ProgressBars(file=io.StringIO()).report is None  # not a terminal
