"""Headless core: the RKVST wire contract, with no Textual and no Starlette."""
