"""What the exhibition hall tells the core, called by the app factory: its addresses (for
the series scope and the static export, :class:`fair.addresses.Addresses`) and the labels
of its values shown in pages and the audit trail, so the core names no booth path."""

from __future__ import annotations

from fair.app_services import AppServices
from fair.templating import N_


def register_with_core(services: AppServices) -> None:
    addresses = services.addresses
    # The edit page and its forms work across series; a booth is found in any series.
    addresses.unscoped.add(r"/booths/[^/]+/(edit|logo|materials|contacts|links)")
    addresses.detail.add(r"/booths/[^/?]+(/|$)")
    # The hall, each booth, its logo and material downloads go into a static copy.
    addresses.exported.add(r"/booths(/[^/]+(/logo|/materials/\d+/download)?)?$")
    addresses.export_start.append("/booths")
    addresses.export_query.add("day")  # the hall by day
    addresses.add_export_file(r"/booths/.*/download$", ".pdf")  # materials: PDFs or slides
    addresses.add_export_file(r"/booths/.*/logo$", ".img")
    services.templates.add_labels(
        {
            "booth": N_("Stand"),
            "pdf": N_("PDF"),
            "slides": N_("Folien"),
            "video": N_("Video"),
            "document": N_("Dokument"),
            "image": N_("Bild"),
            "link": N_("Link"),
        }
    )
