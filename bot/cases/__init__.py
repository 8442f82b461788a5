"""The domain core: rules, routing, states and transitions of a log-request case.

It imports only the standard library (a test walks the imports), so every rule is a pure
function with the clock passed in.
"""
