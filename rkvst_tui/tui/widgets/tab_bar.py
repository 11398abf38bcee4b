"""The console's tab strip: one widget that draws the tab labels and their underline itself.

Textual's TabbedContent builds about a dozen widgets for this (Tabs, scroll containers, a Tab per
label, an animated Underline, ...), and each one costs mount, CSS and render time before the first
frame. ConsoleTabs draws the same two rows (labels, then the underline bar with the active label's
part highlighted) from Rich styles, with no children; a ContentSwitcher next to it shows the panes.
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Offset
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

# The characters of Textual's Underline bar (textual.renderables.bar.Bar).
BAR = "━"
HALF_BAR_LEFT = "╺"
HALF_BAR_RIGHT = "╸"


class ConsoleTabs(Widget, can_focus=False):
    """A row of tab labels over an underline bar; `active` is the id of the highlighted tab.

    Not focusable: the console switches tabs with keys, and its tables keep the focus.
    """

    # Same look as Textual's Tab, Tabs and Underline (textual/widgets/_tabs.py) when the Tabs
    # widget does not have focus, which is always the case here.
    DEFAULT_CSS = """
    ConsoleTabs {
        width: 1fr;
        height: 2;
        & > .console-tabs--tab {
            color: $foreground 50%;
        }
        & > .console-tabs--tab-hover {
            color: $foreground;
        }
        & > .console-tabs--tab-active {
            color: $foreground;
        }
        & > .console-tabs--underline {
            color: $block-cursor-background;
            background: $foreground 10%;
        }
        &:ansi {
            & > .console-tabs--tab, & > .console-tabs--tab-hover {
                text-style: dim;
            }
            & > .console-tabs--tab-active {
                text-style: not dim bold;
            }
            & > .console-tabs--underline {
                color: $block-cursor-background;
                background: $border-blurred;
            }
        }
    }
    """

    COMPONENT_CLASSES = {
        "console-tabs--tab",
        "console-tabs--tab-hover",
        "console-tabs--tab-active",
        "console-tabs--underline",
    }
    """
    | Class | Description |
    | :- | :- |
    | `console-tabs--tab` | A label that is neither active nor under the mouse. |
    | `console-tabs--tab-hover` | The label under the mouse (unless it is the active one). |
    | `console-tabs--tab-active` | The active tab's label. |
    | `console-tabs--underline` | The bar: `color` for the active tab's part, `background` for the rest. |
    """

    ALLOW_SELECT = False  # labels are controls, not text to copy

    class Activated(Message):
        """Sent when `active` changes, by a click on a label or by code."""

        def __init__(self, tabs: ConsoleTabs, tab_id: str) -> None:
            self.tabs = tabs
            self.tab_id = tab_id
            super().__init__()

        @property
        def control(self) -> ConsoleTabs:
            return self.tabs

    active: reactive[str] = reactive("", init=False)
    """The id of the active tab; setting an id that is not one of the tabs raises ValueError."""

    def __init__(self, tabs: list[tuple[str, str]], active: str, **widget_kwargs) -> None:
        """`tabs` is a list of (id, label) pairs, drawn in that order; `active` is one of the ids."""
        super().__init__(**widget_kwargs)
        self._ids = [tab_id for tab_id, _ in tabs]
        if len(set(self._ids)) != len(self._ids):
            raise ValueError(f"Duplicate tab ids in {self._ids!r}")
        self._labels = [label for _, label in tabs]
        # Columns of each tab, padding included: [start, end). A label has one cell of padding
        # on each side, as Tab's `padding: 0 1`.
        self._spans: list[tuple[int, int]] = []
        x = 0
        for label in self._labels:
            width = cell_len(label) + 2
            self._spans.append((x, x + width))
            x += width
        self._hover: int | None = None
        self._lines: tuple[tuple, list[Strip]] | None = None  # (cache key, the two rows)
        # Before mount: validate, but post nothing (the console shows the initial tab itself).
        self.set_reactive(ConsoleTabs.active, self.validate_active(active))

    def validate_active(self, active: str) -> str:
        if active not in self._ids:
            raise ValueError(f"No tab with id {active!r}; the tabs are {self._ids!r}")
        return active

    def watch_active(self, active: str) -> None:
        # The reactive repaints; the cache key holds `active`, so the rows are redrawn.
        self.post_message(self.Activated(self, active))

    def _scroll_x(self, width: int) -> int:
        """First column shown when the labels are wider than the widget.

        As Tabs does (scroll_to_center on activation and resize): the active tab centred, kept
        within the labels, its left edge shown when it is wider than the widget.
        """
        total = self._spans[-1][1] if self._spans else 0
        if total <= width:
            return 0
        start, end = self._spans[self._ids.index(self.active)]
        most = total - width
        scroll = min(max(math.floor((start + end) / 2 - width / 2 + 0.5), 0), most)
        if not scroll <= start < scroll + width:
            scroll = min(start, most)
        return scroll

    def _index_at(self, x: int) -> int | None:
        """The tab whose label (padding included) is at column `x` on screen, if any."""
        x += self._scroll_x(self.size.width)
        for index, (start, end) in enumerate(self._spans):
            if start <= x < end:
                return index
        return None

    # ----------------------------------------------------------------- mouse

    def _set_hover(self, index: int | None) -> None:
        if index == self._hover:
            return
        self._hover = index
        # A pointer hand over labels only, as over Textual's Tab (the bar and the blank right
        # part are not labels). Inline styles; set only when it changes, so a mouse move
        # along a label costs nothing.
        self.styles.pointer = "default" if index is None else "pointer"
        self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        # Textual's Tab highlights only on its own row, not over the underline.
        self._set_hover(None if offset is None or offset.y != 0 else self._index_at(offset.x))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def on_click(self, event: events.Click) -> None:
        offset: Offset | None = event.get_content_offset(self)
        if offset is None:
            return
        # Either row: Textual's Underline also activates the tab above a click on the bar.
        index = self._index_at(offset.x)
        if index is None:
            return
        event.stop()
        self.active = self._ids[index]  # the same id again posts nothing (reactive)

    # ----------------------------------------------------------------- drawing

    def notify_style_update(self) -> None:
        # A theme, class or pseudo-class change may change the component styles.
        super().notify_style_update()
        self._lines = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        key = (width, self.active, self._hover)
        if self._lines is None or self._lines[0] != key:
            self._lines = (key, self._draw(width))
        lines = self._lines[1]
        return lines[y] if 0 <= y < len(lines) else Strip.blank(width, self.rich_style)

    def _draw(self, width: int) -> list[Strip]:
        base = self.rich_style
        blank = Style(bgcolor=base.bgcolor)
        tab_style = self.get_component_rich_style("console-tabs--tab")
        hover_style = self.get_component_rich_style("console-tabs--tab-hover")
        active_style = self.get_component_rich_style("console-tabs--tab-active")
        active_index = self._ids.index(self.active)

        segments: list[Segment] = []
        for index, label in enumerate(self._labels):
            if index == active_index:
                style = active_style
            elif index == self._hover:
                style = hover_style
            else:
                style = tab_style
            # Padding takes the label's background only, as Textual's padding does.
            padding = Segment(" ", Style(bgcolor=style.bgcolor))
            segments += [padding, Segment(label, style), padding]

        # Draw the whole strip (at least the widget's width, as Tabs' `min-width: 100%`), then
        # show the part that fits: labels are cropped, never wrapped.
        full_width = max(width, self._spans[-1][1] if self._spans else 0)
        labels = Strip(segments).adjust_cell_length(full_width, blank)
        start, end = self._spans[active_index]
        bar = Strip(self._bar(full_width, start + 1, end - 1, base), full_width)
        scroll = self._scroll_x(width)
        return [labels.crop(scroll, scroll + width), bar.crop(scroll, scroll + width)]

    def _bar(self, width: int, start: int, end: int, base: Style) -> list[Segment]:
        """Textual's Bar with a whole-cell highlight range [start, end): `━` in the bar's
        colour, with a half bar (`╸` before, `╺` after) in the background colour at each side."""
        bar_style = self.get_component_rich_style("console-tabs--underline")
        background = base + Style.from_color(bar_style.bgcolor)
        highlight = base + Style.from_color(bar_style.color)
        # As Bar: where the background colour is the terminal's default, draw blanks.
        draw = bar_style.bgcolor is None or not bar_style.bgcolor.is_default
        bar, left, right = (BAR, HALF_BAR_RIGHT, HALF_BAR_LEFT) if draw else (" ", " ", " ")
        # One segment per part, as Bar: the same segments give the same screenshot.
        segments = []
        if start > 1:
            segments.append(Segment(bar * (start - 1), background))
        if start > 0:
            segments.append(Segment(left, background))
        segments.append(Segment(BAR * (end - start), highlight))
        if end < width:
            segments.append(Segment(right, background))
        if end < width - 1:
            segments.append(Segment(bar * (width - end - 1), background))
        return segments
