"""Leads' and chairs' pages for debrief requests: the list, one request (view, triage, agree a later target,
choose a chair and arrange the session). To anyone else a request does not exist (404); every rendering is
audited."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from programme.dates import working_days_after
from programme.debriefs.asking import can_view
from programme.debriefs.blueprint import bp
from programme.debriefs.chairs import Arrangement, ChairOption, arrange_session, chair_options
from programme.debriefs.forms import (
    AcceptForm,
    ArrangeForm,
    DeclineForm,
    FollowUpForm,
    FollowUpOpenForm,
    TimingForm,
)
from programme.debriefs.listing import load_page, ordered, page_of, read_filters, team_choices
from programme.debriefs.manager_notices import manager_session_arranged, manager_status_changed
from programme.debriefs.models import REFERENCE_PREFIX, DebriefRequest, FollowUp, RequestStatus, request_id_from_reference
from programme.debriefs.notices import request_triaged, session_arranged
from programme.debriefs.triage import (
    TIMING_STATES,
    accept_request,
    agree_timing,
    clear_timing,
    deadlines,
    decline_request,
)
from programme.debriefs.views import STATUS_TAGS
from programme.fields import when_and_where
from programme.models import Format, IncidentCategory, Status
from rosters import audit
from rosters.actions import perform
from rosters.auth import me, role_required
from rosters.bounds import parse_iso_date
from rosters.clock import today_uk
from rosters.extensions import db
from rosters.models import Person, Role
from rosters.web import error_summary, plural


def visible_request(request_id: int) -> DebriefRequest:
    """A request the signed-in person may see; to anyone else it does not exist."""
    item = db.get_or_404(DebriefRequest, request_id)
    if not can_view(current_user, item):
        abort(404)
    return item


def lead_only() -> None:
    """The chair may see the request, but triage and arranging are for leads."""
    if not current_user.has_role(Role.LEAD):
        abort(403)


FILTER_ANCHORS = {"start": "#start-day", "end": "#end-day", "page": "#ref"}  # where each filter's error points


@bp.get("/debriefs")
@role_required(Role.LEAD)
def list_requests():
    """Every request ever made, a page at a time, in the order that needs acting on (``listing``)."""
    filters = read_filters(request.args)
    entries = ordered(filters)
    page = page_of(len(entries), filters.page)
    missing = f"No request {REFERENCE_PREFIX}{request_id_from_reference(filters.ref):04d}" if (
        filters.ref and not entries) else ""
    audit.record("debrief_list_viewed", detail=f"page {page.number}; {urlencode(filters.args())}"[:500])
    db.session.commit()
    rows = load_page(page.of(entries))  # after the commit, which would expire them

    def page_url(number: int) -> str:
        return url_for("debriefs.list_requests", **filters.args(page=number))

    return render_template(
        "programme/debriefs/list.html", rows=rows, filters=filters, page=page, page_url=page_url, missing=missing,
        statuses=list(RequestStatus), categories=list(IncidentCategory), teams=team_choices(filters.team_id),
        tags=STATUS_TAGS, errors=[{"text": text, "href": FILTER_ANCHORS.get(name, f"#{name}")}
                                  for name, text in filters.errors.items()],
    ), 400 if filters.errors else 200


@bp.get("/debriefs/chairing")
@role_required(Role.FACILITATOR, Role.LEAD)
def chairing():
    """The debriefs the signed-in person is assigned to chair."""
    items = db.session.scalars(
        db.select(DebriefRequest)
        .where(DebriefRequest.facilitator_id == current_user.id)
        .options(selectinload(DebriefRequest.session))
        .order_by(DebriefRequest.requested_at.desc())
    ).all()
    return render_template("programme/debriefs/chairing.html", items=items, tags=STATUS_TAGS)


def default_day(item: DebriefRequest) -> dt.date:
    """The date chairs are first shown for: the arranged session's, else the next working day."""
    if item.session is not None:
        return item.session.date
    return working_days_after(today_uk(), 1)


def arrange_form_for(item: DebriefRequest, day: dt.date | None = None) -> ArrangeForm:
    """The arrange form pre-filled from the arranged session, or from the request."""
    session = item.session
    if request.method == "POST" and request.endpoint == "debriefs.arrange":
        return ArrangeForm()
    if session is not None:
        return ArrangeForm(formdata=None, data={
            "day": day or session.date, "start_time": f"{session.starts_local:%H:%M}",
            "duration_minutes": session.duration_minutes, "format": session.format,
            "location": session.location, "online_link": session.online_link, "chair": session.facilitator_id,
            "others_allowed": item.others_allowed,
        })
    preferred = item.preferred_format if item.preferred_format in (Format.INDIVIDUAL, Format.GROUP) else None
    return ArrangeForm(formdata=None, data={"day": day or default_day(item), "format": preferred})


def chair_choices(form: ArrangeForm, item: DebriefRequest) -> list[ChairOption]:
    """Fill the chair radios for the form's date; return every option (ineligible ones are shown, not chosen)."""
    options = chair_options(item, form.day.data or default_day(item))
    eligible = [o for o in options if o.eligible]
    form.chair.choices = [SelectChoice(str(o.person.id), o.person.name) for o in eligible]
    if form.chair.data is None and eligible and not form.confirm.data:
        form.chair.data = eligible[0].person.id  # least loaded first
    return options


def follow_up_state(item: DebriefRequest) -> tuple[dt.date | None, bool]:
    """The follow-up due date while one is pending, and whether it is past."""
    if item.follow_up != FollowUp.PENDING.value or item.follow_up_due_on is None:
        return None, False
    return item.follow_up_due_on, today_uk() > item.follow_up_due_on


def asked_day() -> dt.date | None:
    """``?day=`` from the address, if it is a date the service accepts (else the usual first date)."""
    try:
        return parse_iso_date(request.args["day"], "day") if request.args.get("day") else None
    except ValueError:
        return None


TIMING_PREFIX = "timing"  # its fields' names and ids differ from the arrange and decline forms' on the same page


def timing_form_for(item: DebriefRequest) -> TimingForm:
    """The agreed-timing form, holding the agreed date and reason when there are some."""
    return TimingForm(formdata=None, prefix=TIMING_PREFIX,
                      data={"day": item.agreed_session_due, "reason": item.agreed_due_reason or None})


def render_show(item: DebriefRequest, status: int = 200, *, errors: list[dict] | None = None, **forms):
    """The request page; every rendering is a view of the request, so it is audited.

    Once a session is arranged, the page shows the arrangement with a "Change" link; the form opens when
    asked for (``?change=1``, or a date to show chairs for) or when a change was refused."""
    is_lead = current_user.has_role(Role.LEAD)
    options: list[ChairOption] = []
    arrange = forms.get("arrange")
    can_arrange = is_lead and item.status in (RequestStatus.ACCEPTED.value, RequestStatus.SCHEDULED.value) and (
        item.session is None or item.session.status == Status.SCHEDULED.value
    )
    changing = arrange is not None or bool(request.args.get("change")) or bool(request.args.get("day"))
    show_arrange_form = can_arrange and (item.session is None or changing)
    if show_arrange_form:
        arrange = arrange or arrange_form_for(item, asked_day())
        options = chair_choices(arrange, item)
    due_on, due_overdue = follow_up_state(item)
    session = item.session
    audit.record("debrief_viewed", item)
    db.session.commit()
    return render_template(
        "programme/debriefs/show.html",
        item=item,
        due=deadlines(item),
        is_lead=is_lead,
        is_chair=item.facilitator_id == current_user.id,
        accept=forms.get("accept") or AcceptForm(formdata=None),
        decline=forms.get("decline") or DeclineForm(formdata=None),
        arrange=arrange,
        can_arrange=can_arrange,
        show_arrange_form=show_arrange_form,
        options=options,
        timing=forms.get("timing") or timing_form_for(item),
        can_agree_timing=is_lead and item.status in TIMING_STATES,
        follow_up=forms.get("follow_up") or FollowUpForm(formdata=None),
        open_follow_up=forms.get("open_follow_up") or FollowUpOpenForm(formdata=None),
        follow_up_due=due_on,
        follow_up_overdue=due_overdue,
        can_log=session is not None and session.status == Status.SCHEDULED.value,
        started=session is not None and session.has_started(),
        errors=errors or [],
        tags=STATUS_TAGS,
        categories=IncidentCategory,
    ), status


@bp.get("/debriefs/<int:request_id>")
@login_required
def show_request(request_id: int):
    return render_show(visible_request(request_id))


@bp.post("/debriefs/<int:request_id>/accept")
@login_required
def accept(request_id: int):
    item = visible_request(request_id)
    lead_only()
    if not AcceptForm().validate_on_submit():
        abort(400)
    outcome = perform(lambda: accept_request(item, me()), tell=lambda _: request_triaged(item))
    if not outcome.done:
        return render_show(item, outcome.status, errors=[{"text": text} for text in outcome.texts])
    flash("Request accepted. Choose a chair and arrange the session.", "success")
    return redirect(url_for("debriefs.show_request", request_id=item.id))


@bp.post("/debriefs/<int:request_id>/decline")
@login_required
def decline(request_id: int):
    item = visible_request(request_id)
    lead_only()
    form = DeclineForm()
    general: list[str] = []
    if form.validate_on_submit():
        outcome = perform(lambda: decline_request(item, me(), form.reason.data or ""),
                          tell=lambda _: [*request_triaged(item), *manager_status_changed(item, "declined")],
                          form=form, fallback="reason")
        if outcome.done:
            flash("Request declined. The person who asked can see your reason.", "success")
            return redirect(url_for("debriefs.show_request", request_id=item.id))
        status, general = outcome.status, outcome.general
    else:
        status = 400
    return render_show(item, status, errors=error_summary(form, general), decline=form)


@bp.post("/debriefs/<int:request_id>/arrange")
@login_required
def arrange(request_id: int):
    item = visible_request(request_id)
    lead_only()
    form = arrange_form_for(item)
    if form.check.data:
        # Only the date matters for showing chairs; other fields are corrected when arranging.
        form.validate()
        for name, field in form._fields.items():
            if name not in ("day", "csrf_token"):
                field.errors = []
        return render_show(item, 400 if form.day.errors else 200, errors=error_summary(form), arrange=form)
    if not form.validate_on_submit():
        return render_show(item, 400, errors=error_summary(form), arrange=form)
    if form.chair.data is None:
        form.chair.errors = ["Select a chair"]
        return render_show(item, 400, errors=error_summary(form), arrange=form)
    chair = db.session.get(Person, form.chair.data)
    if chair is None:
        abort(400)
    plan = Arrangement(facilitator=chair, day=form.day.data, format=form.format.data,
                       others_allowed=form.others_allowed.data or 0, **when_and_where(form))
    # Told before the change: whether invitations already out are replaced (a higher SEQUENCE), and by whom.
    earlier = item.session.sequence if item.session is not None else None
    previous_chair = item.facilitator
    earlier_when = item.session.when if item.session is not None else None  # the manager hears of a new time only
    outcome = perform(lambda: arrange_session(item, plan), form=form, tell=lambda session: [*session_arranged(
        item, changed=earlier is not None and session.sequence > earlier, previous_chair=previous_chair),
        *manager_session_arranged(item, was=earlier_when)])
    if not outcome.done:
        db.session.refresh(item)
        return render_show(item, outcome.status, errors=error_summary(form, outcome.general), arrange=form)
    invited = len(item.invitations)
    opening = (f"Changes saved: the session is {item.session.when}" if earlier is not None
               else f"Session arranged for {item.session.when}")
    flash(
        f"{opening} with {chair.name} as chair. "
        f"{plural(invited, 'invited person was', 'invited people were')} sent the date, time and place.",
        "success",
    )
    return redirect(url_for("debriefs.show_request", request_id=item.id))


@bp.post("/debriefs/<int:request_id>/timing")
@login_required
def timing(request_id: int):
    """Agree a later target for the session with a reason, or go back to the standard target."""
    item = visible_request(request_id)
    lead_only()
    form = TimingForm(prefix=TIMING_PREFIX)
    if form.clear.data:
        outcome = perform(lambda: clear_timing(item, me()))
        if outcome.done:
            flash("The agreed date is cleared: the standard target applies again.", "success")
            return redirect(url_for("debriefs.show_request", request_id=item.id, _anchor="timing"))
        return render_show(item, outcome.status, errors=[{"text": text} for text in outcome.texts])
    general: list[str] = []
    if form.validate_on_submit():
        outcome = perform(lambda: agree_timing(item, me(), form.day.data, form.reason.data or ""), form=form)
        if outcome.done:
            flash(f"Agreed date saved: the session is now due by {item.agreed_session_due:%-d %B %Y}.", "success")
            return redirect(url_for("debriefs.show_request", request_id=item.id, _anchor="timing"))
        db.session.refresh(item)
        status, general = outcome.status, outcome.general
    else:
        status = 400
    return render_show(item, status, errors=error_summary(form, general), timing=form)
