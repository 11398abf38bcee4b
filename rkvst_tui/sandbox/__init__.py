"""The local RKVST sandbox: a faithful emulator of the IAM API on loopback."""
