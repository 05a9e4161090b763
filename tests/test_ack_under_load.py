"""Platform acks never wait on the database: `paperbot run` answers every `/papers` command within 1 s
while another process holds SQLite's write lock for 10 s and a delivery tick fans out to 2,000 channels
(Slack allows 3 s). The bot answers within its ack budget (bot.deadline) and finishes slow work after."""

from __future__ import annotations

from pathlib import Path

from tests.load import ack_times


async def test_commands_are_acknowledged_within_a_second_under_a_held_lock_and_a_fan_out(
    tmp_path: Path,
) -> None:
    times, posted = await ack_times(tmp_path, channels=2000, hold_seconds=10.0)
    assert len(times) >= 20
    assert max(times) < 1.0, sorted(times)[-5:]
    assert posted > 0  # the fan-out really ran while the commands were answered
