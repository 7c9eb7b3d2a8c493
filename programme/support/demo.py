"""Demo services for ``flask seed-demo``: made-up names and contact details (example.org, 0000 numbers)."""

from __future__ import annotations

from sqlalchemy import select

from programme.support.models import SupportService
from programme.support.operations import ServiceDetails, add_service
from rosters.extensions import db
from rosters.models import Person

DEMO_SERVICES = (
    ServiceDetails("Employee assistance programme", "employee_assistance",
                   "Free and confidential, 24 hours a day: 0000 000 0001\nwww.eap.example.org"),
    ServiceDetails("Occupational health", "occupational_health",
                   "Ask your manager for a referral, or refer yourself: occupational.health@council.example.org\n"
                   "0000 000 0002, Monday to Friday, 9am to 5pm"),
    ServiceDetails("Clinical psychology (in partnership with the NHS trust)", "clinical_psychology",
                   "Through the debrief pathway: your chair or the programme lead can refer you.\n"
                   "psychology.team@nhs-trust.example.org, 0000 000 0003, Monday to Friday"),
    ServiceDetails("Your GP", "gp", "Contact your own GP practice. Out of hours: call 111."),
)


def plan_demo_services(lead: Person) -> int:
    """Add the demo services when there are none yet; how many were added."""
    if db.session.scalar(select(SupportService.id).limit(1)) is not None:
        return 0
    for details in DEMO_SERVICES:
        add_service(details, lead)
    return len(DEMO_SERVICES)
