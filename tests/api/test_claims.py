"""The custom-claim rules of api-contract.md §5, rule by rule, and on arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rkvst_tui.api import claims
from rkvst_tui.api.claims import (
    MAX_CLAIMS,
    MAX_NAME_LENGTH,
    MAX_VALUE_LENGTH,
    Severity,
    check_claims,
    check_name,
    check_rows,
    check_value,
    errors,
    warnings,
)


def _rules(issues) -> set[tuple[str, Severity]]:
    return {(issue.rule, issue.severity) for issue in issues}


E, W = Severity.ERROR, Severity.WARNING


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("serial_number", set()),
        ("has_cyclist_light", set()),
        ("", {(claims.RULE_EMPTY, E)}),
        ("two words", {(claims.RULE_WHITESPACE, E)}),
        ("tab\there", {(claims.RULE_WHITESPACE, E)}),
        ("new\nline", {(claims.RULE_WHITESPACE, E)}),
        ("bell\x07", {(claims.RULE_WHITESPACE, E)}),
        ("zero\u200bwidth", {(claims.RULE_WHITESPACE, E)}),
        ("x" * MAX_NAME_LENGTH, set()),
        ("x" * (MAX_NAME_LENGTH + 1), {(claims.RULE_NAME_TOO_LONG, E)}),
        ("jit_tier", {(claims.RULE_RESERVED_PREFIX, E)}),
        ("arc_display_name", {(claims.RULE_RESERVED_PREFIX, E)}),
        ("jit_", {(claims.RULE_RESERVED_PREFIX, E)}),
        *[(n, {(claims.RULE_REGISTERED, E)}) for n in ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")],
        ("name", {(claims.RULE_TOKEN_SERVICE, E)}),
        ("client_id", {(claims.RULE_TOKEN_SERVICE, E)}),
        *[(n, {(claims.RULE_JOSE_HEADER, E)}) for n in sorted(claims.JOSE_HEADER_NAMES)],
        *[
            (n, {(claims.RULE_IANA, W)})
            for n in (
                "email",
                "scope",
                "roles",
                "groups",
                "azp",
                "nonce",
                "auth_time",
                "acr",
                "amr",
                "sid",
                "cnf",
                "act",
                "may_act",
                "given_name",
                "preferred_username",
            )
        ],
        ("Exp", {(claims.RULE_LOOKALIKE, W)}),
        ("SUB", {(claims.RULE_LOOKALIKE, W)}),
        ("Client_Id", {(claims.RULE_LOOKALIKE, W)}),
        ("JIT_tier", {(claims.RULE_LOOKALIKE, W)}),
        ("Arc_x", {(claims.RULE_LOOKALIKE, W)}),
        ("expiry", set()),
        ("subject_id", set()),
        ("jit", set()),
    ],
)
def test_name_rules(name, expected):
    issues = check_name(name)
    assert _rules(issues) == expected
    for issue in issues:
        assert issue.claim == name
        assert issue.is_error == (issue.severity is E)


def test_a_name_breaking_two_rules_gets_both():
    issues = check_name("jit_ " + "x" * MAX_NAME_LENGTH)
    assert {i.rule for i in issues} == {claims.RULE_WHITESPACE, claims.RULE_NAME_TOO_LONG, claims.RULE_RESERVED_PREFIX}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("TL1000000101", set()),
        ("", set()),
        ("v" * MAX_VALUE_LENGTH, set()),
        ("v" * (MAX_VALUE_LENGTH + 1), {(claims.RULE_VALUE_TOO_LONG, E)}),
        (True, {(claims.RULE_VALUE_NOT_STRING, E)}),
        (42, {(claims.RULE_VALUE_NOT_STRING, E)}),
        (None, {(claims.RULE_VALUE_NOT_STRING, E)}),
        (["a"], {(claims.RULE_VALUE_NOT_STRING, E)}),
        ({"a": "b"}, {(claims.RULE_VALUE_NOT_STRING, E)}),
    ],
)
def test_value_rules(value, expected):
    assert _rules(check_value("serial_number", value)) == expected


def test_a_non_string_value_says_how_to_fix_it():
    (issue,) = check_value("has_cyclist_light", True)
    assert "'has_cyclist_light'" in issue.message and "bool" in issue.message and '"True"' in issue.message
    (issue,) = check_value("n", None)
    assert "null" in issue.message


def test_duplicates_are_reported_on_the_second_row():
    issues = check_rows([("a", "1"), ("b", "2"), ("a", "3")])
    (dup,) = issues
    assert (dup.rule, dup.row, dup.claim) == (claims.RULE_DUPLICATE, 2, "a")
    assert "rows 1 and 3" in dup.message


def test_too_many_claims():
    rows = [(f"c{i}", "v") for i in range(MAX_CLAIMS)]
    assert check_rows(rows) == []
    issues = check_rows([*rows, ("one_more", "v")])
    assert _rules(issues) == {(claims.RULE_TOO_MANY, E)}
    assert "remove 1" in issues[0].message


def test_rows_carry_their_position():
    issues = check_rows([("ok", "1"), ("", "2"), ("email", "3")])
    assert [(i.rule, i.row) for i in issues] == [(claims.RULE_EMPTY, 1), (claims.RULE_IANA, 2)]


def test_whole_maps_and_non_maps():
    assert check_claims({"serial_number": "TL1", "has_cyclist_light": "true"}) == []
    assert _rules(check_claims(["not", "a", "map"])) == {(claims.RULE_VALUE_NOT_STRING, E)}
    assert _rules(check_claims({"n": 1})) == {(claims.RULE_VALUE_NOT_STRING, E)}


def test_a_name_that_is_not_a_string():
    issues = check_claims({5: "x"})
    assert [issue.rule for issue in issues] == [claims.RULE_NAME_NOT_STRING]
    assert "5" in issues[0].message and "not a string" in issues[0].message


def test_errors_and_warnings_split():
    issues = check_rows([("jit_x", "1"), ("email", "2")])
    assert [i.claim for i in errors(issues)] == ["jit_x"]
    assert [i.claim for i in warnings(issues)] == ["email"]
    assert str(errors(issues)[0]).startswith("error: ")


def test_unprintable_names_are_shown_escaped():
    (issue,) = check_name("bad\x1b[31m")
    assert "\x1b" not in issue.message and "\\x1b" in issue.message


# -- arbitrary input -------------------------------------------------------------------------------

values = st.one_of(
    st.text(max_size=1100),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


def _names_the_claim(message: str, name: object) -> bool:
    if not isinstance(name, str):
        return repr(name) in message or str(name) in message
    if name == "":
        return "empty" in message
    shown = claims._shown(name)
    return shown in message or shown[:40] in message


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.text(max_size=140), st.integers()), values), max_size=60))
def test_never_a_crash_and_every_verdict_names_its_claim(rows):
    issues = check_rows(rows)
    for issue in issues:
        assert issue.severity in (E, W)
        assert issue.message
        if issue.rule == claims.RULE_TOO_MANY:
            assert issue.row is None and str(MAX_CLAIMS) in issue.message
            continue
        name = rows[issue.row][0]
        assert _names_the_claim(issue.message, name), (issue, name)
    assert (len(rows) > MAX_CLAIMS) == any(i.rule == claims.RULE_TOO_MANY for i in issues)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=MAX_NAME_LENGTH))
def test_printable_ascii_names_fail_only_for_a_reserved_reason(name):
    found = errors(check_name(name))
    reserved = name.startswith(claims.RESERVED_PREFIXES) or name in claims.RESERVED_NAMES
    assert bool(found) == reserved


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=20),
        st.text(max_size=MAX_VALUE_LENGTH),
        max_size=MAX_CLAIMS,
    )
)
def test_ordinary_claim_maps_never_have_errors_but_reserved_names(mapping):
    bad = {n for n in mapping if n.startswith(claims.RESERVED_PREFIXES) or n in claims.RESERVED_NAMES}
    assert {i.claim for i in errors(check_claims(mapping))} == bad
