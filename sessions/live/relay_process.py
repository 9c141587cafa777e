"""``python -m sessions.live.relay_process``: entry point of a fan-out helper.

A separate module because :mod:`sessions.live.relay` is already imported by the package
when ``-m`` would run it, which Python warns about (the module would exist twice).
"""

from sessions.live.relay import main

if __name__ == "__main__":
    main()
