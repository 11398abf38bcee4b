"""A yes/no question before anything destructive: ModalScreen[bool], or with a second yes
that does more (`also_label`, key r): that answer is `ALSO`."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from rkvst_tui.tui.formatting import safe, safe_lines, safe_text

ALSO = "also"  # the answer of the `also_label` button (truthy: a yes, and more)


class ConfirmScreen(ModalScreen[bool]):
    """Asks one question; dismisses True only on an explicit yes.

    The focus starts on the safe answer, so a stray `enter` never deletes anything.
    """

    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel"),
        Binding("n", "answer(False)", "No", show=False),
        Binding("y", "answer(True)", "Yes"),
        Binding("r", "answer('also')", "Yes, and more", show=False),
        Binding("left", "app.focus_previous", "Previous button", show=False),
        Binding("right", "app.focus_next", "Next button", show=False),
    ]

    def __init__(
        self,
        title: str,
        body: str | Text,
        *,
        confirm_label: str = "Yes",
        cancel_label: str = "Cancel",
        destructive: bool = True,
        focus_confirm: bool | None = None,
        also_label: str | None = None,
    ) -> None:
        super().__init__(classes="confirm -destructive" if destructive else "confirm")
        self.question_title = title
        self.body = body
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.destructive = destructive
        self.also_label = also_label
        self.focus_confirm = (not destructive) if focus_confirm is None else focus_confirm
        self.AUTO_FOCUS = "#confirm" if self.focus_confirm else "#cancel"  # type: ignore[misc]  # per dialog: Textual reads it on mount

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            # Titles and bodies quote display names, issuers, paths: made terminal-safe here.
            yield Label(Text(safe(self.question_title)), id="confirm-title", classes="dialog-title")
            body = safe_text(self.body) if isinstance(self.body, Text) else Text(safe_lines(self.body))
            yield Static(body, id="confirm-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.cancel_label} (n)", id="cancel")
                yield Button(
                    f"{self.confirm_label} (y)",
                    id="confirm",
                    variant="error" if self.destructive else "primary",
                )
                if self.also_label:
                    yield Button(
                        f"{self.also_label} (r)", id="also", variant="error" if self.destructive else "primary"
                    )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        # ALSO is a truthy str: a yes for every caller, and more for those that offered it.
        self.dismiss(ALSO if event.button.id == "also" else event.button.id == "confirm")  # type: ignore[arg-type]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters == (ALSO,) and not self.also_label:
            return False
        return True

    def action_answer(self, yes: bool | str) -> None:
        self.dismiss(yes)  # type: ignore[arg-type]  # True, False or ALSO (see _pressed)


def close_form(form: ModalScreen, *, dirty: bool, creating: bool) -> None:
    """Escape on a form: close it at once when nothing was typed, else ask before discarding."""
    if not dirty:
        form.dismiss(None)
        return

    def answered(discard: bool | None) -> None:
        if discard:
            form.dismiss(None)

    form.app.push_screen(
        ConfirmScreen(
            "Discard this form?",
            "What you typed is not saved anywhere." if creating else "Your changes are not saved.",
            confirm_label="Discard",
            cancel_label="Keep editing",
        ),
        answered,
    )
