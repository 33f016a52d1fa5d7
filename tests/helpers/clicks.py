"""What the front end sends when a person clicks in the review panel, for tests that drive it from Python."""

from __future__ import annotations

import ipywidgets as w

from opus_nb.widgets._panel import ReviewPanel


def click_in_grid(panel: ReviewPanel, action: str, key: str) -> None:
    """What the grid's JavaScript sends when a row button is clicked."""
    panel.grid._handle_custom_msg({"action": action, "keys": [key]}, [])


def click_in_browser(button: w.Button) -> None:
    """What the front end sends when a person clicks a button (the comm message of ipywidgets' Button)."""
    button._handle_button_msg(None, {"event": "click"}, [])
