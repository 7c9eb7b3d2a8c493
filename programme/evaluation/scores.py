"""Summaries of anonymous answers, shown only for groups large enough that no one stands out.

A group (a month, a team, a service, a kind of session...) shows its number of answers and each
subscale's mean only when at least ``threshold`` people answered. Within one breakdown whose overall
figure is shown, a single hidden group could be worked out from the overall mean and the others, so
the smallest shown groups are hidden with it until the hidden ones together hold nothing or at least
``threshold`` answers (``protect``).
Pure functions: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field


@dataclass
class GroupScore:
    key: Hashable
    answers: int  # how many answers the group has (shown only when ``shown``)
    means: dict[str, float] = field(default_factory=dict)  # subscale -> mean score, rounded to 2 places
    shown: bool = False

    @property
    def answers_label(self) -> str | int:
        return self.answers if self.shown else "hidden"


def mean_scores(rows: Iterable[Mapping[str, float]], subscales: Iterable[str]) -> dict[str, float]:
    rows = list(rows)
    out = {}
    for subscale in subscales:
        values = [row[subscale] for row in rows if subscale in row]
        if values:
            out[subscale] = round(sum(values) / len(values), 2)
    return out


def overall(rows: list[Mapping[str, float]], subscales: list[str], threshold: int) -> GroupScore:
    """Everything together, shown only when enough answered."""
    shown = len(rows) >= threshold
    return GroupScore("all", len(rows), mean_scores(rows, subscales) if shown else {}, shown)


def protect(counts: Mapping[Hashable, int], hidden: set[Hashable], threshold: int) -> set[Hashable]:
    """Hide more groups of a breakdown whose total is shown until what the hidden ones add up to (the
    total less the shown groups) is nothing or at least ``threshold`` answers: hiding one small group,
    or two groups of one answer each, alone would let the total less the others give them away."""
    hidden = set(hidden)
    while 0 < sum(counts[key] for key in hidden) < threshold:
        shown = [key for key in counts if key not in hidden]
        if not shown:
            break
        hidden.add(min(shown, key=lambda key: (counts[key], str(key))))
    return hidden


def breakdown(rows: list[tuple[Hashable, Mapping[str, float]]], subscales: list[str], threshold: int,
              *, total_shown: bool = True, order: Callable[[Hashable], object] | None = None) -> list[GroupScore]:
    """One ``GroupScore`` per key (rows are (key, scores)), with small groups hidden as described above.

    ``total_shown`` says whether the breakdown's overall figure is published beside it; when it is not,
    hiding one group alone gives nothing away.
    """
    grouped: dict[Hashable, list[Mapping[str, float]]] = {}
    for key, scores in rows:
        grouped.setdefault(key, []).append(scores)
    groups = {key: GroupScore(key, len(members)) for key, members in grouped.items()}
    hidden = {key for key, group in groups.items() if group.answers < threshold}
    if total_shown:
        hidden = protect({key: group.answers for key, group in groups.items()}, hidden, threshold)
    for key, group in groups.items():
        group.shown = key not in hidden
        if group.shown:
            group.means = mean_scores(grouped[key], subscales)
    keys = sorted(groups, key=order or (lambda k: str(k)))
    return [groups[key] for key in keys]
