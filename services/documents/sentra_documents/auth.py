"""Officers' bearer tokens: who is acting, and whether they may review red flags.

Tokens are JWTs signed by the identity provider with an asymmetric key (RS256 or
ES256) and checked against its published key set (JWKS): signature, issuer, audience and
expiry. The token itself is never logged; only its subject is, as the acting officer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import jwt
from fastapi import Depends, HTTPException, Request, status

from sentra_documents.config import DocumentsSettings

log = logging.getLogger(__name__)

# Asymmetric only: never `none`, and never an HMAC algorithm, which would let anyone
# holding the public key sign tokens.
ALGORITHMS = ("RS256", "ES256")
OFFICER_ROLE = "officer"
_KEY_TYPES = frozenset({"RSA", "EC"})


@dataclass(frozen=True)
class Officer:
    subject: str
    roles: frozenset[str]


class InvalidToken(Exception):
    """The token cannot be trusted: answered 401. The message names no token content."""


class KeysUnavailable(Exception):
    """The identity provider's keys cannot be read right now: answered 503."""


class SigningKeys(Protocol):
    def key_for(self, kid: str) -> jwt.PyJWK: ...


def _signing_keys(jwks: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    """The usable signature keys of a JWKS, by key id."""
    keys: dict[str, jwt.PyJWK] = {}
    for entry in jwks.get("keys", []):
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if entry.get("kty") not in _KEY_TYPES or not entry.get("kid"):
            continue
        try:
            key = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue  # a key we cannot use (unknown curve, bad parameters) signs nothing
        if key.algorithm_name in ALGORITHMS:
            keys[str(entry["kid"])] = key
    return keys


class JwksFile:
    """Keys from a JWKS file, re-read when a token names a key it does not hold (rotation)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._keys: dict[str, jwt.PyJWK] | None = None

    def key_for(self, kid: str) -> jwt.PyJWK:
        if self._keys is None or kid not in self._keys:
            try:
                self._keys = _signing_keys(json.loads(self._path.read_text()))
            except (OSError, ValueError) as error:
                raise KeysUnavailable(f"cannot read the JWKS file {self._path}: {error}") from None
        if kid not in self._keys:
            raise InvalidToken("signed with an unknown key")
        return self._keys[kid]


class JwksUrl:
    """Keys from the identity provider's JWKS endpoint, cached by PyJWT's client."""

    def __init__(self, url: str) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=5)

    def key_for(self, kid: str) -> jwt.PyJWK:
        try:
            key = self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            raise KeysUnavailable(f"cannot fetch the JWKS: {error}") from None
        except jwt.PyJWKClientError:
            raise InvalidToken("signed with an unknown key") from None
        if key.algorithm_name not in ALGORITHMS:
            raise InvalidToken("signed with a key of a refused algorithm")
        return key


class TokenVerifier:
    def __init__(
        self, keys: SigningKeys, *, issuer: str, audience: str, leeway_s: float = 30.0
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_s

    def verify(self, token: str) -> Officer:
        """The officer a valid token names; InvalidToken otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("no key id")
        key = self._keys.key_for(kid)
        try:
            # Expiry is checked against the real time, not the process clock: a token's
            # lifetime is a security fact, not part of the (possibly simulated) case time.
            claims = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(type(error).__name__) from None
        roles = claims.get("roles", [])
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip():
            raise InvalidToken("empty subject")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidToken("roles is not a list of names")
        return Officer(subject=subject, roles=frozenset(roles))


def token_verifier(settings: DocumentsSettings) -> TokenVerifier | None:
    """The verifier the settings describe, or None when no key source is configured.
    Builds objects only: keys are read at the first officer request."""
    keys: SigningKeys
    if settings.officer_jwks_url:
        keys = JwksUrl(settings.officer_jwks_url)
    elif settings.officer_jwks_file is not None:
        keys = JwksFile(settings.officer_jwks_file)
    else:
        return None
    return TokenVerifier(
        keys,
        issuer=settings.officer_jwt_issuer,
        audience=settings.officer_jwt_audience,
        leeway_s=settings.officer_jwt_leeway_s,
    )


def _unauthorized(detail: str, error: str | None = None) -> HTTPException:
    challenge = 'Bearer realm="sentra-documents"'
    if error is not None:
        challenge += f', error="{error}"'
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": challenge}
    )


async def authenticated_officer(request: Request) -> Officer:
    """FastAPI dependency: the officer behind the request's bearer token, with the role."""
    verifier: TokenVerifier | None = request.app.state.officer_tokens
    if verifier is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="Officer review is not configured: set SENTRA_DOCUMENTS_OFFICER_JWKS_URL "
            "or SENTRA_DOCUMENTS_OFFICER_JWKS_FILE to the identity provider's keys.",
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("A bearer token is required.")
    try:
        # Reading keys may touch the disk or the identity provider: off the event loop.
        officer = await asyncio.to_thread(verifier.verify, token.strip())
    except InvalidToken as refused:
        log.info("officer token refused: %s", refused)
        raise _unauthorized("The bearer token is not valid.", "invalid_token") from None
    except KeysUnavailable as error:
        log.warning("officer keys unavailable: %s", error)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="The identity provider's keys cannot be read; try again shortly.",
        ) from None
    if OFFICER_ROLE not in officer.roles:
        log.info("officer %s lacks the %s role", officer.subject, OFFICER_ROLE)
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"The '{OFFICER_ROLE}' role is required."
        )
    return officer


OfficerDep = Annotated[Officer, Depends(authenticated_officer)]
