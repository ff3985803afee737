"""The applicant's status page: GET/POST /status (the check), GET /status/view (the page),
POST /status/sign-out. Server-rendered HTML, no script.

The language switch without JavaScript: a successful check sets a short-lived signed
cookie (`session.py`; HttpOnly, SameSite=Strict, scoped to /status) and redirects to
`/status/view?lang=…`; the switch is a plain link to the same page in the other language.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sentra_shared.clock import now
from sentra_shared.runtime import ServiceRuntime

from sentra_notifications import repository, waits
from sentra_notifications.domain.notice import Lang
from sentra_notifications.status import access, limits, session, views
from sentra_notifications.status.settings import StatusSettings
from sentra_notifications.status.texts import TEXTS

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent.parent / "templates"

# No script may run, nothing is fetched from elsewhere, no other site may frame the page,
# and the page is never cached (shared phones, internet cafés) nor leaks a Referer.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def status_router(settings: StatusSettings) -> APIRouter:
    if settings.uses_dev_secret:
        log.warning(
            "status page: development secret in use; set SENTRA_NOTIFICATIONS_STATUS_SECRET"
        )
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    secret = settings.secret.get_secret_value().encode()
    window = timedelta(minutes=settings.window_minutes)
    lifetime = timedelta(minutes=settings.session_minutes)
    router = APIRouter()

    def render(request: Request, name: str, lang: Lang, code: int = 200, **values: Any) -> Response:
        html = templates.get_template(f"status/{name}.html").render(
            lang=lang,
            t=TEXTS[lang],
            form_url=request.url_for("status_form").path,
            view_url=request.url_for("status_view").path,
            sign_out_url=request.url_for("status_sign_out").path,
            **values,
        )
        return _secured(HTMLResponse(html, status_code=code))

    def to_form(request: Request, lang: Lang) -> Response:
        url = request.url_for("status_form").include_query_params(lang=lang)
        response = RedirectResponse(str(url), status_code=303)
        response.delete_cookie(session.COOKIE, path=_cookie_path(request))
        return _secured(response)

    @router.get("/status", name="status_form")
    async def form(request: Request, lang: str = "id") -> Response:
        return render(request, "form", _lang(lang))

    @router.post("/status")
    async def check(
        request: Request,
        code: Annotated[str, Form()] = "",
        birth_date: Annotated[str, Form()] = "",
        lang: Annotated[str, Form()] = "id",
    ) -> Response:
        language = _lang(lang)
        runtime: ServiceRuntime = request.app.state.runtime
        moment = now()
        address = request.client.host if request.client else "unknown"
        counted = [
            limits.Limit(limits.key(secret, "address", address), settings.attempts_per_address),
            limits.Limit(
                limits.key(secret, "code", access.normalised_code(code)),
                settings.attempts_per_code,
            ),
        ]
        async with runtime.pool.acquire() as conn:
            retry_at = await limits.count_attempt(conn, counted, moment, window)
            if retry_at is not None:
                response = render(
                    request, "limited", language, 429, retry_at=views.when(retry_at, language)
                )
                response.headers["Retry-After"] = str(int((retry_at - moment).total_seconds()))
                return response
            applicant = await access.check(conn, code, access.birth_date(birth_date))
        if applicant is None:
            # Whatever was wrong (code, birth date, unknown code), the same answer.
            return render(request, "form", language, 403, refused=True)
        url = request.url_for("status_view").include_query_params(lang=language)
        response = RedirectResponse(str(url), status_code=303)
        response.set_cookie(
            session.COOKIE,
            session.issue(access.code_hash(code), moment + lifetime, secret),
            max_age=int(lifetime.total_seconds()),
            path=_cookie_path(request),
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookie or request.url.scheme == "https",
        )
        return _secured(response)

    @router.get("/status/view", name="status_view")
    async def view(request: Request, lang: str = "id") -> Response:
        language = _lang(lang)
        moment = now()
        digest = session.read(request.cookies.get(session.COOKIE), moment, secret)
        if digest is None:
            return to_form(request, language)
        runtime: ServiceRuntime = request.app.state.runtime
        async with runtime.pool.acquire() as conn:
            applicant = await access.by_hash(conn, digest)
            if applicant is None:
                return to_form(request, language)
            timeline = await repository.timeline(conn, applicant.application_id)
            held = await waits.of_application(conn, applicant.application_id)
        status = views.status_page(
            applicant.kind, applicant.submitted_at, timeline, held, moment, language
        )
        return render(request, "view", language, page=status)

    @router.post("/status/sign-out", name="status_sign_out")
    async def sign_out(request: Request, lang: Annotated[str, Form()] = "id") -> Response:
        return to_form(request, _lang(lang))

    return router


def _lang(value: str) -> Lang:
    return "en" if value == "en" else "id"


def _cookie_path(request: Request) -> str:
    return request.url_for("status_form").path


def _secured(response: Response) -> Response:
    response.headers.update(_HEADERS)
    return response
