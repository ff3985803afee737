"""Acting as the officer through the review API, the way a person at the desk would: the
demo and the chaos test use it so that every flagged case gets its human decision."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx
from sentra_shared import clock

from sentra_local.tokens import issue_token


class Officer(StrEnum):
    CLEAR = "clear"
    CONFIRM = "confirm"
    CLEAR_AFTER_DUE = "clear after the review deadline"


# What the desk concludes from the flags (the sample paths are built to meet these): a
# child, or a worker sent with a visa but no contract, is trafficking; a NIK that
# disagrees with the papers is checked against the originals, which takes the officer
# past the review deadline (so the demo shows a late review); anything else is explained.
CONFIRMED_FLAGS = frozenset({"FLAG_UNDER_AGE", "FLAG_VISA_WITHOUT_WORK_CONTRACT"})
SLOW_FLAGS = frozenset({"NIK_BIRTH_DATE_MISMATCH", "NIK_SEX_MISMATCH"})


def judgement(flag_codes: list[str]) -> Officer:
    codes = set(flag_codes)
    if codes & CONFIRMED_FLAGS:
        return Officer.CONFIRM
    if codes & SLOW_FLAGS:
        return Officer.CLEAR_AFTER_DUE
    return Officer.CLEAR


CLEARED_BECAUSE = "Checked the originals with the applicant; the flag is explained."
CONFIRMED_BECAUSE = "Confirmed after interviewing the applicant; referred to Polri and BP2MI."


class OfficerDesk:
    """Works the open review cases of the applications that are `ours` (another user's
    cases are left alone), deciding each by `judgement`."""

    def __init__(
        self,
        documents_url: str,
        ours: Callable[[str], bool],
        officer: str = "desk-officer",
        client: httpx.Client | None = None,
    ) -> None:
        self._url = documents_url
        self._ours = ours
        self._client = client or httpx.Client(timeout=10.0)
        self._headers = {"authorization": f"Bearer {issue_token(officer, ['officer'])}"}
        self.actions: Counter[str] = Counter()
        self.acted_on: set[str] = set()

    def work_the_queue(self) -> int:
        """Decide every open case that is ready; return how many were decided."""
        response = self._client.get(f"{self._url}/reviews", headers=self._headers)
        response.raise_for_status()
        decided = 0
        for case in response.json():
            application_id = str(case["application_id"])
            if not self._ours(application_id):
                continue
            action = judgement(case["flag_codes"])
            if action is Officer.CLEAR_AFTER_DUE and not _overdue(case):
                continue  # this case shows a review that took longer than promised
            verb = "confirm" if action is Officer.CONFIRM else "clear"
            acted = self._client.post(
                f"{self._url}/reviews/{case['case_id']}/{verb}",
                json={"reason": CONFIRMED_BECAUSE if verb == "confirm" else CLEARED_BECAUSE},
                headers=self._headers,
            )
            if acted.status_code == 409:
                continue  # decided meanwhile (another desk, or a retried request)
            acted.raise_for_status()
            self.actions[verb] += 1
            self.acted_on.add(application_id)
            decided += 1
        return decided


def _overdue(case: dict[str, Any]) -> bool:
    return datetime.fromisoformat(str(case["review_due"])) <= clock.now()
