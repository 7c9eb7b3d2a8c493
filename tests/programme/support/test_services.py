"""Further-support services: the lead's list (add, change, take off and put back), its bounds, and the
"Further support" section participants see, which shows only services on the list."""

from __future__ import annotations

import pytest
from flask import render_template
from sqlalchemy import func, select

from programme.errors import Conflict, NotAllowed, ProgrammeError
from programme.support.models import SupportService
from programme.support.operations import (
    ServiceDetails,
    active_services,
    add_service,
    change_service,
    set_service_active,
)
from rosters.extensions import db
from rosters.models import AuditEvent
from tests.factories import make_debrief_request, make_person, make_team
from tests.plugin import text
from tests.programme.support.journey import service

FORM = {"name": "Occupational health", "kind": "occupational_health",
        "how_to_reach": "occupational.health@council.example.org\r\n0000 000 0002, weekdays 9am to 5pm"}


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_lead_adds_changes_and_takes_a_service_off_the_list(app):
    lead = make_person(role="lead")
    added = add_service(ServiceDetails("  Employee assistance  ", "employee_assistance", " 0000 000 0001 \r\n24 hours "),
                        lead)
    assert (added.name, added.kind, added.how_to_reach, added.active) == (
        "Employee assistance", "employee_assistance", "0000 000 0001\n24 hours", True)
    change_service(added, ServiceDetails("EAP (Care line)", "employee_assistance", "0000 000 0009"), lead)
    assert (added.name, added.how_to_reach) == ("EAP (Care line)", "0000 000 0009")
    gp = service("Your GP", "gp", "Your own practice", lead=lead)
    psychology = service("Clinical psychology", "clinical_psychology", "Through your chair", lead=lead)
    # In the order of their kinds: employee assistance, occupational health, clinical psychology, GP, other.
    assert active_services() == [added, psychology, gp]
    set_service_active(psychology, False, lead)
    assert active_services() == [added, gp]
    with pytest.raises(Conflict):
        set_service_active(psychology, False, lead)
    set_service_active(psychology, True, lead)
    assert psychology in active_services()
    assert audit_actions() == ["support_service_added", "support_service_changed", "support_service_added",
                               "support_service_added", "support_service_deactivated",
                               "support_service_reactivated"]


@pytest.mark.parametrize(
    ("details", "field", "message"),
    [
        (ServiceDetails("  ", "gp", "x"), "name", "Enter the name of the service"),
        (ServiceDetails("n" * 201, "gp", "x"), "name", "The name must be 200 characters or fewer"),
        (ServiceDetails("GP", "counselling", "x"), "kind", "Choose what kind of service it is"),
        (ServiceDetails("GP", "gp", " \n "), "how_to_reach", "Say how to reach the service"),
        (ServiceDetails("GP", "gp", "x" * 1001), "how_to_reach",
         "How to reach the service must be 1000 characters or fewer"),
    ],
)
def test_a_service_needs_a_name_a_known_kind_and_how_to_reach_it(app, details, field, message):
    with pytest.raises(ProgrammeError) as excinfo:
        add_service(details, make_person(role="lead"))
    assert [p.field for p in excinfo.value.problems] == [field]
    assert excinfo.value.problems[0].text.startswith(message)
    assert db.session.scalar(select(func.count()).select_from(SupportService)) == 0


def test_only_a_lead_changes_the_list(app):
    with pytest.raises(NotAllowed):
        add_service(ServiceDetails("GP", "gp", "Your practice"), make_person(role="facilitator"))
    existing = service()
    with pytest.raises(NotAllowed):
        set_service_active(existing, False, make_person(role="manager"))
    assert existing.active


# --- pages ------------------------------------------------------------------------------------------


def test_the_lead_keeps_the_list_in_the_browser(client, auth):
    lead = make_person(role="lead")
    db.session.commit()
    auth.login(lead.email)
    page = text(client.get("/support/services"))
    assert "No services yet" in page and 'name="how_to_reach"' in page
    response = client.post("/support/services", data=FORM)
    assert response.status_code == 302
    stored = db.session.scalars(select(SupportService)).one()
    assert stored.how_to_reach == "occupational.health@council.example.org\n0000 000 0002, weekdays 9am to 5pm"
    page = text(client.get("/support/services"))
    assert "Occupational health" in page and "0000 000 0002, weekdays 9am to 5pm" in page
    assert "occupational.health@council.example.org<br>" in page
    assert "Take off the list" in page

    page = text(client.get(f"/support/services/{stored.id}"))
    assert 'value="Occupational health"' in page and "Save changes" in page
    response = client.post(f"/support/services/{stored.id}", data={**FORM, "name": "OH service"})
    assert response.status_code == 302
    db.session.expire_all()
    assert stored.name == "OH service"

    assert client.post(f"/support/services/{stored.id}/active", data={"active": "no"}).status_code == 302
    db.session.expire_all()
    assert not stored.active
    again = client.post(f"/support/services/{stored.id}/active", data={"active": "no"})
    assert again.status_code == 409 and "already off the list" in text(again)
    assert client.post(f"/support/services/{stored.id}/active", data={"active": "maybe"}).status_code == 400
    assert "Put back on the list" in text(client.get("/support/services"))
    assert client.post(f"/support/services/{stored.id}/active", data={"active": "yes"}).status_code == 302
    db.session.expire_all()
    assert stored.active


def test_every_bad_input_is_shown_beside_its_field(client, auth):
    lead = make_person(role="lead")
    db.session.commit()
    auth.login(lead.email)
    response = client.post("/support/services", data={"name": "n" * 201, "kind": "spa", "how_to_reach": ""})
    assert response.status_code == 400
    page = text(response)
    for anchor, message in (("#name", "The name must be 200 characters or fewer"), ("#kind", "Not a valid choice"),
                            ("#how_to_reach", "Say how to reach the service")):
        assert f'href="{anchor}"' in page and message in page
    # Spaces only pass the form but not the operation, which names the field.
    response = client.post("/support/services", data={**FORM, "name": "   "})
    assert response.status_code == 400 and "Enter the name of the service" in text(response)
    assert db.session.scalar(select(func.count()).select_from(SupportService)) == 0


def test_the_list_is_for_leads_only(client, auth):
    existing = service()
    for role in ("member", "manager", "facilitator"):
        person = make_person(role=role, team=make_team())
        db.session.commit()
        auth.login(person.email)
        assert client.get("/support/services").status_code == 403
        assert client.post("/support/services", data=FORM).status_code == 403
        assert client.post(f"/support/services/{existing.id}", data=FORM).status_code == 403
        assert client.post(f"/support/services/{existing.id}/active", data={"active": "no"}).status_code == 403
        auth.logout()
    assert db.session.scalar(select(func.count()).select_from(SupportService)) == 1 and existing.active


def test_further_support_shows_only_services_on_the_list(app):
    lead = make_person(role="lead")
    shown = service("Employee assistance programme", how_to_reach="0000 000 0001\nwww.eap.example.org", lead=lead)
    hidden = service("Old counselling line", "other", "0000 999 9999", lead=lead)
    set_service_active(hidden, False, lead)
    with app.test_request_context("/"):
        html = render_template("programme/support/parts/services.html")
    assert "Further support" in html and shown.name in html and "Employee assistance programme" in html
    assert "0000 000 0001<br>www.eap.example.org" in html
    assert "The programme lead keeps this list up to date." in html
    assert hidden.name not in html and "0000 999 9999" not in html
    set_service_active(shown, False, lead)
    with app.test_request_context("/"):
        assert render_template("programme/support/parts/services.html").strip() == ""


def test_someone_who_has_just_asked_sees_further_support(client, auth):
    member = make_person(name="Mel Member", team=make_team())
    item = make_debrief_request(member, manager=make_person(role="manager", team=member.team))
    service("Clinical psychology (with the NHS trust)", "clinical_psychology", "0000 000 0003")
    db.session.commit()
    auth.login(member.email)
    page = text(client.get(f"/debriefs/request/{item.id}/sent"))
    assert "Further support" in page and "Clinical psychology (with the NHS trust)" in page
    assert "0000 000 0003" in page
