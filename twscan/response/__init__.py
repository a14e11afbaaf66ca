"""``twscan respond``: Twilio's account-takeover checklist, planned and executed through its API.

After the findings: :mod:`credentials` (what to act with), :mod:`leaks` (what a report found),
:mod:`survey` (the account as Twilio shows it, read-only), :mod:`plan` (the checklist, each step
automatic or manual), :mod:`journal` (what was done, for resuming and for the record),
:mod:`execute` (the automatic steps), :mod:`handover` (the one place a new token goes) and
:mod:`render` (text and JSON). The network code (:mod:`twscan.net.twilio`) is imported by this
command only.
"""
