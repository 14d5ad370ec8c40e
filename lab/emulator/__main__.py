"""``python -m lab.emulator NAME --port P --home DIR``: run one emulator (see ``server.py``)."""

from lab.emulator.server import main

main()
