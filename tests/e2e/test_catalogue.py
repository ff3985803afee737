"""The public catalogue over the real broker and database: only businesses whose owner
consented are listed, and their contact only with consent to be contacted, in JSON and in
HTML, by regency and sector."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sentra_empowerment.app import create_app
from sentra_empowerment.config import EmpowermentSettings
from sentra_local.stack import Stack
from sentra_local.testing import EventRecorder, serving
from sentra_shared.events import EMPOWERMENT_TOPIC, BusinessRegistered

pytestmark = pytest.mark.timeout(120)
DATABASE = "empowerment_catalogue_test"


@dataclass
class Catalogue:
    client: httpx.AsyncClient
    events: EventRecorder

    async def register(
        self, name: str, consent: str, *, regency: str = "3301", sector: str = "crafts",
        phone: str = "+6281200000001", email: str | None = "usaha@example.id",
    ) -> str:  # fmt: skip
        form = {
            "owner": {
                "full_name": "Dewi Lestari",
                "role": "family",
                "date_of_birth": "1979-11-30",
                "phone": phone,
                "email": email,
                "channels": ["sms"],
                "language": "en",
            },
            "business": {
                "name": name,
                "sector": sector,
                "regency_code": regency,
                "stage": "running",
                "products": [
                    {"name": "Tas anyaman", "description": "Pandan <handmade>", "price_idr": 85000}
                ],
            },
            "catalogue": consent,
        }
        response = await self.client.post("/businesses", json=form)
        assert response.status_code == 202, response.text
        business_id: str = response.json()["business_id"]
        return business_id


@pytest.fixture(scope="module")
async def catalogue(local_stack: Stack) -> AsyncIterator[Catalogue]:
    await local_stack.postgres.recreate_databases([DATABASE])
    app = create_app(
        EmpowermentSettings(
            database_url=local_stack.postgres.dsn(DATABASE),
            **local_stack.kafka_settings("empowerment"),
            http_port=0,
            outbox_poll_interval_s=0.2,
            consumer_group=f"sentra-empowerment.catalogue-{uuid.uuid4().hex[:8]}",
        )
    )
    async with (
        serving(app) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
        EventRecorder(local_stack.kafka.admin, EMPOWERMENT_TOPIC) as events,
    ):
        yield Catalogue(client, events)


async def listed(catalogue: Catalogue, **filters: str) -> dict[str, dict[str, Any]]:
    response = await catalogue.client.get("/catalogue", params=filters)
    assert response.status_code == 200, response.text
    return {b["business_id"]: b for b in response.json()["businesses"]}


async def test_only_consenting_businesses_are_listed_and_contact_only_with_consent(
    catalogue: Catalogue,
) -> None:
    hidden = await catalogue.register("Anyaman Tersembunyi", "none")
    listing = await catalogue.register("Anyaman Dewi", "listing", phone="+6281200000002")
    contact = await catalogue.register(
        "Batik Sragen <Asli>", "listing_and_contact", regency="3314", sector="fashion",
        phone="+6281200000003", email="batik@example.id",
    )  # fmt: skip

    # What the owner agreed to travels with the registration.
    for business_id, listed_flag in ((hidden, False), (listing, True), (contact, True)):
        registered = await catalogue.events.first(business_id, BusinessRegistered)
        assert registered.listed is listed_flag

    everything = await listed(catalogue)
    assert hidden not in everything
    assert everything[listing]["contact"] is None
    assert everything[listing]["products"][0]["price_idr"] == 85000
    assert everything[contact]["contact"] == {
        "phone": "+6281200000003",
        "email": "batik@example.id",
    }
    assert everything[contact]["regency"] == "Kabupaten Sragen"
    # Never the owner's name, birth date or tracking code.
    for entry in everything.values():
        text = str(entry)
        assert "Dewi Lestari" not in text and "1979-11-30" not in text
        assert "tracking_code" not in text and "nik" not in entry

    assert set(await listed(catalogue, regency="3314")) == {contact}
    assert set(await listed(catalogue, sector="crafts")) == {listing}
    assert await listed(catalogue, regency="3301", sector="fashion") == {}
    bad = await catalogue.client.get("/catalogue", params={"sector": "mining"})
    assert bad.status_code == 422
    bad = await catalogue.client.get("/catalogue", params={"regency": "33"})
    assert bad.status_code == 422

    page = await catalogue.client.get("/catalogue.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="id">' in html and "Katalog usaha purna PMI" in html
    assert "Anyaman Tersembunyi" not in html and "+6281200000001" not in html
    assert "Anyaman Dewi" in html and "+6281200000002" not in html
    assert "Kontak tidak ditampilkan / Contact not shown" in html
    # Escaped: the owner's text never becomes markup.
    assert "Batik Sragen &lt;Asli&gt;" in html and "<Asli>" not in html
    assert "Pandan &lt;handmade&gt;" in html
    assert 'href="tel:+6281200000003"' in html and "batik@example.id" in html
    assert "Rp 85.000" in html and "Dewi Lestari" not in html

    sragen = (await catalogue.client.get("/catalogue.html", params={"regency": "3314"})).text
    assert "Batik Sragen" in sragen and "Anyaman Dewi" not in sragen
    empty = (await catalogue.client.get("/catalogue.html", params={"sector": "fisheries"})).text
    assert "No business is listed yet." in empty
