"""Further-support pages: the lead's list of services, referrals recorded on a debrief (its chair or a
lead), and the referrals waiting for a lead's follow-up. Template globals give the partials their data.

A request's referrals page is a view of the request: to anyone but its chair and leads it does not
exist (404), and every rendering is audited.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from programme.debriefs.models import DebriefInvitation, DebriefRequest
from programme.debriefs.views.requests import visible_request
from programme.support.blueprint import bp
from programme.support.forms import FollowedUpForm, ReferralForm, ServiceActiveForm, ServiceForm
from programme.support.models import SupportReferral, SupportService
from programme.support.operations import (
    ServiceDetails,
    active_services,
    add_service,
    all_services,
    change_service,
    kind_label,
    mark_followed_up,
    may_refer,
    record_referral,
    referral_count,
    referral_counts,
    referrals_for,
    session_begun,
    set_service_active,
    waiting_referrals,
)
from rosters import audit
from rosters.actions import perform
from rosters.auth import me, role_required
from rosters.bounds import parse_id
from rosters.clock import uk_date
from rosters.extensions import db
from rosters.models import Role
from rosters.web import error_summary

SERVICE_ORDER = ["name", "kind", "how_to_reach"]


@bp.app_template_global()
def support_services() -> list[SupportService]:
    """The active services, for ``parts/services.html`` wherever it is included."""
    return active_services()


@bp.app_template_global()
def referrals_summary(item: DebriefRequest) -> dict | None:
    """For the chair or a lead: how many referrals a request has and whether more can be recorded."""
    if not current_user.is_authenticated or not may_refer(me(), item):
        return None
    return {"count": referral_count(item), "begun": session_begun(item)}


def invitation_label(invitation: DebriefInvitation | None) -> str:
    """A person on the roster by name, a partner-agency colleague by e-mail address."""
    if invitation is None:
        return "No longer linked to anyone"
    if invitation.person is not None:
        return invitation.person.name
    return invitation.email + (f" ({invitation.agency})" if invitation.agency else "")


def details_from(form: ServiceForm) -> ServiceDetails:
    return ServiceDetails(form.name.data or "", form.kind.data or "", form.how_to_reach.data or "")


# --- the services, for leads ------------------------------------------------------------------------


def render_services(form: ServiceForm, status: int = 200, general: list[str] | None = None):
    return render_template(
        "programme/support/services.html", services=all_services(), form=form, kind_label=kind_label,
        errors=error_summary(form, general or [], order=SERVICE_ORDER), active_form=ServiceActiveForm(formdata=None),
    ), status


@bp.route("/support/services", methods=["GET", "POST"])
@role_required(Role.LEAD)
def services():
    form = ServiceForm()
    if form.validate_on_submit():
        outcome = perform(lambda: add_service(details_from(form), me()), form=form, fallback="name")
        if outcome.done:
            flash(f"{outcome.result.name} added. Everyone invited to a debrief sees it.", "success")
            return redirect(url_for("support.services"))
        return render_services(form, outcome.status, outcome.general)
    return render_services(form, 400 if form.is_submitted() else 200)


@bp.route("/support/services/<int:service_id>", methods=["GET", "POST"])
@role_required(Role.LEAD)
def edit_service(service_id: int):
    service = db.get_or_404(SupportService, service_id)
    form = ServiceForm() if request.method == "POST" else ServiceForm(formdata=None, obj=service)
    form.submit.label.text = "Save changes"
    status, general = 200, []
    if form.validate_on_submit():
        outcome = perform(lambda: change_service(service, details_from(form), me()), form=form, fallback="name")
        if outcome.done:
            flash(f"{service.name} saved.", "success")
            return redirect(url_for("support.services"))
        status, general = outcome.status, outcome.general
        db.session.refresh(service)
    elif form.is_submitted():
        status = 400
    return render_template("programme/support/edit_service.html", form=form, service=service,
                           errors=error_summary(form, general, order=SERVICE_ORDER)), status


@bp.post("/support/services/<int:service_id>/active")
@role_required(Role.LEAD)
def service_active(service_id: int):
    service = db.get_or_404(SupportService, service_id)
    form = ServiceActiveForm()
    if not form.validate_on_submit():
        return render_services(ServiceForm(formdata=None), 400, form.active.errors[:1])
    wanted = form.active.data == "yes"
    outcome = perform(lambda: set_service_active(service, wanted, me()))
    if not outcome.done:
        return render_services(ServiceForm(formdata=None), outcome.status, outcome.texts)
    flash(f"{service.name} is {'back on' if wanted else 'off'} the list shown to people invited to a debrief.",
          "success")
    return redirect(url_for("support.services"))


# --- referrals on a request, for its chair and leads ------------------------------------------------


def referable_request(request_id: int) -> DebriefRequest:
    """A request the signed-in person may record referrals on; to anyone else it does not exist."""
    item = visible_request(request_id)
    if not may_refer(me(), item):
        abort(404)
    return item


def fill_choices(form: ReferralForm, item: DebriefRequest, services: list[SupportService]) -> None:
    form.invitation.choices = [SelectChoice(str(i.id), invitation_label(i)) for i in item.invitations]
    form.service.choices = [SelectChoice(str(s.id), s.name) for s in services]


def chosen(model, value: str | None):
    """The record a radio named, or None for anything that is not one (the operation says what is wrong)."""
    number = parse_id(value or "")
    return db.session.get(model, number) if number is not None else None


@bp.route("/debriefs/<int:request_id>/referrals", methods=["GET", "POST"])
@login_required
def referrals(request_id: int):
    item = referable_request(request_id)
    services = active_services()
    form = ReferralForm()
    fill_choices(form, item, services)
    status, general = 200, []
    if form.validate_on_submit():
        invitation = chosen(DebriefInvitation, form.invitation.data)
        service = chosen(SupportService, form.service.data)
        outcome = perform(lambda: record_referral(item, me(), invitation, service, form.outcome.data or "",
                                                  form.consent()), form=form)
        if outcome.done:
            flash("Referral recorded." + (" A programme lead will follow it up." if outcome.result.waiting else ""),
                  "success")
            return redirect(url_for("support.referrals", request_id=item.id))
        status, general = outcome.status, outcome.general
        db.session.refresh(item)
    elif form.is_submitted():
        status = 400
    audit.record("debrief_viewed", item, detail="referrals page")
    db.session.commit()
    return render_template(
        "programme/support/referrals.html", item=item, form=form, services=services, kind_label=kind_label,
        referrals=referrals_for(item), begun=session_begun(item), label=invitation_label, uk_date=uk_date,
        is_lead=current_user.has_role(Role.LEAD),
        errors=error_summary(form, general, order=["invitation", "service", "outcome", "consent_to_share"]),
    ), status


# --- referrals waiting for a lead ---------------------------------------------------------------------


def render_waiting(status: int = 200, general: list[str] | None = None):
    rows = waiting_referrals()
    audit.record("support_referrals_viewed", detail=f"{len(rows)} waiting")
    db.session.commit()
    return render_template(
        "programme/support/waiting.html", rows=rows, counts=referral_counts(), label=invitation_label,
        kind_label=kind_label, uk_date=uk_date, followed_up_form=FollowedUpForm(formdata=None),
        errors=[{"text": text} for text in general or []],
    ), status


@bp.get("/support/referrals")
@role_required(Role.LEAD)
def waiting():
    return render_waiting()


@bp.post("/support/referrals/<int:referral_id>/followed-up")
@role_required(Role.LEAD)
def followed_up(referral_id: int):
    referral = db.get_or_404(SupportReferral, referral_id)
    if not FollowedUpForm().validate_on_submit():
        abort(400)
    outcome = perform(lambda: mark_followed_up(referral, me()))
    if not outcome.done:
        return render_waiting(outcome.status, outcome.texts)
    flash(f"Referral on {referral.request.reference} marked as followed up.", "success")
    return redirect(url_for("support.waiting"))
