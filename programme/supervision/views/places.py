"""Leads' pages for the places on one session: who is booked or waiting, and removing someone's place.

Removing a place is a lead's decision with a reason: the person is told by e-mail, and the first
person waiting gets a freed place, as when someone cancels their own.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from programme.models import Booking, BookingStatus
from programme.supervision.blueprint import bp
from programme.supervision.forms import RemovePlaceForm
from programme.supervision.notices import removal_told
from programme.supervision.places import effective_capacity, remove_place, waitlist_position
from programme.supervision.series import is_changeable
from programme.supervision.views.sessions import back_to, supervision_session
from rosters.actions import perform
from rosters.auth import me, role_required
from rosters.extensions import db
from rosters.models import Role
from rosters.web import error_summary


@bp.get("/supervision/sessions/<int:session_id>/bookings")
@role_required(Role.LEAD)
def session_bookings(session_id: int):
    session = supervision_session(session_id)
    live = sorted((b for b in session.bookings if b.is_live), key=lambda b: (b.status != BookingStatus.BOOKED.value, b.id))
    return render_template(
        "programme/supervision/session_bookings.html",
        session=session,
        booked=[b for b in live if b.status == BookingStatus.BOOKED.value],
        waiting=[(b, waitlist_position(b)) for b in live if b.status == BookingStatus.WAITLISTED.value],
        capacity=effective_capacity(session),
        changeable=is_changeable(session),
        back=back_to(session),
    )


@bp.route("/supervision/bookings/<int:booking_id>/remove", methods=["GET", "POST"])
@role_required(Role.LEAD)
def remove_booking(booking_id: int):
    booking = db.get_or_404(Booking, booking_id)
    session = supervision_session(booking.session_id)
    if booking.person is None:
        abort(404)  # removed for privacy: nobody to tell
    form = RemovePlaceForm()
    status, general = 200, []
    open_place = booking.is_live and is_changeable(session)
    if open_place and form.validate_on_submit():
        name = booking.person.name
        outcome = perform(lambda: remove_place(booking_id, me(), form.reason.data or ""), tell=removal_told,
                          form=form, fallback="reason")
        if outcome.done:
            given = " The first person waiting has been given the place." if outcome.result.promoted else ""
            flash(f"{name}’s place has been removed and they have been told by e-mail.{given}", "success")
            return redirect(url_for("supervision.session_bookings", session_id=session.id))
        status, general = outcome.status, outcome.general
        db.session.refresh(booking)
        open_place = booking.is_live and is_changeable(session)
    elif form.errors:
        status = 400
    return render_template(
        "programme/supervision/booking_remove.html",
        form=form,
        errors=error_summary(form, general),
        booking=booking,
        session=session,
        open_place=open_place,
        back=url_for("supervision.session_bookings", session_id=session.id),
    ), status
