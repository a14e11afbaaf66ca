"""The detection engine: rules in, findings out, for one text at a time.

Sources (``twscan.sources``) hand it bytes; triage and reports take its findings. Inside, in
the order a text meets them:

1. ``rules``: the TOML rule files (``rules/*.toml``, shipped as ``twscan/rules``) loaded and
   validated; ``userpattern`` runs the patterns a user wrote with a time limit.
2. ``gate``: the cheap first look at the raw bytes, can any rule match here at all? Most
   files stop here.
3. ``codec``: the decoders. ``codec.text`` turns bytes into text (UTF-16/32, binary data);
   ``codec.layers`` reveals what base64, URL encoding and JSON escapes hide.
4. ``engine``: :class:`~twscan.detect.engine.Detector` runs the rules' patterns on the text,
   then ``checks`` (structural checks a rule names, e.g. a JWT's header), ``placeholders``
   (documentation values and masks) and ``context``, the context judge that decides whether
   a bare 32-character value is a credential; it pairs ids with secrets and dedupes.

Nothing is re-exported here: importing ``twscan.detect.gate`` must not load the whole
engine, and the commit hook imports only the modules it uses.
"""
