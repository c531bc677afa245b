"""Service-account keys and the OAuth token endpoint of the local Sheets fake.

google-auth signs an RS256 JWT with the key file's private key and POSTs it to `token_uri`; the
fake verifies the signature with the registered public key (so a key file whose private key does
not match is refused, as Google refuses it) and checks the claims google-auth sends: `aud` is
always `https://oauth2.googleapis.com/token` (not `token_uri`), `iss` is `client_email`, `scope`
the space-joined scopes, `exp = iat + 3600`. Errors use the OAuth shape
`{"error": "invalid_grant", "error_description": ...}`.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3599
CLOCK_SKEW = 300


def new_service_account(
    token_uri: str, email: str = "moc-helpdesk@moc-demo.iam.gserviceaccount.com"
) -> tuple[dict[str, str], bytes]:
    """A fresh RSA-2048 key as Google's service-account JSON, and its public key (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    project = email.split("@", 1)[-1].split(".", 1)[0]
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": secrets.token_hex(20),
        "private_key": private_pem,
        "client_email": email,
        "client_id": str(secrets.randbelow(10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "universe_domain": "googleapis.com",
    }
    return info, public_pem


def write_key_file(path: Path, info: Mapping[str, Any]) -> Path:
    """Write a key file readable by its owner only (0600), as the backend requires."""
    path.touch(mode=0o600, exist_ok=False)
    path.chmod(0o600)
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Grant:
    """Who an access token was issued to, for which scopes, until when (epoch seconds)."""

    email: str
    scopes: frozenset[str]
    expires: float


class TokenRefused(Exception):
    """The token request is refused; `error` and `description` go into the OAuth reply."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class TokenAuthority:
    """Registered public keys, issued tokens, and the checks on both."""

    def __init__(self) -> None:
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._tokens: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def register(self, email: str, public_pem: bytes) -> None:
        key = serialization.load_pem_public_key(public_pem)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("service-account keys are RSA")
        with self._lock:
            self._keys[email] = key

    def revoke_all(self) -> None:
        """Forget every issued token: the next API call gets 401 and google-auth refreshes."""
        with self._lock:
            self._tokens.clear()

    def exchange(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Verify a JWT-bearer grant and issue an access token (raises `TokenRefused`)."""
        if form.get("grant_type") != JWT_GRANT:
            raise TokenRefused("unsupported_grant_type", "Invalid grant_type.")
        claims = self._verify(form.get("assertion", ""))
        scopes = frozenset(str(claims.get("scope", "")).split())
        if not scopes:
            raise TokenRefused("invalid_scope", "Empty or missing scope not allowed.")
        token = "ya29.fake-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = Grant(claims["iss"], scopes, time.time() + TOKEN_LIFETIME)
        return {"access_token": token, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}

    def _verify(self, assertion: str) -> dict[str, Any]:
        try:
            header_b64, claims_b64, signature_b64 = assertion.split(".")
            header = json.loads(_b64(header_b64))
            claims = json.loads(_b64(claims_b64))
            signature = _b64(signature_b64)
        except (ValueError, binascii.Error):
            raise TokenRefused("invalid_grant", "Invalid JWT: malformed assertion.") from None
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            raise TokenRefused("invalid_grant", "Invalid JWT: alg must be RS256.")
        if not isinstance(claims, dict):
            raise TokenRefused("invalid_grant", "Invalid JWT: claims must be an object.")
        with self._lock:
            key = self._keys.get(str(claims.get("iss")))
        if key is None:
            raise TokenRefused("invalid_grant", "Invalid grant: account not found")
        try:
            key.verify(
                signature,
                f"{header_b64}.{claims_b64}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            raise TokenRefused("invalid_grant", "Invalid JWT Signature.") from None
        if claims.get("aud") != TOKEN_AUDIENCE:
            raise TokenRefused("invalid_grant", f"Invalid JWT: aud must be {TOKEN_AUDIENCE}.")
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            raise TokenRefused("invalid_grant", "Invalid JWT: iat and exp are required.")
        if exp < now or iat > now + CLOCK_SKEW or exp - iat > 3600:
            raise TokenRefused(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                "timeframe. Check your iat and exp values in the JWT claim.",
            )
        return claims

    def check(self, authorization: str | None) -> Grant | None:
        """The grant behind an `Authorization: Bearer` header, or None if missing or expired."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        with self._lock:
            grant = self._tokens.get(authorization.removeprefix("Bearer ").strip())
        if grant is None or grant.expires < time.time():
            return None
        return grant
