"""The decoders, kept together: ``text`` turns raw bytes into text without guessing from file
names; ``layers`` decodes base64, URL encoding and JSON escapes so that the rules see what they
hide. Nothing is re-exported, so each is imported only by the path that needs it.
"""

#: Nested encodings decoded by default (base64 of a base64'd .env is depth 2). Kept here, not in
#: ``layers``, so that setting a scan up does not load the decoders: a commit whose change
#: holds nothing Twilio-like never needs them.
MAX_DEPTH = 2
