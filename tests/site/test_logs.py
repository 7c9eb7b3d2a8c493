"""Nothing sensitive in application logs: a planted string goes through the pages and never comes out."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from werkzeug.serving import make_server

from programme.debriefs.models import DebriefRequest
from programme.models import LearningPoint
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.services import set_password
from tests.factories import make_person, make_team

PLANTED = "Zq7-planted-Vx93"  # distinctive: it can only reach a log by leaking
PASSWORD = f"tram {PLANTED} kettle"
ADDRESS_PART = "plantedaddr93"


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger at DEBUG, werkzeug and SQLAlchemy included, even ones set quieter or disabled."""
    saved = {}
    names = ["", "werkzeug", "app", "sqlalchemy", "sqlalchemy.engine", "flask_limiter", *logging.root.manager.loggerDict]
    for name in names:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.disabled)
        logger.disabled = False
        caplog.set_level(logging.DEBUG, logger=name or None)
    yield caplog
    for name, (level, disabled) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).disabled = disabled


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a handler would write it: message, arguments, and any traceback."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def serve(app) -> tuple[str, Callable[[], None]]:
    """Run the app behind werkzeug's own server, so its request log lines are captured too."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def post(url: str, data: dict) -> int:
    """POST a form to our own local server (http only) and return the final status."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_planted_string_never_reaches_the_logs(every_log, make_app):
    app = make_app(MAIL_SERVER="", SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    with app.app_context():
        team = make_team(name="Assessment North")
        manager = make_person(email=f"{ADDRESS_PART}@example.org", name="Max Manager", role="manager", team=team)
        lead = make_person(name="Pat Lead", role="lead")
        for person in (manager, lead):
            set_password(person, PASSWORD)
        db.session.commit()

        # Sign-in, right and wrong, through werkzeug's server and its request log.
        base, stop = serve(app)
        try:
            assert post(f"{base}/sign-in", {"email": manager.email, "password": "x" + PASSWORD}) == 200
            assert post(f"{base}/sign-in", {"email": manager.email, "password": PASSWORD}) == 200  # followed to /
        finally:
            stop()

        client = app.test_client()
        assert client.post("/sign-in", data={"email": manager.email, "password": PASSWORD + "!"}).status_code == 200
        assert client.post("/sign-in", data={"email": manager.email, "password": PASSWORD}).status_code == 302

        # A debrief request whose arrangements hold the string; the leads' e-mail notice goes to the log.
        day = today_uk() - dt.timedelta(days=3)
        form = {
            "incident_date": [str(day.day), str(day.month), str(day.year)],
            "incident_category": "serious_violence",
            "preferred_format": "group",
            "arrangements": f"Step-free access {PLANTED}",
        }
        assert client.post("/debriefs/request", data=form).status_code == 302
        assert db.session.scalar(db.select(DebriefRequest)).arrangements.endswith(PLANTED)
        # The same refused, so the form comes back with what was typed.
        assert client.post("/debriefs/request", data={**form, "incident_category": ""}).status_code == 400
        client.post("/sign-out")

        # A learning point holding the string.
        assert client.post("/sign-in", data={"email": lead.email, "password": PASSWORD}).status_code == 302
        response = client.post("/learning/new", data={"text": f"Agree who tells the team {PLANTED}", "forum": "SPLIG"})
        assert response.status_code == 302
        assert PLANTED in db.session.scalar(db.select(LearningPoint)).text
        client.post("/sign-out")

        # Throttled sign-in with the planted password.
        for _ in range(4):
            last = client.post("/sign-in", data={"email": manager.email, "password": PASSWORD + "?"})
        assert last.status_code == 429

        # The outbox's sender, with no mail server, writes each waiting message's subject to the log.
        sending = app.test_cli_runner().invoke(args=["send-mail"])
        assert sending.exit_code == 0, sending.output

    logs = logged_text(every_log)
    # The net was cast: the request log, SQL at DEBUG and the e-mail notice were all captured.
    assert '"POST /sign-in HTTP/1.1" 200' in logs
    assert "INSERT INTO debrief_requests" in logs
    assert "E-mail not sent (no MAIL_SERVER): 'A debrief request is waiting'" in logs
    assert PLANTED not in logs
    assert ADDRESS_PART not in logs  # nor the e-mail address tried at sign-in


def test_request_lines_never_hold_an_answer_link_or_a_feed_secret(app, caplog):
    """The development server (and gunicorn's access log, when turned on) logs each request's path; the
    secret in an answer link or a calendar feed's address is blanked first."""
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info('%s - - "%s" %s -', "127.0.0.1", "POST /respond/s3cr3t-Token_x HTTP/1.1", 200)
    logging.getLogger("gunicorn.access").info('"GET /calendar/feed/AbCdEf123.ics HTTP/1.1" 200')
    logged = caplog.text
    assert "s3cr3t-Token_x" not in logged and "AbCdEf123" not in logged
    assert "/respond/[hidden]" in logged and "/calendar/feed/[hidden]" in logged
