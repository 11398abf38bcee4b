"""Values put into a command for the user to paste: each one shell word, whatever it holds.

A client id, a base URL, a path or a name may come from a server, a file or a config: a
value such as `x";touch /tmp/pwned;echo "` pasted unquoted runs a command. `word` quotes
with `shlex.quote`; a value of only safe characters keeps the double quotes the seed guide
writes (`"client_id=…"`), which the shell reads the same way.
"""

from __future__ import annotations

import re
import shlex

# What shlex leaves unquoted; inside double quotes these stay literal too.
_SAFE = re.compile(r"[\w@%+=:,./-]*", re.ASCII)


def word(value: object) -> str:
    """`value` as exactly one shell word, without expansion."""
    return shlex.quote("" if value is None else str(value))


def guide_word(value: object) -> str:
    """One shell word, in double quotes as the guide writes it when that is the same word."""
    text = "" if value is None else str(value)
    if text and _SAFE.fullmatch(text):
        return f'"{text}"'
    return shlex.quote(text)
