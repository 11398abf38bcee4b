"""The sandbox and the console judge custom claims by the same rules (rkvst_tui.api.claims)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_helpers import APPS

from rkvst_tui.api import claims as claim_rules

NAMES = st.one_of(
    st.sampled_from(sorted(claim_rules.RESERVED_NAMES | {"email", "Exp", "jit_x", "arc_y", "serial_number", ""})),
    st.text(min_size=0, max_size=12),
)
VALUES = st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none(), st.just("v" * 1025))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(custom_claims=st.dictionaries(NAMES, VALUES, max_size=4))
def test_the_server_accepts_exactly_what_the_shared_rules_accept(api, custom_claims) -> None:
    expected_errors = claim_rules.errors(claim_rules.check_claims(custom_claims))
    answer = api.post(APPS, json={"display_name": "property", "custom_claims": custom_claims})
    if expected_errors:
        assert answer.status_code == 400, answer.text
        assert all(issue.message in answer.json()["message"] for issue in expected_errors)
    else:
        assert answer.status_code == 200, answer.text
        assert answer.json()["custom_claims"] == custom_claims
        api.delete(f"{APPS}/{answer.json()['client_id']}")
