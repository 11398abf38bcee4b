"""The tab panes of the console: each gets the console's state in its constructor."""
