"""ConsoleFooter: the key hints, drawn by ONE widget that looks like Textual's compact Footer.

Textual's Footer is a container with one FooterKey widget per key, and it removes, mounts
and styles all of them again on every bindings change. Profiling the console's first frame
(tests/benchmarks/bench_first_frame.py) found those eleven widgets (mount, CSS, layout,
render, and the rebuilds while the console starts and loads) cost ~45 ms of CPU. This
widget draws the same line itself from a cached Strip, and it rebuilds that line only
when what it shows changes: many bindings changes in one frame are coalesced into one
check after the next refresh, and a check that finds the same keys costs no repaint.

What is shown, and how, copies Footer and FooterKey (textual/widgets/_footer.py, Textual
8.2): the same keys in the same order, the same CSS variables (as component classes), the
same layout (margins collapse as in a horizontal layout; the command palette key docks at
the right edge over the other keys, and the footer scrolls sideways with the mouse wheel
when the keys do not fit); hovering a key highlights it, pressing a mouse button on it
simulates its key, as FooterKey does, and a disabled key only rings the bell.
tests/tui/test_console_footer.py compares its screenshots with Footer's.

Unlike Footer, when the keys do not fit (80 columns) it drops the least important ones
(`footer_rank`) instead of cutting the line at the right, where help and the filter are.
"""

from __future__ import annotations

from itertools import groupby
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.color import Color
from textual.css.styles import RenderStyles
from textual.reactive import reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from rkvst_tui.tui.widgets.fixed_table import left_border_char


class _Key(NamedTuple):
    """One key as FooterKey gets it."""

    key: str
    key_display: str
    description: str  # "" for a key in a group: the group's label describes it
    action: str
    enabled: bool
    tooltip: str
    rank: int = 1  # footer_rank: how long it stays when the keys do not fit


# footer_rank's answers: a footer too narrow for every key drops the lowest first.
RANK_DISABLED, RANK_NORMAL, RANK_WAY_BACK, RANK_ESSENTIAL = 0, 1, 2, 3


def footer_rank(binding: Binding, enabled: bool) -> int:
    """How long a key stays in a footer too narrow for all of them, from the binding itself:
    help (which lists every key) and the filter stay to the end, then the way back (escape);
    a disabled key, which does nothing here, goes first."""
    action = binding.action.rsplit(".", 1)[-1]
    if action == "help" or action == "filter":
        return RANK_ESSENTIAL
    if "escape" in binding.key.split(","):
        return RANK_WAY_BACK
    return RANK_NORMAL if enabled else RANK_DISABLED


class _Group(NamedTuple):
    """Consecutive bindings of one Binding.Group: their keys, then the group's label."""

    compact: bool
    keys: tuple[_Key, ...]
    label: str

    @property
    def rank(self) -> int:
        return max(key.rank for key in self.keys)


class _Box(NamedTuple):
    """A widget of Footer's horizontal layout: its margins, its cells, and where its keys are."""

    margin_left: int
    margin_right: int
    segments: list[Segment]
    hits: list[tuple[int, int, int]]  # (start, end, key index), relative to the box


# Footer's DEFAULT_CSS margins, as (left, right): FooterKey (Footer.-compact gives it
# margin-right 1), a grouped key (in a compact group: 0), KeyGroup.-compact (plus
# padding-left 1), FooterLabel, and the command palette key (docked right).
KEY_MARGIN = {True: (0, 1), False: (0, 0)}
GROUPED_KEY_MARGIN = {True: (0, 0), False: (1, 1)}
COMPACT_GROUP_MARGIN, COMPACT_GROUP_PADDING = (0, 1), 1
LABEL_MARGIN = {True: (0, 0), False: (0, 1)}
PALETTE_MARGIN_RIGHT = {True: 1, False: 0}
PALETTE_PADDING_RIGHT = {True: 0, False: 1}


def _flow(boxes: list[_Box], start: int = 0) -> tuple[list[Segment], list[tuple[int, int, int]], int, int]:
    """Lay boxes out left to right as Textual's horizontal layout does: the first box's left
    margin, then the larger of each two neighbouring margins. Returns the cells, where the
    keys are, the width without the last right margin, and that margin."""
    segments: list[Segment] = []
    hits: list[tuple[int, int, int]] = []
    x = start
    previous_margin = None
    for box in boxes:
        gap = box.margin_left if previous_margin is None else max(previous_margin, box.margin_left)
        if gap:
            segments.append(Segment(" " * gap))  # styled by the caller (the container's background)
        x += gap
        segments.extend(box.segments)
        hits.extend((x + a, x + b, index) for a, b, index in box.hits)
        x += sum(segment.cell_length for segment in box.segments)
        previous_margin = box.margin_right
    return segments, hits, x, previous_margin or 0


class ConsoleFooter(Widget, can_focus=False):
    """The keys that work here, as Textual's Footer shows them, in one widget."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer-key--key",  # FooterKey's two parts
        "footer-key--description",
        "footer-key--item",  # FooterKey itself
        "footer-key--hover",  # FooterKey:hover
        "footer-key--disabled",  # FooterKey.-disabled
        "footer-key--palette",  # FooterKey.-command-palette (its left border)
        "footer-key--group-label",  # FooterLabel
    }
    # The rules of Footer's and FooterKey's DEFAULT_CSS that colour something, on the same
    # theme variables, so themes and app CSS that restyle Footer restyle this too.
    DEFAULT_CSS = """
    ConsoleFooter {
        dock: bottom;
        width: 1fr;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .footer-key--item {
            background: $footer-item-background;
        }
        .footer-key--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .footer-key--disabled {
            text-style: dim;
        }
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
            padding: 0 1;
        }
        .footer-key--description {
            padding: 0 1 0 0;
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .footer-key--palette {
            border-left: vkey $foreground 20%;
        }
        .footer-key--group-label {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        &.-compact {
            .footer-key--key {
                padding: 0;
            }
            .footer-key--description {
                padding: 0 0 0 1;
            }
        }
    }
    """

    compact = reactive(False, toggle_class="-compact")
    """Display in compact style (Footer's compact)."""
    show_command_palette = reactive(True)
    """Show the key to invoke the command palette, at the right edge."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        show_command_palette: bool = True,
        compact: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.set_reactive(ConsoleFooter.show_command_palette, show_command_palette)
        self.set_reactive(ConsoleFooter.compact, compact)
        self.set_class(compact, "-compact", update=False)
        self._bindings_ready = False  # as Footer: nothing is shown before the first bindings update
        self._check_scheduled = False
        self._checked = False  # whether it has looked at the bindings yet
        self._shown: tuple[tuple[_Key | _Group, ...], _Key | None] = ((), None)
        self._keys: list[_Key] = []  # every key shown, in the order of self._shown (palette last)
        self._layout: tuple | None = None  # ((width, scroll_x), (where the keys are, the largest scroll))
        self._strip: tuple | None = None  # ((width, scroll_x, hover), the line)
        self._kept_cache: tuple | None = None  # (width, the row's items that fit: _kept)
        self._styles: dict | None = None  # the Rich styles, until the CSS or theme changes
        self._scroll_x = 0
        self._mouse_x: int | None = None  # where the pointer is over this footer (None: elsewhere)
        self._hover: int | None = None  # the key under the pointer (index in self._keys)

    # ---------------------------------------------------------------- what is shown

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:  # as Footer: an unfocused app keeps its footer
            return
        if self.is_attached and screen is self.screen:
            if not self._checked:
                # The first keys: now, so that the next frame shows them (after the next
                # refresh they would miss it: ~15 ms later on a 60 Hz frame rate).
                self._check()
            else:
                self._schedule_check()

    def _schedule_check(self) -> None:
        # The console changes its bindings several times in one frame while it starts and
        # loads (focus, the first rows, the cursor's first row, each page): one check, after
        # the next refresh, sees the last state.
        if not self._check_scheduled:
            self._check_scheduled = True
            self.call_after_refresh(self._check)

    def _check(self) -> None:
        self._check_scheduled = False
        self._checked = True
        if not self.is_attached:
            return
        wanted = self._keys_to_show()
        if wanted == self._shown:
            return  # most bindings changes leave the footer as it is: no repaint
        self._shown = wanted
        rows, palette = wanted
        self._keys = [key for item in rows for key in (item.keys if isinstance(item, _Group) else (item,))] + (
            [palette] if palette is not None else []
        )
        self._invalidate()

    def _keys_to_show(self) -> tuple[tuple[_Key | _Group, ...], _Key | None]:
        """What Footer.compose would show: the first binding shown for each action, in the
        screen's order, consecutive bindings of one group together; then the palette key."""
        if not self._bindings_ready:
            return (), None
        app = self.app
        active_bindings = self.screen.active_bindings
        action_to_bindings: dict[str, list] = {}
        for _, binding, enabled, tooltip in active_bindings.values():
            if binding.show:
                action_to_bindings.setdefault(binding.action, []).append((binding, enabled, tooltip))
        rows: list[_Key | _Group] = []
        for group, same_group in groupby(
            action_to_bindings.values(), lambda multi_bindings: multi_bindings[0][0].group
        ):
            firsts = [multi_bindings[0] for multi_bindings in same_group]
            if group is not None and len(firsts) > 1:
                keys = tuple(
                    _Key(
                        binding.key,
                        app.get_key_display(binding),
                        "",
                        binding.action,
                        enabled,
                        tooltip or binding.description,
                        footer_rank(binding, enabled),
                    )
                    for binding, enabled, tooltip in firsts
                )
                rows.append(_Group(group.compact, keys, group.description))
            else:
                rows.extend(
                    _Key(
                        binding.key,
                        app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        enabled,
                        tooltip,
                        footer_rank(binding, enabled),
                    )
                    for binding, enabled, tooltip in firsts
                )
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            found = active_bindings.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _, binding, enabled, _ = found
                palette = _Key(
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    enabled,
                    binding.tooltip or binding.description,
                )
        return tuple(rows), palette

    def _watch_show_command_palette(self) -> None:
        if self.is_mounted:
            self._schedule_check()

    def _watch_compact(self) -> None:
        self._invalidate()

    def notify_style_update(self) -> None:
        # The CSS, the theme or a class changed: the cached styles and line may be stale.
        super().notify_style_update()
        self._styles = None
        self._invalidate()

    def _invalidate(self) -> None:
        self._layout = None
        self._kept_cache = None
        self._strip = None
        self._set_hover()
        self.refresh()  # a repaint: the size never depends on the keys

    # ---------------------------------------------------------------- drawing

    def _chain_style(self, *layers: RenderStyles) -> Style:
        """DOMNode.rich_style of something drawn inside this footer: this footer's ancestors
        and itself, then the given component styles, as if each were a child of the last."""
        background = Color(0, 0, 0, 0)
        color = Color(255, 255, 255, 0)
        style = Style()
        opacity = 1.0
        for styles in [*(node.styles for node in reversed(self.ancestors_with_self)), *layers]:
            has_rule = styles.has_rule
            opacity *= styles.opacity
            if has_rule("background"):
                text_background = background + styles.background.tint(styles.background_tint)
                background += styles.background.tint(styles.background_tint).multiply_alpha(opacity)
            else:
                text_background = background
            if has_rule("color"):
                color = styles.color
            style += styles.text_style
            if has_rule("auto_color") and styles.auto_color:
                color = text_background.get_contrast_text(color.a)
        return style + Style.from_color(
            (background + color).rich_color if (background.a or color.a) else None,
            background.rich_color if background.a else None,
        )

    def _get_styles(self) -> dict:
        """The Rich styles FooterKey, FooterLabel and Footer would draw with, from the component
        classes: computed once per CSS or theme change."""
        if self._styles is not None:
            return self._styles
        component = self.get_component_styles
        key, description = component("footer-key--key"), component("footer-key--description")
        palette = component("footer-key--palette")
        footer_background = self.background_colors[1]
        styles: dict = {
            "blank": Style.from_color(None, footer_background.rich_color if footer_background.a else None),
            "label": self._chain_style(component("footer-key--group-label")),
            "key_padding": key.padding,
            "description_padding": description.padding,
        }
        for hover in (False, True):
            item = component("footer-key--hover" if hover else "footer-key--item")
            for disabled in (False, True):
                own = (item, component("footer-key--disabled")) if disabled else (item,)
                base = self._chain_style(*own)  # FooterKey.rich_style, under its parts
                styles[hover, disabled] = (
                    base + self._chain_style(*own, key),
                    base + self._chain_style(*own, description),
                )
            # The palette key's left border, as the styles cache draws a widget's border
            # (its background is the key's, its colour the border's over the footer).
            item_background = footer_background
            if item.has_rule("background"):
                item_background += item.background.tint(item.background_tint)
            edge, edge_color = palette.border_left
            inner = (footer_background + item_background).rich_color
            styles["palette", hover] = (
                left_border_char(edge),
                Style.from_color((footer_background + edge_color).rich_color, inner),
                Style.from_color(None, inner),  # its padding
            )
        self._styles = styles
        return styles

    def _key_segments(self, key: _Key, hovered: bool, palette: bool = False) -> list[Segment]:
        """FooterKey.render: the key, then its description, each with its padding."""
        styles = self._get_styles()
        key_style, description_style = styles[hovered, not key.enabled]
        if not key.description:
            return [Segment(key.key_display, key_style)]
        if palette:  # Footer does not bind its compact to the palette key: always compact
            return [Segment(key.key_display, key_style), Segment(" " + key.description, description_style)]
        key_padding, description_padding = styles["key_padding"], styles["description_padding"]
        return [
            Segment(" " * key_padding.left + key.key_display + " " * key_padding.right, key_style),
            Segment(
                " " * description_padding.left + key.description + " " * description_padding.right,
                description_style,
            ),
        ]

    def _layout_row(
        self, hover: int | None, kept: frozenset[int] | None = None
    ) -> tuple[list[Segment], list[tuple[int, int, int]], int]:
        """The keys left of the palette key, as Footer lays its widgets out: (cells, where
        each key is, the row's width with its last margin). Only the items in `kept` (indexes
        into the row; all when None); key indexes stay those of self._keys."""
        compact = self.compact
        blank = self._get_styles()["blank"]
        boxes: list[_Box] = []
        index = 0
        for position, item in enumerate(self._shown[0]):
            if kept is not None and position not in kept:
                index += len(item.keys) if isinstance(item, _Group) else 1
                continue
            if isinstance(item, _Group):
                margin = GROUPED_KEY_MARGIN[item.compact]
                keys = []
                for key in item.keys:
                    cells = self._key_segments(key, hover == index)
                    width = sum(segment.cell_length for segment in cells)
                    keys.append(_Box(*margin, cells, [(0, width, index)]))
                    index += 1
                padding = COMPACT_GROUP_PADDING if item.compact else 0
                cells, hits, width, last_margin = _flow(keys, start=padding)
                # The group's padding and its last key's margin are inside it (width: auto).
                if padding:
                    cells.insert(0, Segment(" " * padding))
                if last_margin:
                    cells.append(Segment(" " * last_margin))
                group_margin = COMPACT_GROUP_MARGIN if item.compact else (0, 0)
                boxes.append(_Box(*group_margin, cells, hits))
                label = [Segment(item.label, self._get_styles()["label"])] if item.label else []
                boxes.append(_Box(*LABEL_MARGIN[compact], label, []))
            else:
                cells = self._key_segments(item, hover == index)
                width = sum(segment.cell_length for segment in cells)
                boxes.append(_Box(*KEY_MARGIN[compact], cells, [(0, width, index)]))
                index += 1
        cells, hits, width, last_margin = _flow(boxes)
        # Gaps carry no style of their own: the footer's background shows there.
        cells = [segment if segment.style is not None else Segment(segment.text, blank) for segment in cells]
        return cells, hits, width + last_margin

    def _kept(self, width: int) -> frozenset[int] | None:
        """The items of the row that fit beside the palette key at this width (None: all).

        Too narrow for all: the lowest footer_rank goes first, and of equal ranks the
        rightmost (the focused widget's own keys come first in the row); the essential keys
        stay, and scroll sideways if even they do not fit."""
        if self._kept_cache is not None and self._kept_cache[0] == width:
            return self._kept_cache[1]
        palette_space = 0
        if self._shown[1] is not None:
            palette_space = sum(segment.cell_length for segment in self._palette_segments(False))
            palette_space += PALETTE_MARGIN_RIGHT[self.compact]
        items = self._shown[0]
        kept: frozenset[int] | None = None
        if self._layout_row(None)[2] + palette_space > width:
            keep = set(range(len(items)))
            for position in sorted(keep, key=lambda position: (items[position].rank, -position)):
                if items[position].rank >= RANK_ESSENTIAL:
                    break
                keep.discard(position)
                if self._layout_row(None, frozenset(keep))[2] + palette_space <= width:
                    break
            kept = frozenset(keep)
        self._kept_cache = (width, kept)
        return kept

    def _palette_segments(self, hovered: bool) -> list[Segment]:
        palette = self._shown[1]
        assert palette is not None
        edge, edge_style, padding_style = self._get_styles()["palette", hovered]
        cells = [Segment(edge, edge_style)] if edge else []
        cells += self._key_segments(palette, hovered, palette=True)
        if padding := PALETTE_PADDING_RIGHT[self.compact]:
            cells.append(Segment(" " * padding, padding_style))
        return cells

    def _render_line(self) -> Strip:
        """The footer's one line, with the key under the pointer highlighted."""
        width = self.size.width
        blank = self._get_styles()["blank"]
        hover = self._hover
        row, _, _ = self._layout_row(hover, self._kept(width))
        line = Strip(row).crop(self._scroll_x, self._scroll_x + width).extend_cell_length(width, blank)
        if self._shown[1] is not None:
            palette = Strip(self._palette_segments(hover == len(self._keys) - 1))
            start = width - PALETTE_MARGIN_RIGHT[self.compact] - palette.cell_length
            if start < 0:
                palette = palette.crop(-start)
                start = 0
            end = start + palette.cell_length
            # Docked over the row, and its margin too: in Footer the row shows through the margin,
            # so when the keys overflow a letter of the one under it trails the palette key
            # ("^p palettet" at 80 columns).
            line = Strip.join([line.crop(0, start), palette, Strip.blank(width - end, blank)])
        return line.simplify()

    def _get_layout(self) -> tuple[list[tuple[int, int, int]], int]:
        """Where each key is on screen (the palette key first: it is drawn over the row),
        and how far the row can scroll. Cached until what is shown, the size or the
        scroll position change."""
        width = self.size.width
        if self._layout is not None and self._layout[0] == (width, self._scroll_x):
            return self._layout[1]
        _, row_hits, row_width = self._layout_row(None, self._kept(width))
        hits = [(start - self._scroll_x, end - self._scroll_x, index) for start, end, index in row_hits]
        palette_space = 0
        if self._shown[1] is not None:
            palette_width = sum(segment.cell_length for segment in self._palette_segments(False))
            palette_space = palette_width + PALETTE_MARGIN_RIGHT[self.compact]
            end = width - PALETTE_MARGIN_RIGHT[self.compact]
            hits.insert(0, (max(0, end - palette_width), end, len(self._keys) - 1))
        max_scroll = max(0, row_width + palette_space - width)  # as Footer's virtual width
        self._layout = ((width, self._scroll_x), (hits, max_scroll))
        return self._layout[1]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y != 0 or not self._keys:
            return Strip.blank(width, self._get_styles()["blank"])
        cache_key = (width, self._scroll_x, self._hover)
        if self._strip is None or self._strip[0] != cache_key:
            self._strip = (cache_key, self._render_line())
        return self._strip[1]

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_x = min(self._scroll_x, self._get_layout()[1])
        self._set_hover()

    # ---------------------------------------------------------------- mouse

    def _key_at(self, x: int | None) -> int | None:
        if x is None or not self._keys:
            return None
        for start, end, index in self._get_layout()[0]:
            if start <= x < end:
                return index
        return None

    def _set_hover(self) -> None:
        """Highlight the key under the pointer (FooterKey:hover), with its tooltip and the
        pointer shape FooterKey asks for."""
        hover = self._key_at(self._mouse_x) if self._keys else None
        if hover == self._hover:
            return
        self._hover = hover
        key = self._keys[hover] if hover is not None else None
        self.tooltip = (key.tooltip or None) if key is not None else None
        self.styles.pointer = "pointer" if key is not None else "default"
        self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._mouse_x = event.x
        self._set_hover()

    def on_leave(self, event: events.Leave) -> None:
        self._mouse_x = None
        self._set_hover()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self._key_at(event.x)
        if index is None:
            return
        key = self._keys[index]
        if key.enabled:
            self.app.simulate_key(key.key)  # as FooterKey: the key runs as if typed
        else:
            self.app.bell()

    def _scroll_by(self, cells: int) -> bool:
        scroll_x = max(0, min(self._scroll_x + cells, self._get_layout()[1]))
        if scroll_x == self._scroll_x:
            return False
        self._scroll_x = scroll_x
        self._set_hover()
        self.refresh()
        return True

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        # Footer scrolls its keys sideways when they do not fit (the palette key stays).
        if self._scroll_by(int(self.app.scroll_sensitivity_x)):
            event.stop()
            event.prevent_default()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self._scroll_by(-int(self.app.scroll_sensitivity_x)):
            event.stop()
            event.prevent_default()
