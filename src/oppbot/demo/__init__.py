"""oppbot's demo data: `demo.yaml`, a set-up file loaded by `oppbot setup demo` (oppbot.service.setup)."""
