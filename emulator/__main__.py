"""`python -m emulator --port 9100`."""

from emulator.app import main

main()
