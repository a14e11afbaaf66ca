"""The decoders, kept together: ``text`` turns raw bytes into text without guessing from file
names; ``layers`` decodes base64, URL encoding and JSON escapes so that the rules see what they
hide. Nothing is re-exported, so each is imported only by the path that needs it.
"""
