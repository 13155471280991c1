"""Dates as the sources give them: publication dates, and dates in the text with their precision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import dateparser


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"
    DECADE = "decade"


SEASON_MONTH = {"spring": 4, "summer": 7, "autumn": 10, "fall": 10, "winter": 1}


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date known only to some precision; it never claims more than the source said."""

    year: int
    month: int | None = None
    day: int | None = None
    season: str | None = None
    precision: Precision = Precision.YEAR
    approximate: bool = False

    def iso(self) -> str:
        if self.precision is Precision.DAY:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.precision is Precision.MONTH:
            return f"{self.year:04d}-{self.month:02d}"
        if self.precision is Precision.DECADE:
            return f"{self.year - self.year % 10:04d}"
        return f"{self.year:04d}"

    def sort_key(self) -> tuple[int, int, int]:
        """Orders dates chronologically; a vaguer date sorts at the start of its range."""
        month = self.month or (SEASON_MONTH.get(self.season or "", 1))
        year = self.year - self.year % 10 if self.precision is Precision.DECADE else self.year
        return (year, month, self.day or 0)

    def label(self) -> str:
        """Human form with the precision shown: "3 Feb 2026", "Feb 2026", "summer 2025"."""
        prefix = "about " if self.approximate else ""
        if self.precision is Precision.DAY:
            text = dt.date(self.year, self.month or 1, self.day or 1).strftime("%-d %b %Y")
        elif self.precision is Precision.MONTH:
            text = dt.date(self.year, self.month or 1, 1).strftime("%b %Y")
        elif self.precision is Precision.SEASON:
            text = f"{self.season} {self.year}"
        elif self.precision is Precision.DECADE:
            text = f"{self.year - self.year % 10}s"
        else:
            text = str(self.year)
        return prefix + text

    @classmethod
    def of_day(cls, day: dt.date, *, approximate: bool = False) -> FuzzyDate:
        return cls(day.year, day.month, day.day, precision=Precision.DAY, approximate=approximate)

    @classmethod
    def from_iso(cls, iso: str, precision: str, *, approximate: bool = False) -> FuzzyDate:
        """Inverse of `iso()` plus the stored precision (seasons keep their name in `precision`)."""
        parts = [int(p) for p in iso.split("-")]
        kind = Precision(precision) if precision in Precision._value2member_map_ else Precision.YEAR
        month = parts[1] if len(parts) > 1 else None
        day = parts[2] if len(parts) > 2 else None
        return cls(parts[0], month, day, precision=kind, approximate=approximate)


def parse_published(value: str) -> dt.date | None:
    """A publication date from a header value or a dateline ("2026-02-03", "Feb 3, 2026 05:56 PM IST")."""
    value = value.strip()
    if not value or not any(c.isdigit() for c in value):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    parsed = dateparser.parse(
        value,
        languages=["en"],
        settings={"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]},
    )
    return parsed.date() if parsed else None
