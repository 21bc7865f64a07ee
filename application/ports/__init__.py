"""The ports the use cases need, as small Protocols, one module per concern (the records they carry are
application/records.py). Import from the modules; nothing is re-exported here."""
