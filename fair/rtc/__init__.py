"""WebRTC mechanisms the live stage (:mod:`sessions.live`) and the booths' appointment
call relay (:mod:`booths.call_relay`) share: checks on untrusted SDP offers
(:mod:`.sdp`), the refusal with an HTTP status (:mod:`.errors`), aiortc's configuration
(:mod:`.config`) and the signalling request with its per-client limit (:mod:`.signalling`).

Nothing here knows about sessions or booths; the domains build their peers on these.
"""
