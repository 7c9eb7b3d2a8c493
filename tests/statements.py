"""Counting the SQL statements the application sends, for tests that a page's queries do not grow with the data.

    with statements() as sent:
        client.get("/supervision")
    assert len(sent) == ...

Each statement is kept as its SQL text, so a failing test can print what was sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from rosters.extensions import db


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL of every statement sent to the database while the block runs, in order."""
    sent: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def shown(sent: list[str]) -> str:
    """The statements one to a line, shortened, for an assertion message."""
    return "\n".join(" ".join(statement.split())[:160] for statement in sent)
