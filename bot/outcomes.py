"""What a delivery pass is told (Policy) and what it reports (Outcome per channel, DeliveryReport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


@dataclass(frozen=True)
class Policy:
    # later than this after post time, a day goes to the catch-up digest
    grace: timedelta = timedelta(hours=6)
    partial_wait: timedelta = timedelta(hours=3)  # how long to wait for an empty or partial list
    min_papers: int = 5  # fewer listed papers than this is "partial"
    lookback_days: int = 7  # how far back a catch-up digest reaches


class Outcome(StrEnum):
    """What one delivery step did for a channel."""

    SENT = "sent"
    EMPTY = "empty"
    FAILED = "failed"
    PAUSED = "paused"
    WAITING = "waiting"
    SKIPPED = "skipped"  # not due, or already delivered


@dataclass
class DeliveryReport:
    channels: dict[Outcome, list[str]] = field(default_factory=lambda: {o: [] for o in Outcome})

    def add(self, key: str, outcome: Outcome) -> None:
        self.channels[outcome].append(key)

    @property
    def sent(self) -> list[str]:
        return self.channels[Outcome.SENT]

    @property
    def empty(self) -> list[str]:
        return self.channels[Outcome.EMPTY]

    @property
    def failed(self) -> list[str]:
        return self.channels[Outcome.FAILED]

    @property
    def paused(self) -> list[str]:
        return self.channels[Outcome.PAUSED]

    @property
    def waiting(self) -> list[str]:
        return self.channels[Outcome.WAITING]

    @property
    def skipped(self) -> int:
        return len(self.channels[Outcome.SKIPPED])
