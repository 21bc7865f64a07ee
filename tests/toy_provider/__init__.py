"""A provider that exists only here, to show what adding one takes: this folder (its adapter, `adapter.py`; its
emulator, `emulator.py`) and one line where the composition root lists the providers
(`build_container(settings, provider_adapters=(*PROVIDERS, TOY))`, `create_emulator_app(emulated=(*EMULATORS,
TOY_EMULATOR))`), with no edit to domain/, application/ or the HTTP layer."""
