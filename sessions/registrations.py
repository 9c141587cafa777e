"""What the programme tells the core, called by the app factory: its addresses (for the
series scope and the static export, :class:`fair.addresses.Addresses`) and the labels of
its values shown in pages and the audit trail, so the core names no programme path."""

from __future__ import annotations

from fair.app_services import AppServices
from fair.templating import N_


def register_with_core(services: AppServices) -> None:
    addresses = services.addresses
    addresses.detail.add(r"/sessions/\d+(/|$)")  # a session is found in any series
    # The programme, agenda, recordings (with chapters, posters and captions), each
    # session with its recordings and material, and the schedule files: a static copy.
    addresses.exported.add(
        r"/programme$",
        r"/agenda$",
        r"/recordings(/\d+(/(chapters\.vtt|poster\.jpg|captions/\w+\.vtt))?)?$",
        r"/sessions/\d+(/recordings/\d+)?$",
        r"/sessions/\d+/materials/\d+/download\.\w+$",
        r"/schedule\.(ics|xml|json)$",
    )
    addresses.export_start.extend(
        ["/programme", "/recordings", "/agenda", "/schedule.ics", "/schedule.xml", "/schedule.json"]
    )
    addresses.export_query.update(("day", "stage", "topic", "by"))  # programme filters
    addresses.add_export_file(r"/sessions/.*/recordings/", ".mp4")
    services.templates.add_labels(
        {
            "session": N_("Programmpunkt"),
            "stage": N_("Bühne"),
            "opening": N_("Grußwort"),
            "talk": N_("Fachbeitrag"),
            "panel": N_("Diskussionsrunde"),
            "workshop": N_("Workshop"),
            "scheduled": N_("geplant"),
            "live": N_("live"),
            "paused": N_("pausiert"),
            "ended": N_("beendet"),
        }
    )
