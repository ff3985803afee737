"""What the applicant is told about each event, in Bahasa Indonesia and English.

Pure: one function from an event to a notice (or to nothing, when the applicant must not
be told, e.g. an officer confirming a trafficking flag: the applicant hears only the
rejection). A notice says what was decided, why in plain words, and what to do next.
`final` marks the last word on an application: nothing more is expected for it.

The modules decide which notice and gather its facts; the words are in the template files
(`templates/messages/<lang>/<status>.j2`, see docs/messages.md).
"""

from sentra_notifications.domain import credit, deadlines, documents, empowerment, insurance
from sentra_notifications.domain.notice import Notice, compose

__all__ = ["Notice", "compose", "credit", "deadlines", "documents", "empowerment", "insurance"]
