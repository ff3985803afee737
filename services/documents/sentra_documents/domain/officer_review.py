"""How long an officer has to review a red-flagged case, and who hears when it waits.

Program policy (the Dec 2016 joint commitment: fast service, trafficking stopped at the
one-roof office), not a statute: a flagged worker must not wait long, and a case nobody
looks at goes to the head of the provincial BP3MI.
"""

from __future__ import annotations

from sentra_shared.calendar import DayKind

OFFICER_REVIEW_DAYS = 2
OFFICER_REVIEW_DAY_KIND = DayKind.WORKING
# Counted after the review was due: escalated 2 working days after that.
OFFICER_REVIEW_ESCALATE_AFTER_DAYS = 2
OFFICER_REVIEW_SUPERVISOR = "Kepala BP3MI Jawa Tengah"
OFFICER_REVIEW_SOURCE = (
    "Program policy (one-roof service, Central Java joint commitment of Dec 2016): review "
    "within 2 working days, escalated to the head of BP3MI Jawa Tengah 2 working days later"
)
