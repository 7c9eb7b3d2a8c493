"""Debrief pages: ``asking`` (anyone), ``requests`` (leads and the chair), ``log`` (after the session)."""

# The GOV.UK tag colour for each status of a request, wherever requests are listed.
STATUS_TAGS = {
    "requested": "govuk-tag--blue",
    "accepted": "govuk-tag--light-blue",
    "declined": "govuk-tag--grey",
    "scheduled": "govuk-tag--purple",
    "delivered": "govuk-tag--green",
    "closed": "govuk-tag--grey",
    "withdrawn": "govuk-tag--orange",
}
