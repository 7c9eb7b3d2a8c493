"""The service navigation at the top of every page: the pages each role has, and which one is open.

It is the same for everyone with a role on a given page, so each (role, page) is drawn once per process
and kept; building it in the template on every request cost more than some whole pages.
"""

from __future__ import annotations

from flask import current_app, get_template_attribute, request, url_for
from flask_login import current_user
from markupsafe import Markup

MACRO = ("govuk_frontend_jinja/components/service-navigation/macro.html", "govukServiceNavigation")
REGISTERS = ("supervision.my_sessions", "supervision.take_register")
EVALUATION_PAGES = ("reports.outcomes", "reports.evaluation_report")
ROSTER_PAGES = ("rosters.teams", "rosters.people", "rosters.facilitators")


def _item(endpoint: str, text: str, active: bool) -> dict:
    return {"href": url_for(endpoint), "text": text, "active": active}


def navigation_items(role: str | None, ep: str) -> list[dict]:
    """The links for a role (None: not signed in) on the page whose endpoint is ``ep``."""
    if role is None:
        return []
    items = [_item("rosters.home", "Home", ep == "rosters.home")]
    if role == "lead":
        return items + [
            _item("reports.dashboard", "Dashboard", ep.startswith("reports.") and ep not in EVALUATION_PAGES),
            _item("supervision.list_series", "Supervision", ep.startswith("supervision.")),
            _item("debriefs.list_requests", "Debriefs", ep.startswith("debriefs.") or ep == "support.referrals"),
            _item("support.waiting", "Further support", ep.startswith("support.") and ep != "support.referrals"),
            _item("learning.list_points", "Learning", ep.startswith("learning.")),
            _item("evaluation.overview", "Evaluation", ep.startswith("evaluation.") or ep in EVALUATION_PAGES),
            _item("rosters.teams", "Roster", ep in ROSTER_PAGES or ep.startswith(("audit.", "privacy.", "people."))),
            _item("rosters.import_csv", "Import", ep == "rosters.import_csv"),
        ]
    items += [
        _item("supervision.slots", "Supervision", ep.startswith("supervision.") and ep not in REGISTERS),
        _item("debriefs.mine", "Debriefs",
              ep in ("debriefs.mine", "debriefs.my_request", "debriefs.new_request", "debriefs.request_sent")),
    ]
    if role == "facilitator":
        items += [
            _item("supervision.my_sessions", "Facilitating", ep in REGISTERS),
            _item("debriefs.chairing", "Chairing",
                  ep in ("debriefs.chairing", "debriefs.show_request", "debriefs.log_session", "support.referrals")),
        ]
    if role == "manager":
        items += [
            _item("debriefs.team_debriefs", "Your team's debriefs", ep.startswith("debriefs.team_")
                  or ep in ("debriefs.support_debrief", "debriefs.invite_colleagues")),
            _item("reports.dashboard", "Team figures", ep.startswith("reports.")),
        ]
    return items


def service_navigation() -> Markup:
    """The GOV.UK service navigation for the signed-in person's role on this page, drawn once and kept."""
    role = current_user.role if current_user.is_authenticated else None
    endpoint = request.endpoint or ""
    drawn: dict = current_app.extensions.setdefault("service_navigation", {})
    key = (role, endpoint, request.script_root)  # links are relative to where the app is mounted
    if key not in drawn:
        draw = get_template_attribute(*MACRO)
        drawn[key] = draw({  # a macro's output is already Markup
            "serviceName": current_app.config["SERVICE_NAME"],
            "serviceUrl": url_for("rosters.home"),
            "navigation": navigation_items(role, endpoint),
            "navigationLabel": "Menu",
            "classes": "app-service-navigation",
        })
    return drawn[key]
