"""Share assets with one registration (APP REGISTRATIONS, its row, s): writes an access policy.

The admin picks attribute values that exist on the tenant's assets (api/sharing.py: one
attribute's values ORed, attributes ANDed, as the policy's filters are read) and the attributes
the registration may read; the screen says live how many assets match, and how the policy names
the registration: by its client id (this registration only) or by one of its custom claims
(every registration whose token carries that value: the others on the tenant are listed).
Every name and value came from the server and is escaped before it is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, SelectionList, Static
from textual.widgets.selection_list import Selection

from rkvst_tui.api import access_rules as rules
from rkvst_tui.api import sharing
from rkvst_tui.api.policies import Policy, create_policy
from rkvst_tui.tui.formatting import plain, safe
from rkvst_tui.tui.problems import describe
from rkvst_tui.tui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from rkvst_tui.api.client import RkvstClient
    from rkvst_tui.api.models import Application, Asset

LOADING = "Reading the tenant's assets…"
SHOWN_MATCHES = 8  # asset names listed under "N assets match"
SHOWN_OTHERS = 10  # other registrations listed when a claim names them too
NOT_ADMIN = (
    "You are not signed in as a root principal (or Owner): only an administrator sees every asset "
    "and may write access policies. Sign in with a root registration's credentials and try again."
)


class ShareAssetsScreen(ModalScreen[Policy | None]):
    """Pick the assets and the readable attributes; Create writes the policy and returns it."""

    CSS_PATH = "share_assets.tcss"

    HELP_GROUP = "Share assets"
    BINDINGS = [
        Binding("ctrl+s", "create", "Create"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        client: RkvstClient,
        application: Application,
        registrations: Sequence[Application],
        *,
        caller_is_admin: bool | None = True,
        sees_everything: str = "",
    ) -> None:
        """`registrations`: the tenant's (as loaded), for who else a claim names. `sees_everything`:
        "root" or "Owner" when the registration already sees every asset."""
        super().__init__()
        self.client = client
        self.application = application
        self.registrations = list(registrations)
        self.caller_is_admin = caller_is_admin
        self.sees_everything = sees_everything
        self._unconfirmed_empty: sharing.Choice | None = None  # a choice matching no asset, warned about once
        self.assets: list[Asset] = []
        self.pairs: list[tuple[str, str]] = []  # the value list's options, by index
        self.readable_names: list[str] = []
        self.claims = [name for name, value in application.custom_claims.items() if isinstance(value, str)]
        self.loaded = False
        self.creating = False
        self.error = ""

    @property
    def who(self) -> str:
        return self.application.display_name or self.application.client_id

    def compose(self) -> ComposeResult:
        with Vertical(id="share-dialog", classes="dialog"):
            yield Label(Text(f"Share assets with {safe(self.who)}"), id="share-title", classes="dialog-title")
            with VerticalScroll(id="share-body"):
                if self.sees_everything:
                    yield Static(
                        Text(
                            f"This registration is {self.sees_everything}: it already sees every asset, whole. "
                            "A policy changes what it sees only once it is no longer "
                            f"{self.sees_everything}.",
                            style="bold yellow",
                        ),
                        id="share-sees-all",
                    )
                yield Static(Text(LOADING, style="dim"), id="share-status")
                yield Static(
                    Text(
                        "Assets: pick values. An asset matches when it holds one of the values picked for "
                        "each attribute (values of one attribute: any of them; attributes: all of them).",
                    ),
                    classes="share-heading",
                )
                yield SelectionList[int](id="share-values")
                yield Static("", id="share-matches")
                yield Static(
                    Text("It may read these attributes (the asset's identity is always shown):"),
                    classes="share-heading",
                )
                yield SelectionList[int](id="share-readable")
                yield Static(Text("Name the registration by:"), classes="share-heading")
                with RadioSet(id="share-naming"):
                    yield RadioButton(Text(f"its client id (subject={safe(self.application.client_id)})"), value=True)
                    for name in self.claims:
                        entry = sharing.naming_entry(self.application, name)
                        yield RadioButton(Text(f"its custom claim {safe(entry.removeprefix(rules.CLAIM_PREFIX))}"))
                yield Static("", id="share-naming-words")
                yield Static(Text("Policy name:"), classes="share-heading")
                yield Input(
                    safe(sharing.suggested_name(self.application), limit=rules.MAX_DISPLAY_NAME),
                    id="share-name",
                    max_length=rules.MAX_DISPLAY_NAME,
                )
                yield Static("", id="share-error")
            with Horizontal(id="share-buttons"):
                yield Button("Cancel", id="share-cancel", compact=True)
                yield Button("Create (ctrl+s)", id="share-create", variant="primary", disabled=True, compact=True)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self._show_naming()
        self.query_one("#share-values", SelectionList).focus()
        if self.caller_is_admin is False:
            self._status(Text(NOT_ADMIN, style="bold red"))
            return
        self._load()

    # ------------------------------------------------------------------ loading

    def _status(self, text: Text) -> None:
        self.query_one("#share-status", Static).update(text)

    @work(exclusive=True, group="share-load", exit_on_error=False)
    async def _load(self) -> None:
        try:
            read = await sharing.tenant_assets(self.client)
        except Exception as exc:  # noqa: BLE001 - said on the screen: what failed and what to do
            problem = describe(exc, "Could not read the tenant's assets")
            self._status(Text(f"{problem.title}: {problem.message} {problem.hint}".rstrip(), style="bold red"))
            return
        self.assets = list(read.assets)
        found = sharing.attribute_values(self.assets)
        values = self.query_one("#share-values", SelectionList)
        for attribute in found:
            for value, count in attribute.values:
                prompt = Text(safe(attribute.name, limit=40), style="bold")
                prompt.append(f" = {safe(value, limit=60)}")
                prompt.append(f"  ({count})", style="dim")
                values.add_option(Selection(prompt, len(self.pairs)))
                self.pairs.append((attribute.name, value))
        self.readable_names = sharing.attribute_names(self.assets)
        readable = self.query_one("#share-readable", SelectionList)
        for index, name in enumerate(self.readable_names):
            readable.add_option(Selection(plain(name, limit=60), index, name in sharing.DEFAULT_READABLE))
        total = f"{len(self.assets)} asset{'s' if len(self.assets) != 1 else ''}"
        more = f" (the first {len(self.assets)}; the tenant has more)" if read.more else ""
        if self.assets:
            self._status(Text(f"{total} on the tenant{more}.", style="dim"))
        else:
            self._status(Text("The tenant has no assets: there is nothing to share yet.", style="bold yellow"))
        self.loaded = True
        self._show_matches()

    # ------------------------------------------------------------------ choices

    def choice(self) -> sharing.Choice:
        picked = self.query_one("#share-values", SelectionList).selected
        return sharing.Choice.of(self.pairs[i] for i in picked if 0 <= i < len(self.pairs))

    def readable(self) -> list[str]:
        picked = sorted(self.query_one("#share-readable", SelectionList).selected)
        return [self.readable_names[i] for i in picked if 0 <= i < len(self.readable_names)]

    def claim(self) -> str | None:
        index = self.query_one("#share-naming", RadioSet).pressed_index
        return self.claims[index - 1] if 1 <= index <= len(self.claims) else None

    def matches(self) -> list[Asset]:
        return sharing.matching(self.assets, self.choice())

    @on(SelectionList.SelectedChanged, "#share-values")
    def _values_changed(self) -> None:
        self._show_matches()

    @on(RadioSet.Changed, "#share-naming")
    def _naming_changed(self) -> None:
        self._show_naming()

    def _show_matches(self) -> None:
        choice = self.choice()
        text = Text()
        if choice.empty:
            text.append("Nothing picked: the policy would share no asset.", style="dim")
        else:
            matched = self.matches()
            count = len(matched)
            if count == 0:
                text.append("No asset matches", style="bold yellow")
            else:
                text.append(f"{count} asset{'s' if count != 1 else ''} match", style="bold")
            text.append(f": {safe(choice.words(), limit=200)}")
            for asset in matched[:SHOWN_MATCHES]:
                text.append("\n  " + safe(asset.display_name or asset.identity, limit=60))
                text.append(f"  {safe(asset.identity, limit=60)}", style="dim")
            if count > SHOWN_MATCHES:
                text.append(f"\n  … and {count - SHOWN_MATCHES} more", style="dim")
        self.query_one("#share-matches", Static).update(text)
        create = self.query_one("#share-create", Button)
        create.disabled = not self.loaded or self.creating

    def naming_words(self) -> Text:
        claim = self.claim()
        entry = sharing.naming_entry(self.application, claim)
        if claim is None:
            return Text(f"By subject ({safe(entry)}): the policy shares with this registration only.")
        others = sharing.others_named(self.application, claim, self.registrations)
        text = Text(
            f"By claim ({safe(entry, limit=80)}): the policy shares with EVERY registration whose token "
            "carries that claim value, now and any given it later.",
            style="bold yellow",
        )
        if others:
            text.append(
                f"\n{len(others)} other registration{'s' if len(others) != 1 else ''} on the tenant "
                f"carr{'ies' if len(others) == 1 else 'y'} it and will see the same: "
            )
            text.append(", ".join(safe(o.display_name or o.client_id, limit=40) for o in others[:SHOWN_OTHERS]))
            if len(others) > SHOWN_OTHERS:
                text.append(f" and {len(others) - SHOWN_OTHERS} more")
        else:
            text.append("\nNo other registration on the tenant carries it today.")
        return text

    def _show_naming(self) -> None:
        self.query_one("#share-naming-words", Static).update(self.naming_words())

    # ------------------------------------------------------------------ creating

    def _show_error(self, message: str) -> None:
        self.error = message
        self.query_one("#share-error", Static).update(Text(message))
        if message:
            self.query_one("#share-error", Static).scroll_visible()

    def action_create(self) -> None:
        if not self.loaded or self.creating:
            return
        choice = self.choice()
        if choice.empty:
            self._show_error("Pick at least one attribute value: a policy without filters shares no asset.")
            return
        name = self.query_one("#share-name", Input).value.strip()
        if not name:
            self._show_error("Give the policy a name (it is how the ACCESS POLICIES tab lists it).")
            self.query_one("#share-name", Input).focus()
            return
        count = len(self.matches())
        if count == 0 and self._unconfirmed_empty != choice:
            # Allowed (assets that match later are shared), but never by accident.
            self._unconfirmed_empty = choice
            self._show_error(
                "No asset on the tenant matches what you picked, so the policy would share nothing today. "
                "Press ctrl+s again to create it anyway (assets that match later will be shared)."
            )
            return
        body = sharing.share_body(self.application, choice, self.readable(), claim=self.claim(), display_name=name)
        self._show_error("")
        self.creating = True
        self.query_one("#share-create", Button).disabled = True
        self._create(body, count)

    @work(exclusive=True, group="share-create", exit_on_error=False)
    async def _create(self, body: dict, count: int) -> None:
        try:
            policy = await create_policy(self.client, body)
        except Exception as exc:  # noqa: BLE001 - said on the screen; the choices are kept
            problem = describe(exc, "Could not create the access policy")
            self.creating = False
            self.query_one("#share-create", Button).disabled = False
            self._show_error(f"{problem.title}: {problem.message} {problem.hint}".rstrip())
            return
        self.app.notify(
            f"Created the access policy {safe(policy.display_name)}: it shares {count} "
            f"asset{'s' if count != 1 else ''} with {safe(self.who)}.",
            title="Share assets",
            markup=False,
        )
        self.dismiss(policy)

    @on(Button.Pressed, "#share-create")
    def _create_pressed(self) -> None:
        self.action_create()

    @on(Button.Pressed, "#share-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["ShareAssetsScreen"]
