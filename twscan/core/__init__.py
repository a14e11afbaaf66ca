"""The shared plain modules at the bottom of twscan: the finding model, records, redaction,
messages, errors, safe file reading, progress and the user cache.

Every other part imports these; they import nothing else from twscan except each other, so
any part (the commit hook above all) can use them without pulling in the engine, the triage
step or the network features.
"""
