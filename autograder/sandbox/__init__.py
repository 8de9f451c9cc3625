"""The limits student code runs under and the processes that enforce them (bubblewrap, rlimits).

What runs *inside* the sandbox lives in ``autograder/jail/``, the only part of
the kit mounted there.
"""
