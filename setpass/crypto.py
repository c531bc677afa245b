"""Tokens, PIN hashes and the encrypted temporary password.

One `secret_key` from the config is stretched (HKDF-SHA256) into independent keys per use, so a
leak of one derived key (say the session cookie key) says nothing about the others.

- Link tokens: 32 random bytes (`secrets.token_urlsafe(32)`); only their SHA-256 is stored. A
  256-bit random value needs no salt or slow hash: it cannot be guessed or brute-forced.
- PINs: 4 digits are 10,000 values, so a plain or salted hash is reversed offline in
  milliseconds. They are hashed with HMAC-SHA256 under a key the database does not hold; bound to
  the Keystone user id, so equal PINs of two users do not look equal.
- A PIN from the reset form: nobody knows the Keystone user id yet, so it is bound to a random
  salt instead, stored beside it (`r1$<salt>$<hmac>`, 64 characters like the others); a reset
  that redeems the reference copies that string into the registration unchanged.
- Reset references: stored as an HMAC under the same key (a leaked table cannot be searched).
- Temporary password: needed in clear text once (to log in to Keystone), so it is encrypted with
  Fernet (AES-128-CBC + HMAC) rather than hashed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128  # token_urlsafe(32) is 43 characters; anything far longer is junk
_PIN_RE = re.compile(r"[0-9]{4}")
_SALTED = "r1$"


def valid_pin(pin: object) -> bool:
    """Exactly four ASCII digits: no trailing newline, no Unicode digits, no signs or spaces."""
    return isinstance(pin, str) and _PIN_RE.fullmatch(pin) is not None


def new_token() -> str:
    """A fresh link token for a user (URL-safe, 43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """What the database stores and looks up instead of the token itself."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def generate_secret_key() -> str:
    """A value for `secret_key` in setpass.conf."""
    return secrets.token_urlsafe(48)


def _derive(secret: str, purpose: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"setpass-v1", info=purpose)
    return hkdf.derive(secret.encode("utf-8"))


class DecryptError(Exception):
    """The stored password was encrypted under another secret_key, or was tampered with."""


@dataclass(frozen=True)
class Keyring:
    """The keys derived from `secret_key`; built once per app."""

    pin_key: bytes
    fernet: Fernet
    session_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> Keyring:
        fernet_key = base64.urlsafe_b64encode(_derive(secret, b"temporary-password"))
        return cls(
            pin_key=_derive(secret, b"pin-hmac"),
            fernet=Fernet(fernet_key),
            session_key=_derive(secret, b"flask-session"),
        )

    def hash_pin(self, user_id: str, pin: str) -> str:
        """Keyed hash of the PIN, bound to the user id."""
        message = f"{user_id}\x00{pin}".encode()
        return hmac.new(self.pin_key, message, hashlib.sha256).hexdigest()

    def hash_pin_salted(self, pin: str) -> str:
        """Keyed hash of a PIN whose user is not known yet (the reset form): `r1$salt$hmac`."""
        return self._salted(secrets.token_urlsafe(9), pin)

    def _salted(self, salt: str, pin: str) -> str:
        digest = hmac.new(self.pin_key, f"reset\x00{salt}\x00{pin}".encode(), hashlib.sha256)
        return f"{_SALTED}{salt}${digest.hexdigest()[:48]}"

    def pin_matches(self, user_id: str, pin: str, stored: str) -> bool:
        """Constant-time comparison with the stored PIN hash (bound to the user or salted)."""
        if stored.startswith(_SALTED):
            salt = stored[len(_SALTED) :].split("$", 1)[0]
            return hmac.compare_digest(self._salted(salt, pin), stored)
        return hmac.compare_digest(self.hash_pin(user_id, pin), stored)

    def hash_reference(self, reference: str) -> str:
        """What the database stores and looks up instead of a reset reference."""
        message = f"reference\x00{reference}".encode()
        return hmac.new(self.pin_key, message, hashlib.sha256).hexdigest()

    def encrypt_password(self, password: str) -> str:
        return self.fernet.encrypt(password.encode("utf-8")).decode("ascii")

    def decrypt_password(self, stored: str) -> str:
        try:
            return self.fernet.decrypt(stored.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise DecryptError("the temporary password cannot be decrypted") from exc
