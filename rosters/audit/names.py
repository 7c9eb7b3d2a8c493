"""What the audit trail calls each action: the one table from the stored code to a readable name.

The trail stores the code (``board_report_viewed``); pages show the name ("Board report viewed") and
the filter still sends the code. ``tests/rosters/test_audit_names.py`` reads every ``audit.record`` call
in the code base and fails, naming the file and line, for a code missing here. A code with no name yet
(a line written by a newer release, or one this table has not caught up with) reads as its own words.
"""

from __future__ import annotations

from collections.abc import Iterable

ACTION_NAMES: dict[str, str] = {
    # Signing in, accounts and tokens.
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_out": "Signed out",
    "sign_in_granted": "Sign-in granted",
    "api_token_created": "API token created",
    "person_added": "Person added",
    "person_changed": "Person's details changed",
    "person_deactivated": "Person deactivated",
    "person_reactivated": "Person reactivated",
    "password_link_sent": "Password link sent",
    "password_set_by_link": "Password set from a link",
    # The roster, e-mail and the trail itself.
    "spreadsheet_imported": "Spreadsheet imported",
    "email_retried": "E-mail sent again",
    "audit_viewed": "Audit trail viewed",
    # Supervision.
    "series_created": "Supervision series created",
    "series_changed": "Supervision series changed",
    "session_changed": "Session changed",
    "session_cancelled": "Session cancelled",
    "capacity_changed": "Session places changed",
    "register_taken": "Register taken",
    "place_booked": "Place booked",
    "waitlist_joined": "Waitlist joined",
    "booking_cancelled": "Booking cancelled",
    "booking_removed": "Place removed by a lead",
    "calendar_feed_created": "Calendar feed created",
    "calendar_feed_reset": "Calendar feed address changed",
    "calendar_feed_turned_off": "Calendar feed turned off",
    # Critical-incident debriefs.
    "debrief_requested": "Debrief requested",
    "debrief_accepted": "Debrief request accepted",
    "debrief_declined": "Debrief request declined",
    "debrief_session_arranged": "Debrief session arranged",
    "debrief_session_rearranged": "Debrief session rearranged",
    "debrief_session_logged": "Debrief session logged",
    "debrief_follow_up_recorded": "Debrief follow-up recorded",
    "debrief_follow_up_opened": "Debrief follow-up opened early",
    "debrief_timing_agreed": "Later target date for a debrief session agreed",
    "debrief_timing_cleared": "Agreed target date for a debrief session cleared",
    "debrief_list_viewed": "Debrief requests list viewed",
    "debrief_viewed": "Debrief viewed",
    "debrief_own_viewed": "Debrief viewed by the person who asked or someone invited",
    "debrief_calendar_downloaded": "Debrief calendar file downloaded",
    "debrief_withdrawn": "Debrief request withdrawn by the person who asked",
    "debrief_change_asked": "Change to a debrief asked for",
    "debrief_change_dealt_with": "Change to a debrief marked as dealt with",
    "debrief_team_list_viewed": "Team's debriefs viewed by a manager",
    "debrief_viewed_by_manager": "Debrief viewed by the named manager",
    "debrief_supported_by_manager": "Debrief supported by the named manager",
    "debrief_colleagues_added_by_manager": "Colleagues invited to a debrief by the named manager",
    # Further support beyond peer support (programme/support/).
    "support_service_added": "Further-support service added",
    "support_service_changed": "Further-support service changed",
    "support_service_deactivated": "Further-support service taken off the list",
    "support_service_reactivated": "Further-support service put back on the list",
    "support_referral_recorded": "Referral to further support recorded",
    "support_referral_followed_up": "Referral to further support followed up",
    "support_referrals_viewed": "Referrals waiting for follow-up viewed",
    # The learning log.
    "learning_point_added": "Learning point added",
    "learning_point_edited": "Learning point edited",
    "learning_point_rejected": "Learning point rejected",
    "learning_point_advanced": "Learning point moved on",
    "learning_point_moved_back": "Learning point moved back",
    "learning_exported": "Learning log exported",
    # Evidence of impact.
    "feedback_viewed": "Session feedback viewed",
    "feedback_exported": "Session feedback exported",
    "questionnaire_uploaded": "Questionnaire uploaded",
    "questionnaire_retired": "Questionnaire retired",
    "pulse_created": "Wellbeing pulse created",
    "pulse_cancelled": "Wellbeing pulse cancelled",
    "pulse_results_viewed": "Wellbeing pulse results viewed",
    "evaluation_report_viewed": "Evaluation report viewed",
    "evaluation_report_exported": "Evaluation report exported",
    # Figures.
    "board_report_viewed": "Board report viewed",
    "dashboard_exported": "Dashboard exported",
    # Privacy.
    "privacy_page_viewed": "Privacy page viewed",
    "privacy_person_viewed": "Person's privacy page viewed",
    "person_exported": "Personal data exported (subject access)",
    "person_erased": "Person erased",
    "legal_hold_set": "Legal hold set",
    "legal_hold_cleared": "Legal hold cleared",
    "retention_applied": "Retention applied",
}


def humanised(code: str) -> str:
    """'pulse_reminder_sent' -> 'Pulse reminder sent'."""
    words = " ".join(code.replace("_", " ").split())
    return words[:1].upper() + words[1:] if words else "Unnamed action"


def action_name(code: str) -> str:
    """The readable name of an action code, or the code in words when it has none."""
    return ACTION_NAMES.get(code) or humanised(code)


def action_code(text: str, codes: Iterable[str]) -> str:
    """The code a filter asks for: one of ``codes`` as it is, or the code whose readable name ``text`` is
    (in any case); otherwise ``text`` unchanged, which matches nothing."""
    text = text.strip()
    codes = set(codes)
    if text in codes:
        return text
    by_name = {action_name(code).casefold(): code for code in codes}
    return by_name.get(text.casefold(), text)
