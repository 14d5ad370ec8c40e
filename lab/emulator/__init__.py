"""The emulator framework: HTTPS API emulators with auth, persisted state, request log and faults.

Writing an emulator::

    from starlette.routing import Route
    from lab.emulator import BasicAuth, Emulator, register

    class OpnsenseEmulator(Emulator):
        backend = "opnsense"
        auth = BasicAuth(key_field="key", secret_field="secret")

        def initial_state(self):
            return {"vlans": {}}

        def routes(self):
            return [Route("/api/interfaces/vlan_settings/get", self.list_vlans)]
        ...

and registering it, either as a built-in (``BUILTIN_EMULATORS`` in ``registry.py``, started by
``iac lab up``) or at run time with ``register("opnsense", OpnsenseEmulator)``.
"""

from lab.emulator.auth import AuthScheme, BasicAuth, BearerTokenAuth, HeaderTokenAuth, NoAuth
from lab.emulator.base import HEALTH_PATH, LAB_TOKEN_HEADER, Emulator
from lab.emulator.faults import Fault, FaultBook, FaultError, FaultMatch
from lab.emulator.registry import emulator_class, register, registered_names, unregister

__all__ = [
    "HEALTH_PATH",
    "LAB_TOKEN_HEADER",
    "AuthScheme",
    "BasicAuth",
    "BearerTokenAuth",
    "Emulator",
    "Fault",
    "FaultBook",
    "FaultError",
    "FaultMatch",
    "HeaderTokenAuth",
    "NoAuth",
    "emulator_class",
    "register",
    "registered_names",
    "unregister",
]
