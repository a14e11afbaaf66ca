"""The audit datastore (:mod:`db`): what an organisation audit remembers between runs, and
the merge of the shards of one audit (:mod:`merge`)."""
