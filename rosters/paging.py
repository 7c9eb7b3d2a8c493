"""Pages of a long list (teams on the dashboard, debrief requests): which page was asked for, and the GOV.UK
pagination links."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    """Page ``number`` (from 1) of ``total`` items, ``per_page`` at a time."""

    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_item(self) -> int:
        return min(self.total, (self.number - 1) * self.per_page + 1)

    @property
    def last_item(self) -> int:
        return min(self.total, self.number * self.per_page)

    def of(self, entries: list) -> list:
        """This page's share of the whole list."""
        return entries[(self.number - 1) * self.per_page:self.number * self.per_page]

    def exists(self) -> bool:
        """Whether the page holds anything (page 1 always exists, even of nothing)."""
        return self.number == 1 or self.number <= self.pages

    def links(self, url: Callable[[int], str], label: str) -> dict[str, Any] | None:
        """The ``govukPagination`` parameters: first, last and neighbouring pages, gaps as ellipses."""
        if self.pages <= 1:
            return None
        shown = sorted({1, self.pages, *range(max(1, self.number - 1), min(self.pages, self.number + 1) + 1)})
        items: list[dict[str, Any]] = []
        for previous, number in zip([0, *shown], shown, strict=False):
            if number - previous > 1:
                items.append({"ellipsis": True})
            items.append({"number": number, "href": url(number), "current": number == self.number})
        return {
            "previous": {"href": url(self.number - 1)} if self.number > 1 else None,
            "next": {"href": url(self.number + 1)} if self.number < self.pages else None,
            "items": items,
            "landmarkLabel": label,
        }
