"""The applicant's status page in a real browser, at a small phone's size, after real
journeys: documents, notifications and the built-in agencies in-process on one
`ManualClock`, applications through `POST /applications` (the tracking code from its 202),
then the page in Bahasa Indonesia and in English. Screenshots go to .sentra/screenshots/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page
from sentra_agencies.app import AgenciesSettings
from sentra_agencies.app import create_app as create_agencies
from sentra_documents.app import create_app as create_documents
from sentra_documents.config import DocumentsSettings
from sentra_documents.licences import SAMPLE_FILE, load_licences
from sentra_local.browser import screenshots_dir
from sentra_local.licences import sample_licences
from sentra_local.samples import Path, sample_cases
from sentra_local.stack import SERVICES, Stack, database_name
from sentra_local.testing import EventRecorder, serving, wait_until
from sentra_local.tokens import OfficerKeys
from sentra_notifications.app import create_app as create_notifications
from sentra_notifications.config import NotificationsSettings
from sentra_notifications.domain.notice import day_en, day_id
from sentra_shared import clock
from sentra_shared.clock import ManualClock
from sentra_shared.events import DOCUMENTS_TOPIC, ApplicationFlagged, DocumentsRejected

PHONE = {"width": 360, "height": 740}
MAX_BYTES = 30 * 1024


@dataclass
class Office:
    documents: str
    notifications: str
    clock: ManualClock
    events: EventRecorder


@dataclass
class Applied:
    application_id: str
    tracking_code: str
    born: date


@pytest.fixture(scope="module")
async def office(
    local_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Office]:
    await local_stack.postgres.recreate_databases(
        [database_name(s, local_stack.database_suffix) for s in SERVICES]
    )
    keys = OfficerKeys(tmp_path_factory.mktemp("identity-provider"))
    common: dict[str, Any] = {
        "http_port": 0,
        "deadline_poll_interval_s": 0.2,
    }
    documents_db = local_stack.database_url("documents")
    with clock.installed(ManualClock()) as manual:
        assert isinstance(manual, ManualClock)
        apps = (
            create_documents(
                DocumentsSettings(
                    database_url=documents_db,
                    consumer_group="sentra-documents.status-page-documents",
                    officer_jwks_file=keys.ensure(),
                    **local_stack.kafka_settings("documents"),
                    **common,
                )
            ),
            create_notifications(
                NotificationsSettings(
                    database_url=local_stack.database_url("notifications"),
                    consumer_group="sentra-notifications.status-page-notifications",
                    **local_stack.kafka_settings("notifications"),
                    **common,
                )
            ),
            create_agencies(
                AgenciesSettings(
                    **local_stack.kafka_settings("responders"),
                    http_port=0,
                    group_id="sentra-builtin-agencies.status-page",
                )
            ),
        )
        async with AsyncExitStack() as running:
            urls = [await running.enter_async_context(serving(app)) for app in apps]
            conn = await asyncpg.connect(documents_db)
            try:
                await load_licences(conn, SAMPLE_FILE)
            finally:
                await conn.close()
            events = await running.enter_async_context(
                EventRecorder(local_stack.kafka.admin, DOCUMENTS_TOPIC)
            )
            yield Office(urls[0], urls[1], manual, events)


_seeds = iter(range(101, 10_000))


async def apply(office: Office, path: Path) -> Applied:
    today = clock.now().date()
    (case,) = sample_cases(0, today, sample_licences(today), next(_seeds), [path])
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{office.documents}/applications", json=case.form)
    assert response.status_code == 202, response.text
    accepted = response.json()
    born = date.fromisoformat(case.form["applicant"]["date_of_birth"])
    return Applied(accepted["application_id"], accepted["tracking_code"], born)


async def told(office: Office, applied: Applied, statuses: list[str]) -> None:
    """Wait until the applicant's timeline has exactly these steps."""

    async def arrived() -> bool:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(
                f"{office.notifications}/applications/{applied.application_id}/timeline"
            )
        if response.status_code != 200:
            return False
        return [e["status"] for e in response.json()["entries"]] == statuses

    await wait_until(arrived, within=45)


async def phone(browser: Browser) -> Page:
    context = await browser.new_context(viewport=PHONE, locale="id-ID")
    return await context.new_page()


async def sign_in(
    tab: Page, office: Office, code: str, born: date, lang: str = "id"
) -> tuple[int, int]:
    """Open the form, type the code and birth date as a person would (day first), submit;
    the weights of the form and of the page that answers, in bytes."""
    form = await tab.goto(f"{office.notifications}/status?lang={lang}")
    assert form is not None and form.status == 200
    form_weight = len(await form.body())
    assert await tab.locator("script").count() == 0
    await tab.fill("#code", code)
    await tab.fill("#birth_date", born.strftime("%d-%m-%Y"))
    async with tab.expect_navigation() as navigation:
        await tab.click("button[type=submit]")
    answer = await navigation.value
    assert answer is not None
    return form_weight, len(await answer.body())


def report(capsys: pytest.CaptureFixture[str], weights: dict[str, int]) -> None:
    with capsys.disabled():
        for page, size in weights.items():
            print(f"\n  page weight, {page}: {size} bytes", end="")
        print()


async def switch_language(tab: Page) -> int:
    async with tab.expect_navigation() as navigation:
        await tab.click("a.switch")
    answer = await navigation.value
    assert answer is not None and answer.status == 200
    return len(await answer.body())


async def section(tab: Page, name: str) -> str:
    return " ".join((await tab.inner_text(f"#{name}")).split())


async def fits_the_phone(tab: Page) -> None:
    assert await tab.locator("script").count() == 0
    width = await tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing to scroll sideways
    button = await tab.locator("button").first.bounding_box()
    assert button is not None and button["height"] >= 48  # a thumb can hit it


async def test_a_verified_placement_in_both_languages(
    office: Office, browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    applied = await apply(office, Path.PLACEMENT_ELIGIBLE)
    await told(office, applied, ["submitted", "documents_verified"])
    tab = await phone(browser)

    form_id, weight_id = await sign_in(tab, office, applied.tracking_code.lower(), applied.born)
    assert tab.url.endswith("/status/view?lang=id")
    assert form_id < MAX_BYTES and weight_id < MAX_BYTES
    await fits_the_phone(tab)
    summary = await section(tab, "summary")
    assert "Penempatan kerja ke luar negeri" in summary
    assert "Dokumen terverifikasi Keputusan akhir" in summary
    assert "orientasi pra-pemberangkatan" in await section(tab, "next-step")
    holders = await section(tab, "holders")
    assert "Tidak ada pihak yang sedang ditunggu." in holders
    for agency in ("Kepolisian (Polri) (tepat waktu)", "Kantor Imigrasi (tepat waktu)", "BP3MI"):
        assert agency in holders
    steps = await tab.locator("#steps li").all_inner_texts()
    assert len(steps) == 2
    assert "Permohonan diterima" in steps[0] and "jangan membayar siapa pun" in steps[0]
    assert "Dokumen terverifikasi" in steps[1] and "WIB" in steps[1]
    await tab.screenshot(path=str(screenshots_dir() / "status-id.png"))  # what a phone shows
    await tab.screenshot(path=str(screenshots_dir() / "status-id-full.png"), full_page=True)

    weight_en = await switch_language(tab)
    assert tab.url.endswith("/status/view?lang=en")
    assert weight_en < MAX_BYTES
    await fits_the_phone(tab)
    assert "Documents verified Final decision" in await section(tab, "summary")
    assert "pre-departure orientation" in await section(tab, "next-step")
    holders_en = await section(tab, "holders")
    assert "Nobody owes an answer right now." in holders_en
    assert "Police (Polri) (on time)" in holders_en
    assert "Application received" in await section(tab, "steps")
    await tab.screenshot(path=str(screenshots_dir() / "status-en.png"))
    await tab.screenshot(path=str(screenshots_dir() / "status-en-full.png"), full_page=True)
    assert (screenshots_dir() / "status-en.png").read_bytes().startswith(b"\x89PNG")
    report(
        capsys,
        {"form (id)": form_id, "verified page (id)": weight_id, "verified page (en)": weight_en},
    )
    await tab.context.close()


async def test_a_rejected_placement_shows_its_reasons_and_a_wrong_code_reveals_nothing(
    office: Office, browser: Browser
) -> None:
    applied = await apply(office, Path.PLACEMENT_MISSING_DOCUMENTS)
    rejected = await office.events.first(applied.application_id, DocumentsRejected)
    await told(office, applied, ["submitted", "documents_rejected"])
    tab = await phone(browser)

    # A wrong birth date for a real code, and a code nobody was given: the same page.
    refusals = []
    for code, born in (
        (applied.tracking_code, applied.born + timedelta(days=1)),
        ("7K3QD-9XWM2" if applied.tracking_code != "7K3QD-9XWM2" else "7K3QD-9XWM3", applied.born),
    ):
        await sign_in(tab, office, code, born)
        assert tab.url.endswith("/status")
        refusals.append(await tab.inner_text("body"))
    assert refusals[0] == refusals[1]
    assert "tidak cocok" in refusals[0]
    await tab.screenshot(path=str(screenshots_dir() / "status-refused-id.png"), full_page=True)

    await sign_in(tab, office, applied.tracking_code, applied.born)
    assert "Dokumen belum diterima Keputusan akhir" in await section(tab, "summary")
    next_step = await section(tab, "next-step")
    steps = await section(tab, "steps")
    assert {r.code for r in rejected.reasons} == {
        "MISSING_COMPETENCY_CERTIFICATE",
        "MISSING_BPJS_MEMBERSHIP",
    }
    for reason in rejected.reasons:
        assert " ".join(reason.text.id.split()) in next_step
        assert " ".join(reason.text.id.split()) in steps
    assert "ajukan kembali" in next_step
    await tab.screenshot(path=str(screenshots_dir() / "status-rejected-id.png"), full_page=True)

    await switch_language(tab)
    next_step_en = await section(tab, "next-step")
    for reason in rejected.reasons:
        assert " ".join(reason.text.en.split()) in next_step_en
    assert "Documents not accepted Final decision" in await section(tab, "summary")
    await tab.screenshot(path=str(screenshots_dir() / "status-rejected-en.png"), full_page=True)
    await tab.context.close()


async def test_a_flagged_placement_shows_the_officer_holds_it_until_when_then_overdue(
    office: Office, browser: Browser
) -> None:
    # Runs last in this module: it moves the shared clock past the review's due time.
    applied = await apply(office, Path.PLACEMENT_UNDER_AGE_CONFIRMED)
    flagged = await office.events.first(applied.application_id, ApplicationFlagged)
    await told(office, applied, ["submitted", "under_review"])
    tab = await phone(browser)

    await sign_in(tab, office, applied.tracking_code, applied.born)
    holders = await section(tab, "holders")
    due = day_id(flagged.review_due)
    assert f"Petugas LTSA · Pemeriksaan oleh petugas paling lambat {due}" in holders
    assert "TERLAMBAT" not in holders
    assert "Diperiksa petugas Sedang diproses" in await section(tab, "summary")
    next_step = await section(tab, "next-step")
    assert f"Keputusannya paling lambat {due}" in next_step
    for flag in flagged.flag_codes:  # the flags themselves are never shown
        assert flag not in await tab.content()
    await tab.screenshot(path=str(screenshots_dir() / "status-flagged-id.png"), full_page=True)

    office.clock.advance(flagged.review_due - clock.now() + timedelta(minutes=5))
    await told(office, applied, ["submitted", "under_review", "delayed"])
    await sign_in(tab, office, applied.tracking_code, applied.born)  # the session expired
    assert f"paling lambat {due} TERLAMBAT" in await section(tab, "holders")
    await switch_language(tab)
    holders_en = await section(tab, "holders")
    assert f"LTSA officer · Officer's review by {day_en(flagged.review_due)} OVERDUE" in (
        holders_en
    )
    assert "Delayed" in await section(tab, "steps")
    await tab.context.close()
