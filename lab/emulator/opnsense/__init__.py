"""The OPNsense REST API emulator of the lab (reference: shared/reference/opnsense-api.md)."""

from lab.emulator.opnsense.emulator import OpnsenseEmulator

__all__ = ["OpnsenseEmulator"]
