"""Pieces for building JWTs by hand in tests: base64url without padding, a public key as PEM.

Shared by the token inspection core's tests (tests/api/test_tokens.py) and the TOKEN
INSPECTOR's (tests/tui/test_inspector.py); the RSA key they sign with is the `rsa_key`
fixture of tests/conftest.py.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization


def b64url(data: bytes) -> str:
    """base64url without padding, as JWT segments are written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_pem(public_key) -> str:
    """The public key as the PEM a user would paste or save (SubjectPublicKeyInfo)."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
