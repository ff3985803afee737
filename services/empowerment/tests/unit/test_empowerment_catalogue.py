"""What the catalogue shows of a business, by the owner's consent, and its HTML."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sentra_empowerment.catalogue import entry, render
from sentra_empowerment.domain.business import CatalogueConsent
from sentra_empowerment.repository import Business
from sentra_shared.events import ApplicantContact


def business(consent: CatalogueConsent, name: str = "Batik <b>Sragen</b>") -> Business:
    return Business(
        business_id=uuid.uuid4(),
        name=name,
        catalogue=consent,
        registered_at=datetime(2027, 1, 4, tzinfo=UTC),
        owner_name="Dewi Lestari",
        owner_role="family",
        sector="fashion",
        regency_code="3314",
        stage="running",
        products=[{"name": "Kain & batik", "description": "Tulis", "price_idr": None}],
        contact=ApplicantContact(
            channels=("sms",),
            phone="+6281200000003",
            email="batik@example.id",
            tracking_code="ABCDE-FGHJK",
            date_of_birth=date(1979, 11, 30),
        ),
    )


def test_contact_only_with_consent_and_never_the_owner() -> None:
    assert entry(business(CatalogueConsent.LISTING))["contact"] is None
    shown = entry(business(CatalogueConsent.LISTING_AND_CONTACT))
    assert shown["contact"] == {"phone": "+6281200000003", "email": "batik@example.id"}
    assert "Dewi" not in str(shown) and "ABCDE" not in str(shown) and "1979" not in str(shown)


def test_the_page_escapes_what_owners_wrote() -> None:
    html = render([entry(business(CatalogueConsent.LISTING_AND_CONTACT))])
    assert "Batik &lt;b&gt;Sragen&lt;/b&gt;" in html and "<b>" not in html
    assert "Kain &amp; batik" in html
    assert "Harga: hubungi penjual / Price: ask the seller" in html
    assert "Busana / Fashion" in html and "Kabupaten Sragen" in html
