"""fakenos NOS plugin for the netctl emulator, loaded by path (``nos: {plugin: <this file>}``).

fakenos builds one ``Nos`` per host from this file. The emulator's own state machine
(``netctl.testing.emulator.session``) answers every line, so the plugin declares no canned
commands: it only satisfies fakenos's host model. Keep this file free of imports: fakenos
executes it once per host start.
"""

NAME = "netctl_emulator"
INITIAL_PROMPT = "{base_prompt}>"
DEVICE_NAME = "EmulatedNos"
commands: dict[str, dict[str, str]] = {}


class EmulatedNos:
    """The per-host device object fakenos instantiates; state lives in the emulator's Device."""

    def __init__(self, configuration_file: str | None = None) -> None:
        self.configuration_file = configuration_file
