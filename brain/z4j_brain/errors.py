"""Errors an operator can cause at startup, with the setting and the fix to name."""

from __future__ import annotations


class ConfigError(Exception):
    """A setting or environment problem that stops the brain from starting.

    The CLI prints it as one line (``z4j: <setting>: <message> (fix: <fix>)``) and exits 2,
    never with a traceback: the operator needs the name of the thing to change, not our stack.
    """

    exit_code = 2

    def __init__(self, setting: str, message: str, fix: str = "") -> None:
        self.setting = setting
        self.message = message
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The single line shown to the operator."""
        line = f"{self.setting}: {self.message}"
        return f"{line} (fix: {self.fix})" if self.fix else line
