"""The public catalogue of returnee and family businesses: the "marketing space".

Only businesses whose owner agreed to a listing appear; the owner's phone and email only
with `listing_and_contact`. The owner's name, birth date and tracking code never do, and
no NIK exists here to show. JSON for programs, HTML (Bahasa Indonesia with English,
escaped, plain and accessible) for people.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sentra_shared.events.empowerment import Sector
from sentra_shared.regions import regency_name
from sentra_shared.runtime import ServiceRuntime

from sentra_empowerment import repository

router = APIRouter()

RegencyFilter = Annotated[
    str | None, Query(pattern=r"^[0-9]{4}$", description="A regency code, e.g. 3301.")
]
SectorFilter = Annotated[Sector | None, Query(description="One sector.")]

SECTOR_NAMES: dict[str, tuple[str, str]] = {
    "food_and_drink": ("Makanan dan minuman", "Food and drink"),
    "crafts": ("Kerajinan", "Crafts"),
    "fashion": ("Busana", "Fashion"),
    "agriculture": ("Pertanian", "Agriculture"),
    "fisheries": ("Perikanan", "Fisheries"),
    "trade": ("Perdagangan", "Trade"),
    "services": ("Jasa", "Services"),
}


def entry(business: repository.Business) -> dict[str, Any]:
    """What the catalogue shows of one listed business."""
    shown: dict[str, Any] = {
        "business_id": str(business.business_id),
        "name": business.name,
        "sector": business.sector,
        "regency_code": business.regency_code,
        "regency": regency_name(business.regency_code),
        "owner_role": business.owner_role,
        "products": business.products,
        "contact": None,
    }
    if business.catalogue.shows_contact:
        shown["contact"] = {"phone": business.contact.phone, "email": business.contact.email}
    return shown


async def _listed(
    request: Request, regency: str | None, sector: str | None
) -> list[dict[str, Any]]:
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.pool.acquire() as conn:
        businesses = await repository.listed_businesses(conn, regency, sector)
    return [entry(b) for b in businesses if b.catalogue.listed]


@router.get("/catalogue")
async def catalogue_json(
    request: Request, regency: RegencyFilter = None, sector: SectorFilter = None
) -> dict[str, Any]:
    return {
        "filters": {"regency": regency, "sector": sector},
        "businesses": await _listed(request, regency, sector),
    }


@router.get("/catalogue.html", response_class=HTMLResponse)
async def catalogue_html(
    request: Request, regency: RegencyFilter = None, sector: SectorFilter = None
) -> HTMLResponse:
    return HTMLResponse(render(await _listed(request, regency, sector)))


def _price(price: int | None) -> str:
    if price is None:
        return "Harga: hubungi penjual / Price: ask the seller"
    return f"Rp {price:,}".replace(",", ".")


def _business_html(b: dict[str, Any]) -> str:
    sector_id, sector_en = SECTOR_NAMES[b["sector"]]
    place = b["regency"] or b["regency_code"]
    products = "".join(
        f"<li><strong>{escape(p['name'])}</strong>: {escape(p['description'])} "
        f"({escape(_price(p.get('price_idr')))})</li>"
        for p in b["products"]
    )
    contact = b["contact"]
    if contact is None:
        reach = "<p>Kontak tidak ditampilkan / Contact not shown</p>"
    else:
        lines = []
        if contact["phone"]:
            phone = escape(contact["phone"])
            lines.append(f'<li>Telepon / Phone: <a href="tel:{phone}">{phone}</a></li>')
        if contact["email"]:
            email = escape(contact["email"])
            lines.append(f'<li>Email: <a href="mailto:{email}">{email}</a></li>')
        reach = f"<ul>{''.join(lines)}</ul>"
    return (
        f'<article aria-labelledby="b-{b["business_id"]}">'
        f'<h2 id="b-{b["business_id"]}">{escape(b["name"])}</h2>'
        f"<p>{escape(sector_id)} / {escape(sector_en)} · {escape(place)}</p>"
        f"<h3>Produk / Products</h3><ul>{products or '<li>-</li>'}</ul>"
        f"<h3>Kontak / Contact</h3>{reach}</article>"
    )


def render(businesses: list[dict[str, Any]]) -> str:
    body = "".join(_business_html(b) for b in businesses) or (
        "<p>Belum ada usaha yang terdaftar. / No business is listed yet.</p>"
    )
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Katalog usaha purna PMI / Returnee business catalogue</title></head><body>"
        "<main><h1>Katalog usaha purna PMI dan keluarga "
        '<span lang="en">/ Catalogue of returnee and family businesses</span></h1>'
        f"{body}</main></body></html>"
    )
