"""The command-line interface: parse, call :mod:`aftershock.api`, render."""
