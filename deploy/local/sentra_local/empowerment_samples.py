"""Sample journeys of packages 2 and 4 for the demo and the fault tests: returnees' and
families' businesses taken through a programme to the award, and consultations to the
desks, one of which the desk never answers (the sandbox conventions of deploy/agencies:
ABSENT, UNANSWERED, milestones by stage, the bank's programme reporting a repaid loan).

A journey is one or two HTTP requests to the empowerment service; the case it opens (a
business or a consultation) is then followed on the notifications timeline like an
application.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import httpx

from sentra_local.samples import SENDING_REGENCIES

SECTORS = ("food_and_drink", "crafts", "fashion", "agriculture", "fisheries", "trade")
PRODUCTS = {
    "food_and_drink": ("Keripik tempe 250 g", "Keripik tempe renyah dari kedelai lokal.", 15_000),
    "crafts": ("Tas anyaman pandan", "Tas anyaman tangan, 30 x 25 cm.", 85_000),
    "fashion": ("Batik tulis", "Kain batik tulis motif pesisir, 2 m.", 350_000),
    "agriculture": ("Gula kelapa 1 kg", "Gula kelapa cetak tanpa pengawet.", 30_000),
    "fisheries": ("Ikan asin 500 g", "Ikan asin jambal roti.", 60_000),
    "trade": ("Paket sembako", "Paket kebutuhan pokok untuk warung.", 150_000),
}


class EmpowermentPath(StrEnum):
    BUSINESS_BANK_NOMINATED = (
        "business: running, bank mentoring -> permit, first sale, loan repaid -> award"
    )
    BUSINESS_TRAINING = "business: idea, Disnaker training -> permit -> award assessed"
    BUSINESS_MARKETING = "business: starting, trade office -> permit, first sale -> award"
    BUSINESS_ABSENT = "business: owner absent from the programme -> not nominated"
    CONSULTATION_ANSWERED = "consultation: asked -> the desk answers"
    CONSULTATION_PRODUCT = "consultation: a buyer asks about a listed product -> answered"
    CONSULTATION_UNANSWERED = "consultation: desk silent -> overdue -> escalated"


# Which programme (deploy/local programmes.py) each business path enrols in, and at what
# stage the business registers (the sandbox organisers report milestones by stage).
_BUSINESS: dict[EmpowermentPath, tuple[str, str]] = {
    EmpowermentPath.BUSINESS_BANK_NOMINATED: ("bank-pendampingan-umkm", "running"),
    EmpowermentPath.BUSINESS_TRAINING: ("disnaker-wirausaha", "idea"),
    EmpowermentPath.BUSINESS_MARKETING: ("disperindag-pemasaran", "starting"),
    EmpowermentPath.BUSINESS_ABSENT: ("disnaker-wirausaha", "starting"),
}
_SUBJECTS = ("placement", "credit", "refund")
_QUESTIONS = {
    "placement": "Berapa biaya resmi penempatan ke Taiwan untuk pekerja pabrik?",
    "credit": "Apakah istri saya bisa meminjam KUR Mikro selama saya bekerja di Korea?",
    "refund": "Bagaimana cara mengklaim asuransi pulang (return cost) setelah kembali?",
    "product": "Apakah produk ini bisa dikirim ke Jakarta dan berapa pesanan minimum?",
}
ALL_EMPOWERMENT_PATHS: tuple[EmpowermentPath, ...] = tuple(EmpowermentPath)
BUSINESS_PATHS = frozenset(_BUSINESS)


@dataclass(frozen=True)
class EmpowermentSample:
    path: EmpowermentPath
    # POST /businesses or POST /consultations
    form: dict[str, Any]
    # A business path: the programme it enrols in once registered.
    programme_id: str | None = None
    # A product question: about the business of the sample at this index (an earlier
    # one), once registered.
    about: int | None = None

    @property
    def is_business(self) -> bool:
        return self.path in BUSINESS_PATHS

    @property
    def kind(self) -> str:
        return "business" if self.is_business else "consultation"

    @property
    def regency(self) -> str | None:
        """The business's regency; a consultation has none."""
        if not self.is_business:
            return None
        code: str = self.form["business"]["regency_code"]
        return SENDING_REGENCIES.get(code, code)


class _Maker:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.serial = 0

    def person(self, role: str) -> dict[str, Any]:
        self.serial += 1
        born = self.today - timedelta(days=365 * self.rng.randint(22, 55))
        return {
            "role": role,
            "date_of_birth": born.isoformat(),
            "phone": f"+62812{self.rng.randrange(10**7, 10**8)}",
            "email": f"pemilik{self.serial}@contoh.id" if self.rng.random() < 0.5 else None,
            "channels": ["sms"],
            "language": self.rng.choice(["id", "id", "en"]),
        }

    def business(self, path: EmpowermentPath, regency: str) -> EmpowermentSample:
        programme, stage = _BUSINESS[path]
        owner = self.person(self.rng.choice(["returnee", "returnee", "family"]))
        owner["full_name"] = self.rng.choice(["Siti Aminah", "Dewi Lestari", "Budi Santoso",
                                              "Sri Wahyuni", "Agus Prasetyo"])  # fmt: skip
        if path is EmpowermentPath.BUSINESS_ABSENT:
            owner["full_name"] = f"Rina ABSENT {owner['full_name'].split()[-1]}"
        if owner["email"] is not None:
            owner["channels"] = ["sms", "email"]
        sector = self.rng.choice(SECTORS)
        name, description, price = PRODUCTS[sector]
        form = {
            "owner": owner,
            "business": {
                "name": f"{name.split()[0]} {owner['full_name'].split()[-1]} {self.serial}",
                "sector": sector,
                "regency_code": regency,
                "stage": stage,
                "products": [{"name": name, "description": description, "price_idr": price}],
            },
            # Most owners want to be found; some list without contact, a few not at all.
            "catalogue": self.rng.choice(
                ["listing_and_contact", "listing_and_contact", "listing", "none"]
            ),
        }
        return EmpowermentSample(path, form, programme_id=programme)

    def consultation(self, path: EmpowermentPath, about: int | None = None) -> EmpowermentSample:
        if path is EmpowermentPath.CONSULTATION_PRODUCT:
            subject, role = "product", "buyer"
        else:
            subject, role = self.rng.choice(_SUBJECTS), self.rng.choice(["worker", "family"])
        question = _QUESTIONS[subject]
        if path is EmpowermentPath.CONSULTATION_UNANSWERED:
            question = f"{question} UNANSWERED"  # the sandbox desk never answers this one
        form = {"asker": self.person(role), "subject": subject, "question": question,
                "business_id": None}  # fmt: skip
        return EmpowermentSample(path, form, about=about)


def empowerment_cases(
    count: int,
    today: date,
    seed: int = 2016,
    paths: Sequence[EmpowermentPath] = ALL_EMPOWERMENT_PATHS,
) -> list[EmpowermentSample]:
    """At least `count` journeys: every path in `paths` once (in order), then a seeded
    mix. A product question is about a listed business of an earlier sample (one is
    added when there is none yet)."""
    rng = random.Random(seed)
    make = _Maker(rng, today)
    regencies = list(SENDING_REGENCIES)
    samples: list[EmpowermentSample] = []
    i = 0
    while len(samples) < count or i < len(paths):
        path = paths[i] if i < len(paths) else rng.choice(list(paths))
        regency = regencies[i % len(regencies)]
        if path in BUSINESS_PATHS:
            samples.append(make.business(path, regency))
        elif path is EmpowermentPath.CONSULTATION_PRODUCT:
            listed = [
                n for n, s in enumerate(samples) if s.is_business and s.form["catalogue"] != "none"
            ]
            if not listed:
                business = make.business(EmpowermentPath.BUSINESS_MARKETING, regency)
                business.form["catalogue"] = "listing_and_contact"
                samples.append(business)
                listed = [len(samples) - 1]
            samples.append(make.consultation(path, about=rng.choice(listed)))
        else:
            samples.append(make.consultation(path))
        i += 1
    return samples


def business_form(name: str, catalogue: str) -> dict[str, Any]:
    """One fixed business as its owner registers it (`POST /businesses`), for tests."""
    return {
        "owner": {"full_name": "Siti Rahayu", "role": "returnee", "date_of_birth": "1990-04-02",
                  "phone": "+6281234567890", "email": None, "channels": ["sms"],
                  "language": "id"},
        "business": {"name": name, "sector": "food_and_drink", "regency_code": "3301",
                     "stage": "starting",
                     "products": [{"name": "Keripik tempe 250 g", "description": "Renyah.",
                                   "price_idr": 15000}]},
        "catalogue": catalogue,
    }  # fmt: skip


@dataclass(frozen=True)
class Opened:
    """A journey's case as the empowerment service accepted it."""

    case_id: str  # the business id or the consultation id
    tracking_code: str


def open_journeys(
    client: httpx.Client, url: str, samples: Sequence[EmpowermentSample]
) -> list[Opened]:
    """Open each journey in order (register and enrol a business; ask a question, about
    an earlier sample's business for a product question); return the cases in order,
    each followed on the notifications timeline like an application."""
    opened: list[Opened] = []
    for sample in samples:
        if sample.is_business:
            response = client.post(f"{url}/businesses", json=sample.form)
            response.raise_for_status()
            business_id = str(response.json()["business_id"])
            enrolment = client.post(
                f"{url}/businesses/{business_id}/enrolments",
                json={"programme_id": sample.programme_id},
            )
            enrolment.raise_for_status()
            opened.append(Opened(business_id, response.json()["tracking_code"]))
            continue
        form = sample.form
        if sample.about is not None:
            form = {**form, "business_id": opened[sample.about].case_id}
        response = client.post(f"{url}/consultations", json=form)
        response.raise_for_status()
        body = response.json()
        opened.append(Opened(str(body["consultation_id"]), body["tracking_code"]))
    return opened


async def open_journeys_through_faults(
    url: str,
    samples: Sequence[EmpowermentSample],
    *,
    per_second: float | None = None,
    within: float = 180.0,
) -> list[str]:
    """`open_journeys` for the fault tests: each request is retried while the empowerment
    service cannot answer (killed, restarting). A registration or a question carries an
    `Idempotency-Key`, so that a retry after a lost answer opens no second case; an
    enrolment retried after a lost answer finds the seat taken (409 ALREADY_ENROLLED), which
    is then its answer. Returns the case ids in order."""
    ids: list[str] = [""] * len(samples)
    began = time.monotonic()
    deadline = began + within
    async with httpx.AsyncClient(timeout=10) as client:

        async def post(path: str, body: dict[str, Any], key: str | None) -> dict[str, Any]:
            delay, retried = 0.1, False
            headers = {"Idempotency-Key": key} if key else {}
            while True:
                try:
                    response = await client.post(f"{url}{path}", json=body, headers=headers)
                    if retried and _already_enrolled(response):
                        return {}
                    if response.status_code < 500:
                        response.raise_for_status()  # a 4xx is our bug: fail at once
                        answer: dict[str, Any] = response.json()
                        return answer
                    failure = f"HTTP {response.status_code}"
                except httpx.TransportError as error:
                    failure = repr(error)
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"empowerment did not accept {path} within {within:.0f}s (last: {failure})"
                    )
                await asyncio.sleep(delay)
                delay, retried = min(delay * 2, 1.0), True

        for index, sample in enumerate(samples):
            if per_second:
                await asyncio.sleep(max(0.0, began + index / per_second - time.monotonic()))
            key = str(uuid.uuid4())
            if sample.is_business:
                business_id = (await post("/businesses", sample.form, key))["business_id"]
                await post(
                    f"/businesses/{business_id}/enrolments",
                    {"programme_id": sample.programme_id},
                    None,
                )
                ids[index] = str(business_id)
                continue
            form = sample.form
            if sample.about is not None:
                form = {**form, "business_id": ids[sample.about]}
            ids[index] = str((await post("/consultations", form, key))["consultation_id"])
    return ids


def _already_enrolled(response: httpx.Response) -> bool:
    if response.status_code != 409:
        return False
    reasons = response.json().get("reasons", [])
    return any(reason.get("code") == "ALREADY_ENROLLED" for reason in reasons)
