"""JWT inspection: decode, explain, check and verify an access token, headless (minting one
is api/auth.py).

One function, `inspect_token`, turns whatever a person pasted (a bare JWT, a `Bearer ...`
or `Authorization: Bearer ...` line, a whole HTTP request, a curl command, a token
endpoint answer, a `bearer_token` file) into a `TokenReport`: each part decoded or the
reason it would not decode, each claim with its kind and meaning, the times in UTC,
local and relative form, the signature state and the warnings a person should act on.

It never raises on any input string, and caps its work so a megabyte paste stays fast.

Security choices (see api-contract.md §4 and the console page):
- the verification key comes only from the caller (the connected backend's JWKS or a
  key the user gave); the token's own `jku`, `x5u`, `jwk` and `x5c` are reported as
  ignored and never fetched or used;
- the algorithm must be on an allow-list of public-key algorithms *and* match the key's
  type, so an `HS256` token can never be "verified" with a public key used as an HMAC
  secret (the algorithm-confusion attack), and `alg: none` is reported as UNSECURED.

The steps, one module each: `extract` (the token in the input), `decode` (its parts),
`keys` (the keys to check it with), `verify` (the signature's verdict), `explain` (claims,
times and warnings), `report` (`inspect_token`, the steps put together); `results` holds
the report's types and limits.
"""

from __future__ import annotations

from .explain import TIME_CLAIMS, TIME_WARNING_CODES, claim_times, time_warnings
from .extract import find_token, is_jws_compact, normalise
from .keys import KeyLoadError, load_verification_key
from .report import inspect_token
from .results import (
    INVALID,
    NOT_CHECKED,
    REFUSED_WARNINGS,
    REPORT_SCHEMA,
    UNSECURED,
    VERIFIED,
    ClaimRow,
    ClaimTimes,
    PartReport,
    TokenReport,
    TokenWarning,
    shorten,
)
from .verify import DEFAULT_ALGORITHMS

__all__ = [
    "DEFAULT_ALGORITHMS",
    "INVALID",
    "NOT_CHECKED",
    "REFUSED_WARNINGS",
    "REPORT_SCHEMA",
    "TIME_CLAIMS",
    "TIME_WARNING_CODES",
    "UNSECURED",
    "VERIFIED",
    "ClaimRow",
    "ClaimTimes",
    "KeyLoadError",
    "PartReport",
    "TokenReport",
    "TokenWarning",
    "claim_times",
    "find_token",
    "inspect_token",
    "is_jws_compact",
    "load_verification_key",
    "normalise",
    "shorten",
    "time_warnings",
]
