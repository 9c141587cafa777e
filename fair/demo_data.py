# ruff: noqa: E501
# (Data module: long German prose lines are kept on one line each on purpose.)
"""Demo content for a virtual trade fair: plain, deterministic data, no database code.

The demo fair is modelled on the NRW municipal IT event series "Digitale Services – von
Kommunen für Kommunen" (KDN, Landesministerium, Digitale Modellregionen NRW, November
2020) but set in the future: five weekdays from Monday 2026-11-30 to Friday 2026-12-04,
each hosted by one of the five Digitale Modellregionen.

All people, e-mail addresses and phone numbers are fictional. E-mail addresses use only
``example.org`` / ``example.com``; websites point to ``https://example.org/...``.

**Times:** every ``datetime`` / ``time`` in this module is a *naive* value meaning local
time in ``Europe/Berlin`` (see :data:`SERIES`.time_zone). Attach the zone with
``zoneinfo.ZoneInfo(SERIES.time_zone)`` when storing them.

Everything is built once at import time; the only randomness is a
``random.Random(2020)`` instance, so the output is identical on every run.
:func:`validate` checks the invariants and returns a list of problems (empty when fine).
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, Literal

OrgKind = Literal[
    "host_region", "it_provider", "municipality", "ministry", "association", "company", "research"
]
MaterialKind = Literal["pdf", "slides", "video", "link"]
SessionKind = Literal["opening", "talk", "panel", "workshop"]
UserRole = Literal["organiser", "exhibitor", "speaker"]

ORG_KINDS: Final[tuple[str, ...]] = (
    "host_region",
    "it_provider",
    "municipality",
    "ministry",
    "association",
    "company",
    "research",
)
MATERIAL_KINDS: Final[tuple[str, ...]] = ("pdf", "slides", "video", "link")
SESSION_KINDS: Final[tuple[str, ...]] = ("opening", "talk", "panel", "workshop")
ALLOWED_EMAIL_DOMAINS: Final[tuple[str, ...]] = ("example.org", "example.com")


# --------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    title: str
    slug: str
    acronym: str
    description: str  # Markdown, German
    time_zone: str  # all naive times in this module are local times in this zone
    start_date: date
    end_date: date
    default_language: str = "de"


@dataclass(frozen=True)
class Topic:
    slug: str
    name_de: str
    name_en: str


@dataclass(frozen=True)
class Organisation:
    slug: str
    name: str
    kind: OrgKind
    city: str
    website: str
    description: str


@dataclass(frozen=True)
class Day:
    index: int  # 0..4
    date: date
    host: str  # Organisation.slug of the host region
    title: str
    start: time  # Europe/Berlin local time
    end: time  # Europe/Berlin local time
    description: str  # Markdown, German
    topics: tuple[str, ...]  # Topic.slug, focus topics of the day

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.date, self.end)


@dataclass(frozen=True)
class Stage:
    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class Material:
    title: str
    kind: MaterialKind
    filename: str | None = None  # for pdf / slides / video
    size_bytes: int | None = None  # estimate, for files only
    url: str | None = None  # for links only


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    email: str
    phone: str
    availability: str


@dataclass(frozen=True)
class Booth:
    slug: str
    org: str  # Organisation.slug
    name: str
    tagline: str
    description: str  # Markdown, German
    topics: tuple[str, ...]  # 1–2 Topic.slug
    day: int  # index into DAYS on which the booth is featured
    materials: tuple[Material, ...]
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str  # role / job title
    org: str  # Organisation.slug
    bio: str
    moderator: bool = False


@dataclass(frozen=True)
class Session:
    slug: str
    title: str
    kind: SessionKind
    day: int  # index into DAYS
    stage: str  # Stage.slug
    start: datetime  # naive, Europe/Berlin local time
    duration_min: int
    abstract: str
    topic: str  # Topic.slug
    language: str  # "de" or "en"
    speakers: tuple[Speaker, ...]  # includes the moderator (Speaker.moderator=True) if any
    booths: tuple[str, ...] = ()  # Booth.slug, 0–2
    do_not_record: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_min)


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str  # Markdown, German


@dataclass(frozen=True)
class DemoUser:
    email: str
    display_name: str
    role: UserRole
    organisations: tuple[str, ...] = ()  # Organisation.slug (exhibitors: 1–2)
    speaker_name: str | None = None  # Speaker.name as used in SESSIONS (speakers)
    # No password here: the seeding code sets one from its own argument.


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

_TRANSLIT: Final[dict[str, str]] = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "ß": "ss",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
}


def slugify(text: str, max_len: int = 60) -> str:
    """ASCII slug with German transliteration (``Bürgerbüro`` → ``buergerbuero``)."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    if len(text) > max_len:
        cut = text[: max_len + 1]
        text = cut.rsplit("-", 1)[0] if "-" in cut else text[:max_len]
    return text.rstrip("-")


def _site(slug: str) -> str:
    return f"https://example.org/{slug}"


# --------------------------------------------------------------------------------------
# Series, topics, stages
# --------------------------------------------------------------------------------------

SERIES: Final[Series] = Series(
    title="Digitale Services – von Kommunen für Kommunen 2026",
    slug="digitale-services-2026",
    acronym="DSK26",
    description=(
        "**Kommunen lernen von Kommunen.** Fünf Tage, fünf Digitale Modellregionen, eine virtuelle Messe: "
        "Die Veranstaltungsreihe zeigt erprobte, *übertragbare* Lösungen aus nordrhein-westfälischen "
        "Kommunen und ihren IT-Dienstleistern – vom Onlinezugang nach OZG über Smart-City-Sensorik "
        "bis zur digitalen Schulanmeldung.\n\n"
        "Jeder Veranstaltungstag wird von einer anderen Region ausgerichtet und beginnt mit einem "
        "Grußwort der Gastgeber. Danach erwarten Sie:\n\n"
        "- über 40 Fachbeiträge, Werkstätten und Diskussionsrunden mit Fragerunde,\n"
        "- 72 virtuelle Messestände mit Ansprechpersonen, Präsentationen und Leitfäden zur Nachnutzung,\n"
        "- Themenfelder von **E-Government** und **Bürgerservice** über **Mobilität** und **Sicherheit** "
        "bis **Bildung**, **Gesundheit** und **Smart City**.\n\n"
        "Die Teilnahme ist für Beschäftigte der öffentlichen Verwaltung kostenfrei. Vorträge werden – "
        "sofern nicht anders gekennzeichnet – aufgezeichnet und stehen nach der Messe zum Abruf bereit."
    ),
    time_zone="Europe/Berlin",
    start_date=date(2026, 11, 30),
    end_date=date(2026, 12, 4),
)

TOPICS: Final[tuple[Topic, ...]] = (
    Topic("e-government", "E-Government", "E-Government"),
    Topic("buergerservice", "Bürgerservice", "Citizen Services"),
    Topic("smart-city", "Smart City", "Smart City"),
    Topic("mobilitaet", "Mobilität", "Mobility"),
    Topic("sicherheit", "Sicherheit", "Safety & Security"),
    Topic("bildung", "Bildung", "Education"),
    Topic("gesundheit", "Gesundheit", "Health"),
    Topic("wirtschaft-arbeit", "Wirtschaft & Arbeit", "Business & Employment"),
)

STAGES: Final[tuple[Stage, ...]] = (
    Stage("hauptbuehne", "Hauptbühne", "Grußworte, Keynotes und Diskussionsrunden mit Fragerunde."),
    Stage("forum", "Forum", "Kompakte Praxisberichte aus Kommunen und IT-Dienstleistern."),
    Stage(
        "werkstatt",
        "Werkstatt",
        "Interaktive Formate in kleiner Runde – Kamera und Mikrofon erwünscht.",
    ),
)

# --------------------------------------------------------------------------------------
# Organisations (75)
# --------------------------------------------------------------------------------------

_ORG_ROWS: Final[tuple[tuple[str, str, OrgKind, str, str], ...]] = (
    # host regions
    (
        "modellregion-gelsenkirchen",
        "Digitale Modellregion Gelsenkirchen",
        "host_region",
        "Gelsenkirchen",
        "Die vernetzte Stadt: Gelsenkirchen verbindet Bürgerinnen und Bürger, Stadtwerke, Hochschule und Verwaltung über eine gemeinsame Dateninfrastruktur.",
    ),
    (
        "modellregion-aachen",
        "Digitale Modellregion Aachen",
        "host_region",
        "Aachen",
        "Stadt und StädteRegion Aachen treiben gemeinsam mit der Hochschullandschaft die medienbruchfreie Verwaltung voran.",
    ),
    (
        "modellregion-wuppertal",
        "Digitale Modellregion Wuppertal",
        "host_region",
        "Wuppertal",
        "Wuppertal und das Bergische Städtedreieck erproben digitale Angebote für Mobilität, Wirtschaft und lebendige Innenstädte.",
    ),
    (
        "modellregion-owl",
        "Digitale Modellregion Ostwestfalen-Lippe",
        "host_region",
        "Paderborn",
        "Die Region OWL mit der Stadt und dem Kreis Paderborn entwickelt nachnutzbare Serviceportale, Bildungs- und Sicherheitslösungen.",
    ),
    (
        "modellregion-soest",
        "Digitale Modellregion Soest",
        "host_region",
        "Soest",
        "Stadt und Kreis Soest zeigen, wie Digitalisierung im ländlichen Raum Daseinsvorsorge, Gesundheit und Ehrenamt stärkt.",
    ),
    # ministries
    (
        "mwide",
        "Ministerium für Wirtschaft, Innovation, Digitalisierung und Energie NRW",
        "ministry",
        "Düsseldorf",
        "Fördert die Digitalen Modellregionen und koordiniert die Digitalstrategie des Landes.",
    ),
    (
        "msb-nrw",
        "Ministerium für Schule und Bildung NRW",
        "ministry",
        "Düsseldorf",
        "Verantwortet die landesweiten OZG-Leistungen rund um Schule, Schulanmeldung und Schülerbeförderung.",
    ),
    (
        "im-nrw",
        "Ministerium des Innern NRW",
        "ministry",
        "Düsseldorf",
        "Zuständig für Bevölkerungsschutz, Warnung der Bevölkerung und Informationssicherheit der Kommunen.",
    ),
    # associations
    (
        "kdn",
        "KDN – Dachverband kommunaler IT-Dienstleister",
        "association",
        "Köln",
        "Dachverband der kommunalen IT-Dienstleister in NRW; koordiniert die OZG-Themenfelder und das Kommunalportal.NRW.",
    ),
    (
        "staedtetag-nrw",
        "Städtetag Nordrhein-Westfalen",
        "association",
        "Köln",
        "Kommunaler Spitzenverband der kreisfreien und großen kreisangehörigen Städte in NRW.",
    ),
    (
        "landkreistag-nrw",
        "Landkreistag Nordrhein-Westfalen",
        "association",
        "Düsseldorf",
        "Interessenvertretung der 31 Kreise in Nordrhein-Westfalen.",
    ),
    (
        "stgb-nrw",
        "Städte- und Gemeindebund NRW",
        "association",
        "Düsseldorf",
        "Spitzenverband der kreisangehörigen Städte und Gemeinden in NRW.",
    ),
    (
        "vitako",
        "Vitako – Bundes-Arbeitsgemeinschaft der Kommunalen IT-Dienstleister",
        "association",
        "Berlin",
        "Bundesweites Netzwerk kommunaler IT-Dienstleister für Austausch, Standards und gemeinsame Positionen.",
    ),
    # IT providers
    (
        "krz",
        "Kommunales Rechenzentrum Minden-Ravensberg/Lippe (krz)",
        "it_provider",
        "Lemgo",
        "Zweckverband mit 40 Verbandskommunen; Entwickler von Schüler Online und Anbieter der Beratung DigiCheck@Kom.",
    ),
    (
        "regio-it",
        "regio iT",
        "it_provider",
        "Aachen",
        "IT-Dienstleister für Kommunen, Schulen und Energieversorger im Rheinland.",
    ),
    (
        "suedwestfalen-it",
        "Südwestfalen-IT (SIT)",
        "it_provider",
        "Iserlohn",
        "Kommunaler IT-Dienstleister für die Kreise und Kommunen in Südwestfalen.",
    ),
    (
        "gkd-recklinghausen",
        "GKD Recklinghausen",
        "it_provider",
        "Recklinghausen",
        "Gemeinsames Kommunales Datenverarbeitungszentrum für den Kreis Recklinghausen und seine Städte.",
    ),
    (
        "gkd-emscher-lippe",
        "GKD Emscher-Lippe",
        "it_provider",
        "Gelsenkirchen",
        "IT-Partner der Städte Gelsenkirchen und Bottrop für Fachverfahren, Netze und Bürgerservices.",
    ),
    (
        "itk-rheinland",
        "ITK Rheinland",
        "it_provider",
        "Neuss",
        "Kommunaler IT-Dienstleister für Städte am Niederrhein mit Schwerpunkt Infrastruktur und Sicherheit.",
    ),
    (
        "citeq",
        "citeq",
        "it_provider",
        "Münster",
        "IT-Dienstleister der Stadt Münster mit eigenen Lösungen für Onlinedienste und Geodaten.",
    ),
    (
        "kdvz-rhein-erft-rur",
        "KDVZ Rhein-Erft-Rur",
        "it_provider",
        "Frechen",
        "Zweckverband für die IT der Kommunen in den Kreisen Rhein-Erft, Düren und Euskirchen.",
    ),
    (
        "civitec",
        "civitec",
        "it_provider",
        "Siegburg",
        "Zweckverband Kommunale Informationsverarbeitung für Kommunen im Rheinland.",
    ),
    (
        "d-nrw",
        "d-NRW AöR",
        "it_provider",
        "Dortmund",
        "Anstalt öffentlichen Rechts von Land und Kommunen für gemeinsame Basisdienste wie das Servicekonto.NRW.",
    ),
    # municipalities
    (
        "stadt-gelsenkirchen",
        "Stadt Gelsenkirchen",
        "municipality",
        "Gelsenkirchen",
        "Kreisfreie Stadt im Ruhrgebiet und Gastgeberin des ersten Veranstaltungstags.",
    ),
    (
        "stadt-bottrop",
        "Stadt Bottrop",
        "municipality",
        "Bottrop",
        "Innovation-City im Ruhrgebiet mit starkem Fokus auf Klimaschutz und Bürgerbeteiligung.",
    ),
    (
        "stadt-recklinghausen",
        "Stadt Recklinghausen",
        "municipality",
        "Recklinghausen",
        "Kreisstadt im nördlichen Ruhrgebiet.",
    ),
    (
        "kreis-recklinghausen",
        "Kreis Recklinghausen",
        "municipality",
        "Recklinghausen",
        "Bevölkerungsreichster Kreis Deutschlands mit zehn kreisangehörigen Städten.",
    ),
    (
        "stadt-aachen",
        "Stadt Aachen",
        "municipality",
        "Aachen",
        "Grenzstadt im Dreiländereck und Gastgeberin des zweiten Veranstaltungstags.",
    ),
    (
        "staedteregion-aachen",
        "StädteRegion Aachen",
        "municipality",
        "Aachen",
        "Kommunaler Verbund aus der Stadt Aachen und neun weiteren Städten und Gemeinden.",
    ),
    (
        "stadt-dueren",
        "Stadt Düren",
        "municipality",
        "Düren",
        "Mittelstadt zwischen Aachen und Köln.",
    ),
    (
        "stadt-herzogenrath",
        "Stadt Herzogenrath",
        "municipality",
        "Herzogenrath",
        "Grenzstadt in der StädteRegion Aachen.",
    ),
    (
        "stadt-wuppertal",
        "Stadt Wuppertal",
        "municipality",
        "Wuppertal",
        "Größte Stadt des Bergischen Landes und Gastgeberin des dritten Veranstaltungstags.",
    ),
    (
        "stadt-solingen",
        "Stadt Solingen",
        "municipality",
        "Solingen",
        "Klingenstadt im Bergischen Städtedreieck.",
    ),
    (
        "stadt-remscheid",
        "Stadt Remscheid",
        "municipality",
        "Remscheid",
        "Industriestadt im Bergischen Land.",
    ),
    (
        "stadt-velbert",
        "Stadt Velbert",
        "municipality",
        "Velbert",
        "Schlüsselstadt im Kreis Mettmann.",
    ),
    (
        "stadt-paderborn",
        "Stadt Paderborn",
        "municipality",
        "Paderborn",
        "Oberzentrum in Ostwestfalen und Gastgeberin des vierten Veranstaltungstags.",
    ),
    (
        "kreis-paderborn",
        "Kreis Paderborn",
        "municipality",
        "Paderborn",
        "Kreis mit zehn Städten und Gemeinden in Ostwestfalen.",
    ),
    (
        "stadt-bielefeld",
        "Stadt Bielefeld",
        "municipality",
        "Bielefeld",
        "Größte Stadt in Ostwestfalen-Lippe.",
    ),
    (
        "stadt-delbrueck",
        "Stadt Delbrück",
        "municipality",
        "Delbrück",
        "Flächenstadt im Kreis Paderborn mit LoRaWAN-Pilotprojekt.",
    ),
    (
        "kreis-lippe",
        "Kreis Lippe",
        "municipality",
        "Detmold",
        "Kreis mit 16 Städten und Gemeinden im Osten von OWL.",
    ),
    (
        "stadt-detmold",
        "Stadt Detmold",
        "municipality",
        "Detmold",
        "Residenzstadt und Sitz der Bezirksregierung.",
    ),
    (
        "stadt-guetersloh",
        "Stadt Gütersloh",
        "municipality",
        "Gütersloh",
        "Mittelstadt mit einer der meistgenutzten Stadtbibliotheken in OWL.",
    ),
    (
        "kreis-herford",
        "Kreis Herford",
        "municipality",
        "Herford",
        "Schulträger und Medienzentrum für neun kreisangehörige Kommunen.",
    ),
    (
        "stadt-minden",
        "Stadt Minden",
        "municipality",
        "Minden",
        "Kreisstadt an Weser und Mittellandkanal.",
    ),
    (
        "stadt-soest",
        "Stadt Soest",
        "municipality",
        "Soest",
        "Hansestadt mit 18 Ortsteilen und Gastgeberin des fünften Veranstaltungstags.",
    ),
    (
        "kreis-soest",
        "Kreis Soest",
        "municipality",
        "Soest",
        "Ländlich geprägter Kreis zwischen Ruhrgebiet und Sauerland.",
    ),
    (
        "stadt-lippstadt",
        "Stadt Lippstadt",
        "municipality",
        "Lippstadt",
        "Größte Stadt im Kreis Soest.",
    ),
    (
        "stadt-arnsberg",
        "Stadt Arnsberg",
        "municipality",
        "Arnsberg",
        "Stadt an der Ruhr im Hochsauerlandkreis.",
    ),
    ("stadt-werl", "Stadt Werl", "municipality", "Werl", "Wallfahrtsstadt im Kreis Soest."),
    (
        "stadt-iserlohn",
        "Stadt Iserlohn",
        "municipality",
        "Iserlohn",
        "Größte Stadt im Märkischen Kreis.",
    ),
    (
        "stadt-siegen",
        "Stadt Siegen",
        "municipality",
        "Siegen",
        "Universitätsstadt und Oberzentrum Südwestfalens.",
    ),
    (
        "stadt-muenster",
        "Stadt Münster",
        "municipality",
        "Münster",
        "Universitäts- und Fahrradstadt im Münsterland.",
    ),
    (
        "stadt-dortmund",
        "Stadt Dortmund",
        "municipality",
        "Dortmund",
        "Größte Stadt des Ruhrgebiets mit eigener Smart-City-Allianz.",
    ),
    (
        "stadt-bochum",
        "Stadt Bochum",
        "municipality",
        "Bochum",
        "Ruhrgebietsstadt mit Digitalstrategie „Bochum Strategie 2030“.",
    ),
    (
        "stadt-hamm",
        "Stadt Hamm",
        "municipality",
        "Hamm",
        "Kreisfreie Stadt am Ostrand des Ruhrgebiets.",
    ),
    # research
    (
        "westfaelische-hochschule",
        "Westfälische Hochschule",
        "research",
        "Gelsenkirchen",
        "Hochschule für angewandte Wissenschaften mit Forschung zu urbanen Daten und Internet der Dinge.",
    ),
    (
        "rwth-aachen",
        "RWTH Aachen – Lehrstuhl für Verwaltungsinformatik (Demo)",
        "research",
        "Aachen",
        "Forschungsgruppe zu Prozessmanagement und digitaler Verwaltung.",
    ),
    (
        "uni-wuppertal",
        "Bergische Universität Wuppertal",
        "research",
        "Wuppertal",
        "Forschung zu Verkehrsplanung, Radverkehr und Stadtentwicklung.",
    ),
    (
        "uni-paderborn",
        "Universität Paderborn",
        "research",
        "Paderborn",
        "Mitglied im Konsortium INSPIRE zur Einsatzunterstützung der zivilen Gefahrenabwehr.",
    ),
    (
        "fh-suedwestfalen",
        "Fachhochschule Südwestfalen",
        "research",
        "Soest",
        "Hochschule mit Schwerpunkten in Agrarwirtschaft, Umwelttechnik und Sensorik.",
    ),
    (
        "th-owl",
        "Technische Hochschule Ostwestfalen-Lippe",
        "research",
        "Lemgo",
        "Angewandte Forschung zu Geoinformatik, Mobilität und Stadtplanung.",
    ),
    # companies (fictional)
    (
        "stadtwerke-emscher-digital",
        "Stadtwerke Emscher Digital GmbH",
        "company",
        "Gelsenkirchen",
        "Fiktives Tochterunternehmen kommunaler Stadtwerke für Glasfaser, LoRaWAN und smarte Straßenbeleuchtung.",
    ),
    (
        "parkraum-plus",
        "Parkraum Plus GmbH",
        "company",
        "Essen",
        "Fiktiver Anbieter von Sensorik und Software für das kommunale Parkraummanagement.",
    ),
    (
        "quartiersnetz",
        "Quartiersnetz eG",
        "company",
        "Bochum",
        "Fiktive Genossenschaft, die Nachbarschaftsplattformen für Stadtteile und Dörfer betreibt.",
    ),
    (
        "klartext-barrierefrei",
        "Klartext Barrierefrei GmbH",
        "company",
        "Dortmund",
        "Fiktive Agentur für barrierefreie Webauftritte und Leichte Sprache.",
    ),
    (
        "ki-werkstatt-aachen",
        "KI-Werkstatt Aachen GmbH",
        "company",
        "Aachen",
        "Fiktives Ausgründungs-Start-up für Dokumentenklassifikation in Behörden.",
    ),
    (
        "formularwerk",
        "Formularwerk GmbH",
        "company",
        "Köln",
        "Fiktiver Hersteller eines Formularservers mit XÖV-Schnittstellen.",
    ),
    (
        "buergerdialog-software",
        "Bürgerdialog Software AG",
        "company",
        "Aachen",
        "Fiktiver Anbieter von Beteiligungsplattformen für Kommunen.",
    ),
    (
        "wupperbus",
        "Wupperbus Mobilitätsdienste GmbH",
        "company",
        "Wuppertal",
        "Fiktiver Betreiber von On-Demand-Shuttles im Bergischen Land.",
    ),
    (
        "geodaten-kontor",
        "Geodaten Kontor GmbH",
        "company",
        "Münster",
        "Fiktives Büro für Geoinformationssysteme und Baustellenkoordination.",
    ),
    (
        "schulcloud-westfalen",
        "Schulcloud Westfalen eG",
        "company",
        "Bielefeld",
        "Fiktive Genossenschaft von Schulträgern für Lernplattformen und Geräteverwaltung.",
    ),
    (
        "telemed-sauerland",
        "Telemed Sauerland GmbH",
        "company",
        "Meschede",
        "Fiktiver Betreiber einer Telenotarzt-Zentrale für ländliche Rettungsdienstbereiche.",
    ),
    (
        "rettungsdaten-systeme",
        "Rettungsdaten Systeme GmbH",
        "company",
        "Hamm",
        "Fiktiver Hersteller einer Software zur digitalen Einsatzdokumentation.",
    ),
    (
        "datenbruecke-rheinland",
        "Datenbrücke Rheinland GmbH",
        "company",
        "Düsseldorf",
        "Fiktiver Integrationsdienstleister für Fachverfahren und Schnittstellen.",
    ),
    (
        "lernpfad-verwaltung",
        "Lernpfad Verwaltung GmbH",
        "company",
        "Münster",
        "Fiktiver Anbieter von E-Learning für Beschäftigte der öffentlichen Verwaltung.",
    ),
)

ORGANISATIONS: Final[tuple[Organisation, ...]] = tuple(
    Organisation(slug, name, kind, city, _site(slug), description)
    for slug, name, kind, city, description in _ORG_ROWS
)
ORGS_BY_SLUG: Final[dict[str, Organisation]] = {o.slug: o for o in ORGANISATIONS}

# --------------------------------------------------------------------------------------
# Days (Mon 2026-11-30 … Fri 2026-12-04, Europe/Berlin local times)
# --------------------------------------------------------------------------------------

DAYS: Final[tuple[Day, ...]] = (
    Day(
        0,
        date(2026, 11, 30),
        "modellregion-gelsenkirchen",
        "Tag 1: Vernetzte Stadt & Bürgerservice – gastgebende Region Gelsenkirchen",
        time(9, 0),
        time(16, 0),
        "Zum Auftakt zeigt Gelsenkirchen, wie eine **offene Dateninfrastruktur**, eine Bürger-ID auf dem Smartphone und smarte Straßenbeleuchtung zusammenspielen. Am Nachmittag geht es um Bürgerservice rund um die Uhr – vom Mängelmelder bis zum Chatbot.",
        ("smart-city", "buergerservice"),
    ),
    Day(
        1,
        date(2026, 12, 1),
        "modellregion-aachen",
        "Tag 2: E-Government & digitale Verwaltung – gastgebende Region Aachen",
        time(9, 0),
        time(16, 0),
        "Aachen lädt ein zum Blick hinter die Kulissen: **E-Akte**, digitaler Bauantrag, KI im Posteingang und die Frage, wie aus einzelnen OZG-Anträgen durchgängig digitale Prozesse werden.",
        ("e-government",),
    ),
    Day(
        2,
        date(2026, 12, 2),
        "modellregion-wuppertal",
        "Tag 3: Mobilität, Wirtschaft & Innenstadt – gastgebende Region Wuppertal",
        time(9, 0),
        time(16, 0),
        "Das Bergische Städtedreieck stellt Mobilitätsdaten, On-Demand-Verkehre und digitale Unternehmensservices vor. In der Diskussionsrunde geht es um die **Innenstadt der Zukunft**.",
        ("mobilitaet", "wirtschaft-arbeit"),
    ),
    Day(
        3,
        date(2026, 12, 3),
        "modellregion-owl",
        "Tag 4: Bildung & Sicherheit – gastgebende Region Ostwestfalen-Lippe",
        time(9, 0),
        time(16, 0),
        "OWL zeigt seine Leuchtturmprojekte: **Schulanmeldung. Einfach. Online**, das digitale Schülerticket, nachnutzbare Serviceportale aus Paderborn und Bielefeld, LoRaWAN in Delbrück und das Konsortium INSPIRE für die zivile Gefahrenabwehr.",
        ("bildung", "sicherheit"),
    ),
    Day(
        4,
        date(2026, 12, 4),
        "modellregion-soest",
        "Tag 5: Gesundheit & ländlicher Raum – gastgebende Region Soest",
        time(9, 0),
        time(16, 0),
        "Zum Abschluss geht es aufs Land: digitales Gesundheitsamt, Telenotarzt, Dorf-Apps und Hochwasserwarnung. Die **Abschlussrunde** bringt alle fünf Gastgeberregionen zusammen.",
        ("gesundheit", "smart-city"),
    ),
)

# --------------------------------------------------------------------------------------
# Booths (72). Rows: day, slug, org, name, tagline, topics (space separated), description
# --------------------------------------------------------------------------------------

_BOOTH_ROWS: Final[tuple[tuple[int, str, str, str, str, str, str], ...]] = (
    # ---- Tag 1: Gelsenkirchen -----------------------------------------------------------
    (
        0,
        "ge-buerger-app",
        "stadt-gelsenkirchen",
        "Gelsenkirchen-App & Bürger-ID",
        "Ein Login für Bibliothek, Bad und Bürgerbüro",
        "smart-city buergerservice",
        "Mit der Gelsenkirchen-App weisen sich Bürgerinnen und Bürger per **Bürger-ID auf dem Smartphone** aus – in der Stadtbibliothek, im Hallenbad und bei ausgewählten Onlinediensten. Die App nutzt den Login des Servicekonto.NRW und speichert keine Ausweisdaten lokal. Am Stand zeigen wir den Registrierungsprozess und die Schnittstellen für teilnehmende Einrichtungen.",
    ),
    (
        0,
        "ge-open-data",
        "modellregion-gelsenkirchen",
        "Open-Data-Portal Emscher-Lippe",
        "Über 400 Datensätze unter offener Lizenz",
        "smart-city e-government",
        "Das regionale Open-Data-Portal bündelt Datensätze aus Verwaltung, Stadtwerken und Verkehrsbetrieben – von Haltestellen über Spielplätze bis zu Wahlergebnissen. Alle Daten stehen unter **Datenlizenz Deutschland – Zero** und werden automatisiert aus den Fachverfahren aktualisiert.\n\n- CKAN-basiert, DCAT-AP.de-konform\n- Harvesting durch GovData\n- Dashboard-Baukasten für Fachämter",
    ),
    (
        0,
        "ge-smarte-beleuchtung",
        "stadtwerke-emscher-digital",
        "Smarte Straßenbeleuchtung",
        "Licht nach Bedarf, Energie gespart",
        "smart-city",
        "Rund 6.000 Leuchtpunkte werden über ein Funknetz einzeln gedimmt und melden Störungen selbstständig. Nachts reduziert das System die Helligkeit auf Nebenstraßen und hebt sie an, sobald Fußgänger oder Radfahrende erkannt werden. Wir berichten von **38 % Energieeinsparung** im ersten Betriebsjahr.",
    ),
    (
        0,
        "ge-parkraum",
        "parkraum-plus",
        "Parkraummanagement mit Echtzeitsensorik",
        "Freie Stellplätze finden statt Kreisen",
        "mobilitaet smart-city",
        "Bodensensoren an 1.200 Stellplätzen melden die Belegung in Echtzeit an das Parkleitsystem und an die Stadt-App. Die Daten fließen anonymisiert in die Verkehrsplanung ein. Am Stand: Live-Karte, Sensor zum Anfassen und ein Leitfaden zur **Ausschreibung** solcher Systeme.",
    ),
    (
        0,
        "ge-crowd-management",
        "westfaelische-hochschule",
        "Crowd Management für Großveranstaltungen",
        "Besucherströme erkennen, bevor es eng wird",
        "sicherheit smart-city",
        "Gemeinsam mit Ordnungsamt und Feuerwehr erforscht die Hochschule, wie sich Personendichten bei Stadtfesten und Fußballspielen **datenschutzfreundlich** schätzen lassen – ohne Kameras, über anonymisierte WLAN- und Zählsensoren. Die Lagekarte unterstützt die Einsatzleitung bei Sperrungen und Umleitungen.",
    ),
    (
        0,
        "ge-terminbuchung",
        "gkd-emscher-lippe",
        "Terminbuchung Bürgeramt",
        "Wartezeit planbar machen",
        "buergerservice",
        "Die Online-Terminvergabe für Bürgerbüros, Kfz-Zulassung und Ausländerbehörde ist in Gelsenkirchen und Bottrop im Einsatz. Bürgerinnen und Bürger buchen rund um die Uhr, erhalten eine **Erinnerung per SMS** und können Termine selbst stornieren – die No-Show-Quote sank um ein Drittel. Mandantenfähig und für weitere Kommunen nachnutzbar.",
    ),
    (
        0,
        "ge-serviceportal-re",
        "gkd-recklinghausen",
        "Serviceportal Kreis Recklinghausen",
        "Zehn Städte, ein Portal",
        "e-government buergerservice",
        "Das gemeinsame Serviceportal bündelt die Onlinedienste des Kreises und seiner zehn Städte. Eine gemeinsame Portalarchitektur sorgt dafür, dass eine Leistung einmal gebaut und überall genutzt wird. Wir zeigen den Weg von der Förderung bis zum Regelbetrieb und die Anbindung an das [Kommunalportal.NRW](https://example.org/kommunalportal).",
    ),
    (
        0,
        "ge-maengelmelder",
        "stadt-bottrop",
        "Mängelmelder Bottrop",
        "Schlagloch melden in 30 Sekunden",
        "buergerservice smart-city",
        "Defekte Laternen, wilder Müll oder Schlaglöcher lassen sich per App mit Foto und Standort melden. Die Meldung landet **direkt im zuständigen Fachbereich**, der Bearbeitungsstand ist öffentlich sichtbar. 2025 gingen über 9.000 Meldungen ein, 87 % davon wurden innerhalb von zwei Wochen erledigt.",
    ),
    (
        0,
        "ge-quartiersnetz",
        "quartiersnetz",
        "Quartiersnetz – Nachbarschaft digital",
        "Stadtteilplattform mit Verwaltung an Bord",
        "smart-city",
        "Quartiersnetz ist eine Nachbarschaftsplattform, auf der Vereine, Quartiersmanagement und Verwaltung gemeinsam informieren. Ankündigungen von Baustellen, Sprechstunden und Festen erreichen die Menschen dort, wo sie sich ohnehin austauschen. Für Kommunen gibt es ein **eigenes Redaktionsmodul** mit Freigabeprozess.",
    ),
    (
        0,
        "ge-freies-wlan",
        "stadt-recklinghausen",
        "Freies WLAN in der Innenstadt",
        "Öffentliche Hotspots ohne Registrierung",
        "smart-city",
        "Recklinghausen betreibt 140 Hotspots in Innenstadt, Bussen und Bürgerhäusern. Am Stand erläutern wir Betreibermodell, Störerhaftung und Kosten pro Access Point – und warum das Netz gleichzeitig als Backbone für Sensorik dient.",
    ),
    (
        0,
        "ge-urbane-datenplattform",
        "stadt-dortmund",
        "Urbane Datenplattform Dortmund",
        "Daten der Stadt an einem Ort",
        "smart-city e-government",
        "Die urbane Datenplattform verbindet Sensordaten, Geodaten und Fachverfahren über offene Standards (**OGC SensorThings, FIWARE**). Fachämter bauen daraus eigene Auswertungen, etwa zu Hitzeinseln oder Lärm. Wir teilen unser Betriebskonzept und die Rollen im Datenteam.",
    ),
    (
        0,
        "ge-chatbot",
        "stadt-bochum",
        "Chatbot für das Bürgerbüro",
        "Antworten auch um 23 Uhr",
        "buergerservice",
        "Der Bochumer Chatbot beantwortet die häufigsten Fragen rund um Ausweis, Ummeldung und Müllabfuhr und verlinkt direkt auf die passenden Onlinedienste. Er greift ausschließlich auf **redaktionell gepflegte Inhalte** zu und übergibt komplexe Anliegen an das Servicecenter. Erfahrungen nach 18 Monaten Betrieb inklusive.",
    ),
    (
        0,
        "ge-leichte-sprache",
        "klartext-barrierefrei",
        "Barrierefreie Portale & Leichte Sprache",
        "Verwaltung, die alle verstehen",
        "buergerservice",
        "Wir prüfen Verwaltungsportale nach **BITV 2.0** und übersetzen zentrale Leistungsbeschreibungen in Leichte Sprache. Am Stand: ein Schnelltest für Ihre Website, Beispiele aus drei Kommunen und eine Checkliste für barrierefreie PDF-Formulare.",
    ),
    (
        0,
        "ge-abfallkalender",
        "stadt-hamm",
        "Abfallkalender & Sperrmüll online",
        "Termine, Erinnerung, Abholung buchen",
        "buergerservice",
        "Bürgerinnen und Bürger in Hamm abonnieren ihren Abfallkalender als iCal-Feed und buchen Sperrmülltermine direkt online. Die Buchung wird automatisch an die Tourenplanung des Entsorgungsbetriebs übergeben – **ohne Medienbruch**.",
    ),
    (
        0,
        "ge-kommunalportal",
        "kdn",
        "Kommunalportal.NRW",
        "Das offene Leitportal für alle Kommunen in NRW",
        "e-government buergerservice",
        "Das Kommunalportal.NRW ist das **offene, herstellerneutrale Leitportal** für die Kommunalverwaltungen in Nordrhein-Westfalen. Es bündelt Onlinedienste aus allen OZG-Themenfeldern, bindet das Servicekonto an und lässt sich in bestehende Stadtportale integrieren.\n\n1. Leistung auswählen\n2. Kommune anbinden\n3. Online gehen\n\nAm Stand erklären wir den Anschlussprozess und die Kostenmodelle.",
    ),
    # ---- Tag 2: Aachen ------------------------------------------------------------------
    (
        1,
        "ac-e-akte",
        "stadt-aachen",
        "E-Akte in der Stadtverwaltung Aachen",
        "3.000 Arbeitsplätze papierlos",
        "e-government",
        "Seit 2024 arbeitet die Stadtverwaltung Aachen flächendeckend mit der E-Akte. Wir zeigen, wie Aktenpläne vereinheitlicht, Scanstellen eingerichtet und **Beschäftigte mitgenommen** wurden. Unser Rolloutplan mit Meilensteinen und Schulungskonzept steht zum Download bereit.",
    ),
    (
        1,
        "ac-bauantrag",
        "staedteregion-aachen",
        "Digitaler Bauantrag",
        "Vom PDF-Upload zum medienbruchfreien Verfahren",
        "e-government wirtschaft-arbeit",
        "Bauanträge werden in der StädteRegion vollständig digital eingereicht, geprüft und beschieden. Fachstellen nehmen **parallel** Stellung, Bauherren verfolgen den Bearbeitungsstand online. Die Anbindung an XBau und das Bauportal.NRW ist umgesetzt.",
    ),
    (
        1,
        "ac-ratsinfo",
        "regio-it",
        "Ratsinformationssystem & digitale Gremienarbeit",
        "Sitzungsdienst ohne Papierberge",
        "e-government",
        "Vorlagen, Einladungen und Niederschriften laufen im Ratsinformationssystem zusammen; Ratsmitglieder arbeiten mit einer App auf dem Tablet. Für die Öffentlichkeit stehen Tagesordnungen und Beschlüsse als **offene Daten (OParl)** bereit. Wir zeigen auch hybride Sitzungen mit elektronischer Abstimmung.",
    ),
    (
        1,
        "ac-ozg-baukasten",
        "kdvz-rhein-erft-rur",
        "OZG-Baukasten für kleine Kommunen",
        "Onlinedienste aus dem Regal",
        "e-government",
        "Kleine Kommunen haben selten eigene Entwicklerteams. Unser Baukasten stellt **über 120 fertig konfigurierte Onlinedienste** bereit, die per Klick freigeschaltet und mit dem eigenen Logo versehen werden. Zuständigkeiten und Gebühren werden zentral aus dem Landesportal übernommen.",
    ),
    (
        1,
        "ac-e-rechnung",
        "stadt-dueren",
        "E-Rechnung im Rechnungseingang",
        "XRechnung annehmen, prüfen, buchen",
        "e-government wirtschaft-arbeit",
        "Düren verarbeitet eingehende Rechnungen nur noch elektronisch. Lieferanten reichen **XRechnung oder ZUGFeRD** über das Rechnungseingangsportal ein, die sachliche Prüfung erfolgt im Workflow, die Buchung automatisch im Finanzverfahren. Durchlaufzeit: von 19 auf 6 Tage.",
    ),
    (
        1,
        "ac-ki-posteingang",
        "ki-werkstatt-aachen",
        "KI-gestützter Posteingang",
        "Dokumente erkennen und richtig zuordnen",
        "e-government",
        "Unser Klassifikator erkennt eingehende Schreiben – Widersprüche, Anträge, Rechnungen – und schlägt die zuständige Stelle vor. Das Modell läuft **vollständig im kommunalen Rechenzentrum**, die letzte Entscheidung trifft immer ein Mensch. Am Stand: Ergebnisse aus einem sechsmonatigen Pilotbetrieb.",
    ),
    (
        1,
        "ac-servicekonto",
        "d-nrw",
        "Servicekonto.NRW & BundID",
        "Eine Identität für alle Onlinedienste",
        "e-government buergerservice",
        "Das Servicekonto.NRW ermöglicht die Anmeldung mit Online-Ausweis, ELSTER-Zertifikat oder Benutzername. Wir erklären die Anbindung an die **BundID**, das Postfach für Bescheide und die Vertrauensniveaus nach eIDAS.",
    ),
    (
        1,
        "ac-personenstand",
        "stadt-herzogenrath",
        "Urkunden online bestellen",
        "Geburts-, Ehe- und Sterbeurkunden digital",
        "buergerservice",
        "Personenstandsurkunden können in Herzogenrath online beantragt und bezahlt werden; die Urkunde kommt per Post oder als Bescheinigung ins Postfach. Der Antrag wird direkt im **Fachverfahren des Standesamts** vorbefüllt – Abtippen entfällt.",
    ),
    (
        1,
        "ac-fernsignatur",
        "itk-rheinland",
        "Fernsignatur & elektronisches Siegel",
        "Rechtssicher unterschreiben ohne Kartenleser",
        "e-government",
        "Mit der Fernsignatur unterschreiben Beschäftigte qualifiziert elektronisch – ohne Signaturkarte und Lesegerät. Für automatisiert erstellte Bescheide steht ein **elektronisches Siegel** der Behörde zur Verfügung. Wir zeigen die Integration in E-Akte und Fachverfahren.",
    ),
    (
        1,
        "ac-prozesslabor",
        "rwth-aachen",
        "Prozesslabor Verwaltung",
        "Prozesse erst verstehen, dann digitalisieren",
        "e-government",
        "Im Prozesslabor modellieren Studierende gemeinsam mit Fachämtern Verwaltungsprozesse in **BPMN 2.0** und suchen Medienbrüche. Über 60 Referenzprozesse stehen frei zur Nachnutzung bereit, vom Hundesteuerbescheid bis zur Sondernutzungserlaubnis.",
    ),
    (
        1,
        "ac-wohngeld",
        "civitec",
        "Wohngeld digital beantragen",
        "Antrag, Nachweise und Bescheid online",
        "buergerservice",
        "Der Online-Wohngeldantrag führt Schritt für Schritt durch Haushalt, Einkommen und Miete, prüft Angaben auf Plausibilität und nimmt Nachweise als Foto entgegen. Die Daten landen **strukturiert im Fachverfahren**, Rückfragen laufen über das Postfach. Seit der Wohngeldreform hat sich die Zahl der Online-Anträge verdreifacht.",
    ),
    (
        1,
        "ac-beteiligung",
        "buergerdialog-software",
        "Online-Bürgerbeteiligung",
        "Mitreden bei Planungen, Haushalt und Quartier",
        "smart-city e-government",
        "Unsere Beteiligungsplattform unterstützt Bürgerhaushalte, Bauleitplanung und Ideenwettbewerbe. Kommentare lassen sich **auf der Karte verorten**, die Auswertung für den Rat erfolgt per Export. Barrierefrei nach BITV und mit Moderationswerkzeugen für die Verwaltung.",
    ),
    (
        1,
        "ac-formularserver",
        "formularwerk",
        "Formularserver & digitale Poststelle",
        "Formulare bauen ohne Programmierung",
        "e-government",
        "Mit dem Formular-Editor erstellen Fachämter eigene Onlineformulare per Drag-and-drop, inklusive Bezahlfunktion und **XÖV-Export**. Eingänge landen in der digitalen Poststelle und werden an E-Akte oder Fachverfahren übergeben.",
    ),
    (
        1,
        "ac-vitako",
        "vitako",
        "Vitako – kommunale IT bundesweit",
        "Netzwerk der kommunalen IT-Dienstleister",
        "e-government",
        "Vitako vertritt die kommunalen IT-Dienstleister auf Bundesebene. Am Stand geht es um Registermodernisierung, die **Deutschland-Stack**-Debatte und wie NRW-Lösungen in andere Länder getragen werden können.",
    ),
    (
        1,
        "ac-digicheck",
        "krz",
        "DigiCheck@Kom",
        "Ihr individueller Bedarf – unsere maßgeschneiderte Lösung",
        "e-government",
        "DigiCheck@Kom ist ein Beratungsformat des krz: Gemeinsam mit Mitarbeitenden und Führungskräften eines Fachbereichs entsteht ein **maßgeschneidertes Vorgehensmodell für drei Jahre**. Prüffelder werden im strukturierten Interview festgelegt – Digitale Ausgangslage, Veränderung, Technologien. Ergänzt wird das Angebot durch das Qualifizierungsprogramm DigiFit@Kom.",
    ),
    # ---- Tag 3: Wuppertal ---------------------------------------------------------------
    (
        2,
        "wu-mobilitaetsplattform",
        "stadt-wuppertal",
        "Mobilitätsplattform Bergisches Land",
        "Bus, Bahn, Rad und Leihroller in einer Auskunft",
        "mobilitaet",
        "Die Mobilitätsplattform verknüpft Fahrplandaten, Sharing-Angebote und Parkhäuser zu einer gemeinsamen Auskunft. Die Daten stehen über eine **offene Schnittstelle** auch Dritten zur Verfügung. Wuppertal, Solingen und Remscheid betreiben die Plattform gemeinsam.",
    ),
    (
        2,
        "wu-on-demand",
        "wupperbus",
        "On-Demand-Shuttle",
        "Der Bus kommt, wenn Sie ihn rufen",
        "mobilitaet",
        "Unsere Kleinbusse fahren in den Randzeiten ohne festen Fahrplan: Fahrgäste buchen per App oder Telefon, ein Algorithmus bündelt die Fahrten. Das Angebot ist in den **VRR-Tarif** integriert. Am Stand: Auslastungszahlen und Kosten pro Fahrgast im Vergleich zum Linienbus.",
    ),
    (
        2,
        "wu-gewerbe",
        "stadt-solingen",
        "Gewerbeanmeldung online",
        "In zehn Minuten zum eigenen Gewerbe",
        "wirtschaft-arbeit e-government",
        "Gewerbe an-, um- und abmelden: In Solingen geht das vollständig online über das Gewerbe-Service-Portal.NRW. Die Meldung wird automatisch an Finanzamt, IHK und Berufsgenossenschaft weitergeleitet. Wir zeigen unsere **Bearbeitungszeiten vor und nach** der Umstellung.",
    ),
    (
        2,
        "wu-gewerbeflaechen",
        "stadt-remscheid",
        "Gewerbeflächenportal",
        "Freie Flächen finden, Ansprechpartner direkt kontaktieren",
        "wirtschaft-arbeit",
        "Das Portal zeigt verfügbare Gewerbeflächen und Leerstände mit Lage, Größe, Erschließung und Preisvorstellung. Unternehmen kontaktieren die Wirtschaftsförderung direkt aus dem Exposé. Die Flächen werden **aus dem Liegenschaftskataster** gespeist und monatlich aktualisiert.",
    ),
    (
        2,
        "wu-ladeinfrastruktur",
        "stadt-velbert",
        "Kataster Ladeinfrastruktur",
        "Wo fehlen Ladesäulen?",
        "mobilitaet smart-city",
        "Velbert hat alle öffentlichen und halböffentlichen Ladepunkte erfasst und mit Zulassungszahlen und Pendlerdaten verschnitten. Das Ergebnis ist eine **Bedarfskarte**, die Standortentscheidungen für neue Ladesäulen transparent macht. Methode und Datengrundlagen zum Nachnutzen.",
    ),
    (
        2,
        "wu-baustellen",
        "geodaten-kontor",
        "Baustellenkoordination digital",
        "Nie wieder zweimal dieselbe Straße aufreißen",
        "mobilitaet smart-city",
        "Versorger, Tiefbauamt und Verkehrsbetriebe tragen geplante Maßnahmen in eine gemeinsame Karte ein. Konflikte werden **automatisch erkannt**, Umleitungen vorausschauend geplant. Die verkehrsrechtlichen Anordnungen entstehen direkt aus der Planung.",
    ),
    (
        2,
        "wu-sondernutzung",
        "citeq",
        "Sondernutzung & Veranstaltungen",
        "Außengastronomie, Gerüste, Stadtfeste – online beantragt",
        "wirtschaft-arbeit mobilitaet",
        "Anträge auf Sondernutzung öffentlicher Flächen werden in Münster online gestellt, inklusive Lageplan auf der Karte. Das Fachamt prüft, berechnet die Gebühren und erteilt die Erlaubnis digital. **Gastronomie-Betriebe** sparen sich damit den Gang ins Amt.",
    ),
    (
        2,
        "wu-radverkehr",
        "uni-wuppertal",
        "Radverkehr zählen mit Sensorik",
        "Daten für bessere Radwege",
        "mobilitaet",
        "An 25 Messstellen erfassen Wärmebild- und Induktionssensoren den Radverkehr rund um die Uhr. Die Zeitreihen sind **als Open Data** verfügbar und zeigen, wie neue Radwege angenommen werden. Wir vergleichen Sensortypen nach Genauigkeit und Kosten.",
    ),
    (
        2,
        "wu-ausbildungsportal",
        "stadt-muenster",
        "Karriereportal der Verwaltung",
        "Nachwuchs gewinnen – digital und ehrlich",
        "wirtschaft-arbeit",
        "Münster sucht Auszubildende und Fachkräfte über ein eigenes Karriereportal mit Online-Bewerbung, Videos aus den Ämtern und **Chat mit Azubis**. Die Bewerbung erfolgt ohne Anschreiben in 15 Minuten. Die Zahl der Bewerbungen für IT-Ausbildungsberufe hat sich verdoppelt.",
    ),
    (
        2,
        "wu-e-vergabe",
        "stadt-siegen",
        "E-Vergabe für kommunale Aufträge",
        "Ausschreibungen komplett elektronisch",
        "wirtschaft-arbeit",
        "Von der Bekanntmachung bis zum Zuschlag: Siegen wickelt Vergaben ausschließlich elektronisch ab. Regionale Handwerksbetriebe werden in **kostenlosen Schulungen** an die Vergabeplattform herangeführt. Am Stand: Unsere Checkliste für die Umstellung.",
    ),
    (
        2,
        "wu-ikfz",
        "kdvz-rhein-erft-rur",
        "i-Kfz: Fahrzeugzulassung online",
        "Zulassen ohne Wartemarke",
        "mobilitaet buergerservice",
        "Neuzulassung, Umschreibung und Außerbetriebsetzung sind online möglich – auch für **gewerbliche Großkunden** mit Sammelanträgen. Wir zeigen die Integration in das Fachverfahren der Zulassungsstelle und typische Stolpersteine bei der Einführung.",
    ),
    (
        2,
        "wu-bewohnerparken",
        "stadt-wuppertal",
        "Bewohnerparkausweis online",
        "Antrag, Zahlung, Ausweis – alles digital",
        "mobilitaet buergerservice",
        "Bewohnerparkausweise werden in Wuppertal online beantragt; Halterdaten und Meldeadresse werden **automatisch abgeglichen**. Statt Papierausweis gilt das Kennzeichen – die Kontrolle erfolgt per Scanfahrzeug. Das spart Porto und Rückfragen.",
    ),
    (
        2,
        "wu-digitale-innenstadt",
        "modellregion-wuppertal",
        "Digitale Innenstadt",
        "Lokaler Handel sichtbar im Netz",
        "wirtschaft-arbeit smart-city",
        "Ein lokaler Online-Marktplatz, Frequenzzähler in den Fußgängerzonen und ein Leerstandsmanagement: Die Modellregion Wuppertal zeigt, wie Verwaltung, Handel und Immobilienbesitzer gemeinsam gegen Leerstand arbeiten. **Frequenzdaten** helfen bei der Planung von Events und Öffnungszeiten.",
    ),
    (
        2,
        "wu-jobcenter",
        "kreis-recklinghausen",
        "Digitale Antragsstrecke Jobcenter",
        "Weiterbewilligung per Smartphone",
        "wirtschaft-arbeit buergerservice",
        "Leistungsberechtigte stellen Weiterbewilligungsanträge und reichen Nachweise per Smartphone ein. Die Dokumente werden **automatisch der richtigen Akte** zugeordnet. Ergebnis: weniger Besuche vor Ort und schnellere Bescheide.",
    ),
    # ---- Tag 4: OWL ---------------------------------------------------------------------
    (
        3,
        "owl-schueler-online",
        "krz",
        "Schüler Online – Schulanmeldung NRW",
        "Schulanmeldung. Einfach. Online.",
        "bildung",
        "**Schüler Online** ist die Schulanmeldungs-Software des krz und seit über 20 Jahren im Einsatz. Sie wickelt Schulanmeldungen für die Sekundarstufe II und die Berufskollegs ab und unterstützt die Schulpflichtüberwachung.\n\nAls OZG-Musteranwendung für NRW ist die Lösung auf **alle Schulformen** erweitert worden. Beteiligt sind:\n\n- Schülerinnen und Schüler sowie Eltern,\n- abgebende und aufnehmende Schulen,\n- Ausbildungsbetriebe,\n- Kommunen als Schulträger.\n\nMehr zur Nachnutzung auf der [Projektseite](https://example.org/schueler-online).",
    ),
    (
        3,
        "owl-schuelerticket",
        "kreis-paderborn",
        "Digitales Schülerticket",
        "Vom Antrag bis zum Ticket auf dem Smartphone",
        "bildung mobilitaet",
        "Die OZG-Leistung Schülerbeförderung erhält einen Online-Zugang für die Antragstellung. Der Kreis Paderborn geht einen Schritt weiter: Nach der Bewilligung wird das Schülerticket **direkt digital ausgegeben** und in der App des Verkehrsverbunds hinterlegt. Das Verfahren wird für alle Schulträger in NRW zur Nachnutzung vorbereitet.",
    ),
    (
        3,
        "owl-serviceportal-paderborn",
        "stadt-paderborn",
        "Serviceportal Paderborn",
        "Über 180 Onlinedienste aus einer Hand",
        "e-government buergerservice",
        "Das Serviceportal der Stadt Paderborn bietet mehr als 180 Onlinedienste mit einheitlicher Nutzerführung. Viele Formulare wurden bereits von **anderen Kommunen übernommen** – mit eigenen Anpassungen an Gebühren und Zuständigkeiten. Am Stand: die Liste aller nachnutzbaren Formulare.",
    ),
    (
        3,
        "owl-serviceportal-bielefeld",
        "stadt-bielefeld",
        "Bielefelder Serviceportal",
        "Formulare teilen statt neu bauen",
        "e-government",
        "Bielefeld setzt auf ein gemeinsames Formularrepository mit Stadt und Kreis Paderborn. Neue Formulare werden einmal erstellt, fachlich abgestimmt und **allen Partnern** bereitgestellt. Wir zeigen die Governance: Wer entscheidet, wer pflegt, wer zahlt?",
    ),
    (
        3,
        "owl-lorawan",
        "stadt-delbrueck",
        "LoRaWAN Delbrück",
        "Ein Funknetz für die ganze Flächenstadt",
        "smart-city",
        "Delbrück betreibt ein stadtweites LoRaWAN-Netz für Füllstandsensoren, Bodenfeuchte auf Sportplätzen und Wasserzähler. Andere Kommunen profitieren vom **Abschlusskonzept des Pilotprojekts** und einem Handlungsleitfaden aus dem laufenden Betrieb. Themen: Gateway-Standorte, Sicherheit, Betriebskosten.",
    ),
    (
        3,
        "owl-inspire",
        "uni-paderborn",
        "INSPIRE – Einsatzunterstützung Gefahrenabwehr",
        "Lagebild für Feuerwehr und Katastrophenschutz",
        "sicherheit",
        "Das Konsortium INSPIRE entwickelt Werkzeuge zur Einsatzunterstützung der zivilen Gefahrenabwehr. Die **Datenmodelle sind modular** aufgebaut und lassen sich so auf andere Kommunen übertragen. Gezeigt wird ein gemeinsames Lagebild aus Einsatzdaten, Wetter und Infrastruktur.",
    ),
    (
        3,
        "owl-kita-navigator",
        "kreis-lippe",
        "Kita-Navigator Lippe",
        "Kita-Platzvergabe transparent und fair",
        "bildung buergerservice",
        "Eltern suchen Kitas auf der Karte, vergleichen Öffnungszeiten und melden ihren Bedarf für bis zu fünf Einrichtungen mit einem Antrag an. Die Vergabe erfolgt nach **transparenten Kriterien**, Doppelzusagen werden vermieden. Jugendämter erhalten eine belastbare Bedarfsplanung.",
    ),
    (
        3,
        "owl-schulcloud",
        "schulcloud-westfalen",
        "Schulcloud & Geräteverwaltung",
        "Lernplattform und Tablets aus einer Hand",
        "bildung",
        "Schulträger verwalten Tausende Schüler-Tablets zentral: Apps verteilen, Geräte sperren, Prüfungsmodus aktivieren. Die angebundene Lernplattform ist **DSGVO-konform** in einem deutschen Rechenzentrum gehostet. Genossenschaftsmodell: Die Schulträger entscheiden gemeinsam über die Weiterentwicklung.",
    ),
    (
        3,
        "owl-medienentwicklung",
        "kreis-herford",
        "Medienentwicklungsplanung",
        "Digitale Schule systematisch planen",
        "bildung",
        "Der Kreis Herford hat mit neun Kommunen einen gemeinsamen Medienentwicklungsplan erstellt: Ausstattung, Netz, Support und Fortbildung. Wir teilen **Vorlagen, Kennzahlen und den Fragebogen** für die Bestandsaufnahme an Schulen.",
    ),
    (
        3,
        "owl-vhs-buchung",
        "stadt-detmold",
        "VHS-Kurse online buchen",
        "Anmelden, bezahlen, Bescheinigung laden",
        "bildung",
        "Die Volkshochschule Detmold-Lemgo bietet ihr gesamtes Programm online buchbar an – inklusive Warteliste, Ermäßigungsnachweis und Teilnahmebescheinigung als PDF. **70 % aller Anmeldungen** gehen inzwischen online ein.",
    ),
    (
        3,
        "owl-stadtbibliothek",
        "stadt-guetersloh",
        "Digitale Stadtbibliothek",
        "E-Books, Makerspace und Bibliotheksausweis per App",
        "bildung",
        "Die Stadtbibliothek Gütersloh verbindet E-Ausleihe, digitale Zeitungen und Online-Kurse mit einem digitalen Bibliotheksausweis. Der Bibliotheksausweis kann **vollständig online** beantragt werden. Am Stand: wie die Bibliothek zum Lernort für digitale Grundkompetenzen wird.",
    ),
    (
        3,
        "owl-warnung",
        "stadt-minden",
        "Warnung der Bevölkerung",
        "Sirene, App und Cell Broadcast im Zusammenspiel",
        "sicherheit",
        "Minden hat sein Sirenennetz modernisiert und an das Modulare Warnsystem angebunden. Warnungen erreichen die Menschen parallel über **Sirene, Warn-App und Cell Broadcast**. Wir berichten vom letzten bundesweiten Warntag und was wir daraus gelernt haben.",
    ),
    (
        3,
        "owl-ordnungsamt-app",
        "kreis-paderborn",
        "Mobiles Ordnungsamt",
        "Vorgänge direkt vor Ort erfassen",
        "sicherheit",
        "Außendienstkräfte erfassen Verstöße, Fundsachen und Gefahrenstellen per Tablet – mit Foto, Standort und direkter Übergabe an das Fachverfahren. Die App funktioniert auch **offline** und synchronisiert, sobald wieder Netz verfügbar ist.",
    ),
    (
        3,
        "owl-schulwegplaner",
        "th-owl",
        "Schulwegplaner",
        "Sichere Wege, gemeinsam kartiert",
        "bildung mobilitaet",
        "Schülerinnen und Schüler markieren gefährliche Stellen auf ihrem Schulweg; die Hochschule wertet die Meldungen aus und erstellt **Schulwegpläne** für Grundschulen. Verkehrsbehörde und Polizei erhalten eine priorisierte Liste für Maßnahmen.",
    ),
    (
        3,
        "owl-digifit",
        "lernpfad-verwaltung",
        "DigiFit – Lernen für die digitale Verwaltung",
        "Digitalkompetenz für alle Beschäftigten",
        "bildung e-government",
        "Kurze Lernmodule zu E-Akte, Datenschutz, Informationssicherheit und agilen Methoden – für Beschäftigte, Führungskräfte und Ratsmitglieder. Die Module lassen sich in **kommunale Lernplattformen** einbinden und mit Teilnahmebescheinigungen abschließen.",
    ),
    # ---- Tag 5: Soest -------------------------------------------------------------------
    (
        4,
        "so-gesundheitsamt",
        "kreis-soest",
        "Digitales Gesundheitsamt",
        "Meldewesen und Kontaktmanagement ohne Fax",
        "gesundheit",
        "Das Gesundheitsamt des Kreises Soest empfängt Meldungen nach dem Infektionsschutzgesetz elektronisch über **DEMIS** und bearbeitet sie in einem integrierten Fachverfahren. Labore, Kliniken und Pflegeheime sind angebunden; das Faxgerät ist abgeschaltet.",
    ),
    (
        4,
        "so-schuleingang",
        "kreis-soest",
        "Schuleingangsuntersuchung digital",
        "Termine, Fragebogen und Befund online",
        "gesundheit bildung",
        "Eltern buchen den Termin zur Schuleingangsuntersuchung online und füllen den Anamnesebogen vorab aus – auf Wunsch in **sieben Sprachen**. Das Ergebnis geht verschlüsselt an die Eltern und, mit Einwilligung, an die Schule.",
    ),
    (
        4,
        "so-telenotarzt",
        "telemed-sauerland",
        "Telenotarzt",
        "Ärztliche Expertise in jedem Rettungswagen",
        "gesundheit sicherheit",
        "Notfallsanitäterinnen und -sanitäter schalten bei Bedarf eine Notärztin per Audio- und Videoverbindung zu; Vitaldaten werden in Echtzeit übertragen. Im ländlichen Raum wird so der **Notarzt seltener nachalarmiert**. Am Stand: Einsatzstatistik aus dem ersten Betriebsjahr.",
    ),
    (
        4,
        "so-pflegeplatzboerse",
        "stadt-lippstadt",
        "Pflegeplatzbörse",
        "Freie Pflegeplätze tagesaktuell finden",
        "gesundheit",
        "Pflegeheime, Kurzzeitpflege und Tagespflege melden freie Plätze tagesaktuell. Angehörige und Sozialdienste der Krankenhäuser finden so schneller einen Platz. Die Börse wird von der **Pflegeberatung der Stadt** betreut und ist kostenlos.",
    ),
    (
        4,
        "so-dorf-app",
        "stadt-soest",
        "Dorf-App für 18 Ortsteile",
        "Was im Dorf los ist – auf einen Blick",
        "smart-city buergerservice",
        "In der Dorf-App teilen Ortsvorsteher, Vereine und Verwaltung Termine, Neuigkeiten und Mitfahrgelegenheiten. Ein **digitaler Dorfplatz** ersetzt das Schwarze Brett und erreicht auch Zugezogene. Die App wurde gemeinsam mit Ehrenamtlichen aus den Ortsteilen entwickelt.",
    ),
    (
        4,
        "so-breitband",
        "suedwestfalen-it",
        "Breitbandportal Südwestfalen",
        "Glasfaser-Ausbau transparent verfolgen",
        "wirtschaft-arbeit smart-city",
        "Das Breitbandportal zeigt Ausbaustand, geförderte Gebiete und geplante Bauabschnitte. Unternehmen und Haushalte prüfen ihre Adresse und melden Bedarf an. Kommunen nutzen die Daten für das **Markterkundungsverfahren**.",
    ),
    (
        4,
        "so-einsatzdoku",
        "rettungsdaten-systeme",
        "Digitale Einsatzdokumentation",
        "Rettungsdienstprotokoll auf dem Tablet",
        "sicherheit gesundheit",
        "Das elektronische Einsatzprotokoll ersetzt den Papierdurchschlag: Daten vom Monitor werden übernommen, das Protokoll geht **vor Ankunft** an die Klinik. Die Abrechnung mit den Kostenträgern erfolgt direkt aus dem Protokoll.",
    ),
    (
        4,
        "so-hochwasser",
        "stadt-arnsberg",
        "Pegelmessung & Hochwasserwarnung",
        "Früh warnen an kleinen Gewässern",
        "sicherheit smart-city",
        "An Bächen, die von keinem Landespegel erfasst werden, messen Radarsensoren den Wasserstand im Minutentakt. Bei Überschreiten von Schwellenwerten werden Feuerwehr und Anwohnende **automatisch alarmiert**. Sensoren, Schwellenwerte und Alarmierungskette zum Nachbauen.",
    ),
    (
        4,
        "so-feuerwehr-app",
        "stadt-werl",
        "Alarmierungs-App Freiwillige Feuerwehr",
        "Wer kommt zum Einsatz?",
        "sicherheit",
        "Einsatzkräfte der Freiwilligen Feuerwehr bestätigen per App, ob und wann sie am Gerätehaus eintreffen. Die Einsatzleitung sieht **verfügbare Qualifikationen** (Atemschutz, Maschinist) auf einen Blick und kann früher nachalarmieren.",
    ),
    (
        4,
        "so-hundesteuer",
        "stadt-iserlohn",
        "Hunde an- und abmelden",
        "Hundesteuer und Steuermarke online",
        "buergerservice",
        "Hunde werden in Iserlohn online an- und abgemeldet; der Steuerbescheid wird automatisch erzeugt und ins Postfach gestellt. Die Steuermarke kommt per Post. Ein kleiner Dienst mit großer Wirkung: **über 2.000 Vorgänge** im Jahr.",
    ),
    (
        4,
        "so-friedhof",
        "stadt-siegen",
        "Digitales Friedhofsmanagement",
        "Grabstellen, Nutzungsrechte und Gebühren im Blick",
        "buergerservice",
        "Grabstellen, Nutzungsrechte und Ruhefristen werden in einem geodatenbasierten Verfahren verwaltet. Angehörige verlängern Nutzungsrechte online, Steinmetze beantragen **Genehmigungen für Grabmale** digital.",
    ),
    (
        4,
        "so-trinkwasser",
        "fh-suedwestfalen",
        "Smarte Trinkwasserüberwachung",
        "Qualität messen, bevor es jemand merkt",
        "gesundheit smart-city",
        "Sensoren in Hochbehältern und Netzknoten messen Trübung, Temperatur und Leitfähigkeit kontinuierlich. Auffälligkeiten werden dem Wasserversorger und dem Gesundheitsamt **automatisch gemeldet**. Ein Forschungsprojekt mit drei kleinen Wasserversorgern im Kreis Soest.",
    ),
    (
        4,
        "so-sit-ozg",
        "suedwestfalen-it",
        "OZG-Umsetzung in Südwestfalen",
        "Ein Rechenzentrum, 60 Kommunen, ein Plan",
        "e-government",
        "Die SIT setzt Onlinedienste für rund 60 Kommunen um und stimmt sich dabei eng mit dem KDN ab. Wir zeigen unser **Einführungspaket**: Prozessaufnahme, Konfiguration, Schulung und Öffentlichkeitsarbeit – und den Stand der Anbindung an das Kommunalportal.NRW.",
    ),
)

# --------------------------------------------------------------------------------------
# Booth materials and contacts, generated deterministically from building blocks
# --------------------------------------------------------------------------------------

_RNG: Final[random.Random] = random.Random(2020)

_FIRST_NAMES: Final[tuple[str, ...]] = (
    "Anna",
    "Birgit",
    "Carsten",
    "Daniela",
    "Elif",
    "Frank",
    "Gesine",
    "Hakan",
    "Ines",
    "Jörg",
    "Katrin",
    "Lukas",
    "Marion",
    "Nils",
    "Olga",
    "Patrick",
    "Renate",
    "Stefan",
    "Tanja",
    "Ulf",
    "Vanessa",
    "Wolfgang",
    "Yasemin",
    "Zoran",
    "Britta",
    "Dennis",
    "Esra",
    "Florian",
    "Heike",
    "Jan",
    "Kerstin",
    "Malte",
    "Nadine",
    "Philipp",
    "Ricarda",
    "Sven",
    "Theresa",
    "Volker",
    "Aylin",
    "Benedikt",
)
_LAST_NAMES: Final[tuple[str, ...]] = (
    "Albers",
    "Brinkmann",
    "Czerwinski",
    "Dreesen",
    "Eickhoff",
    "Fischbach",
    "Grothues",
    "Hülsmann",
    "Isenberg",
    "Jansing",
    "Kemper",
    "Lohmeyer",
    "Mertens",
    "Nowak",
    "Oberbeck",
    "Pieper",
    "Quante",
    "Rademacher",
    "Schulte-Bockum",
    "Tenhagen",
    "Uhlenbrock",
    "Vogelsang",
    "Wiesmann",
    "Yilmaz",
    "Zurhorst",
    "Bartels",
    "Demir",
    "Engelhardt",
    "Hartmann",
    "Kowalski",
    "Lütkemeier",
    "Möllers",
    "Niehaus",
    "Overkamp",
    "Rüther",
    "Sanders",
    "Terhorst",
    "Wessels",
    "Ahlers",
    "Kuhlmann",
)
_CONTACT_ROLES: Final[tuple[str, ...]] = (
    "Projektleitung",
    "Fachliche Ansprechperson",
    "Produktmanagement",
    "Vertrieb Kommunen",
    "Technische Ansprechperson",
    "Digitalisierungsbeauftragte/r",
    "Teamleitung Onlinedienste",
    "Anwendungsbetreuung",
    "Öffentlichkeitsarbeit",
    "Kundenberatung",
)
_AVAILABILITY: Final[tuple[str, ...]] = (
    "Mo–Fr 9–12 Uhr",
    "Mo–Do 8–16 Uhr, Fr 8–12 Uhr",
    "Di und Do 13–15 Uhr",
    "nach Vereinbarung per E-Mail",
    "Mo–Fr 10–15 Uhr",
    "Mi 9–12 Uhr (Videosprechstunde)",
)


def _email_local(name: str) -> str:
    return slugify(name).replace("-", ".")


def _make_contacts(day: int) -> tuple[Contact, ...]:
    count = _RNG.choice((1, 2, 2, 3))
    contacts: list[Contact] = []
    for _ in range(count):
        while True:
            name = f"{_RNG.choice(_FIRST_NAMES)} {_RNG.choice(_LAST_NAMES)}"
            surname = name.split(" ", 1)[1]
            if name not in _USED_CONTACT_NAMES and all(
                not c.name.endswith(" " + surname) for c in contacts
            ):
                _USED_CONTACT_NAMES.add(name)
                break
        if _RNG.random() < 0.4:
            availability = f"während der Messe am Stand, Tag {day + 1}"
        else:
            availability = _RNG.choice(_AVAILABILITY)
        contacts.append(
            Contact(
                name=name,
                role=_RNG.choice(_CONTACT_ROLES),
                email=f"{_email_local(name)}@{_RNG.choice(ALLOWED_EMAIL_DOMAINS)}",
                phone=f"+49 30 123456-{len(_USED_CONTACT_NAMES) + 100}",
                availability=availability,
            )
        )
    return tuple(contacts)


_USED_CONTACT_NAMES: set[str] = set()

# (kind, title template, file/url template, min size, max size); {name}/{slug} are filled in.
_MATERIAL_TEMPLATES: Final[tuple[tuple[MaterialKind, str, str, int, int], ...]] = (
    ("pdf", "Flyer: {name}", "flyer-{slug}.pdf", 180_000, 1_400_000),
    ("pdf", "Leitfaden zur Nachnutzung", "leitfaden-nachnutzung-{slug}.pdf", 400_000, 3_500_000),
    ("pdf", "Datenblatt und Schnittstellen", "datenblatt-{slug}.pdf", 90_000, 650_000),
    (
        "pdf",
        "Erfahrungsbericht aus dem Regelbetrieb",
        "erfahrungsbericht-{slug}.pdf",
        250_000,
        2_000_000,
    ),
    ("slides", "Präsentation zur Messe 2026", "praesentation-{slug}.pdf", 1_500_000, 9_000_000),
    (
        "slides",
        "Folien: Einführung in 10 Minuten",
        "folien-einfuehrung-{slug}.pdf",
        800_000,
        5_000_000,
    ),
    ("video", "Video-Rundgang: {name}", "rundgang-{slug}.mp4", 18_000_000, 160_000_000),
    ("video", "Kurzfilm: So funktioniert's", "kurzfilm-{slug}.mp4", 9_000_000, 60_000_000),
    ("link", "Projektseite", "https://example.org/projekte/{slug}", 0, 0),
    ("link", "Demo-Zugang ausprobieren", "https://example.org/demo/{slug}", 0, 0),
    ("link", "Dokumentation für Nachnutzer", "https://example.org/docs/{slug}", 0, 0),
)


def _make_materials(slug: str, name: str) -> tuple[Material, ...]:
    count = _RNG.choice((1, 2, 2, 3, 3, 4))
    picked = sorted(_RNG.sample(range(len(_MATERIAL_TEMPLATES)), count))
    out: list[Material] = []
    for i in picked:
        kind, title, target, lo, hi = _MATERIAL_TEMPLATES[i]
        title = title.format(name=name, slug=slug)
        target = target.format(name=name, slug=slug)
        if kind == "link":
            out.append(Material(title, kind, url=target))
        else:
            size = _RNG.randint(lo, hi) // 1000 * 1000
            out.append(Material(title, kind, filename=target, size_bytes=size))
    return tuple(out)


_MATERIAL_OVERRIDES: Final[dict[str, tuple[Material, ...]]] = {
    "owl-schueler-online": (
        Material(
            "Flyer: Schulanmeldung. Einfach. Online.",
            "pdf",
            filename="flyer-schulanmeldung.pdf",
            size_bytes=864_000,
        ),
        Material(
            "Präsentation: Schüler Online als OZG-Musteranwendung",
            "slides",
            filename="praesentation-schueler-online-ozg.pdf",
            size_bytes=4_720_000,
        ),
        Material(
            "Anleitung für Eltern (Leichte Sprache)",
            "pdf",
            filename="anleitung-eltern-leichte-sprache.pdf",
            size_bytes=512_000,
        ),
        Material("Projektseite Schüler Online", "link", url="https://example.org/schueler-online"),
    ),
    "ge-kommunalportal": (
        Material(
            "Anschlussleitfaden Kommunalportal.NRW",
            "pdf",
            filename="anschlussleitfaden-kommunalportal.pdf",
            size_bytes=2_310_000,
        ),
        Material(
            "Kommunalportal.NRW in 5 Minuten",
            "video",
            filename="kommunalportal-in-5-minuten.mp4",
            size_bytes=41_500_000,
        ),
        Material("Kommunalportal.NRW", "link", url="https://example.org/kommunalportal"),
    ),
}


def _build_booths() -> tuple[Booth, ...]:
    booths: list[Booth] = []
    for day, slug, org, name, tagline, topics, description in _BOOTH_ROWS:
        materials = _MATERIAL_OVERRIDES.get(slug) or _make_materials(slug, name)
        booths.append(
            Booth(
                slug=slug,
                org=org,
                name=name,
                tagline=tagline,
                description=description,
                topics=tuple(topics.split()),
                day=day,
                materials=materials,
                contacts=_make_contacts(day),
            )
        )
    return tuple(booths)


BOOTHS: Final[tuple[Booth, ...]] = _build_booths()
BOOTHS_BY_SLUG: Final[dict[str, Booth]] = {b.slug: b for b in BOOTHS}

# --------------------------------------------------------------------------------------
# Speakers (fictional people) and sessions
# --------------------------------------------------------------------------------------

_PEOPLE: Final[dict[str, Speaker]] = {
    p[0]: Speaker(name=p[1], title=p[2], org=p[3], bio=p[4])
    for p in (
        # Tag 1 – Gelsenkirchen
        (
            "wellmann",
            "Dr. Katharina Wellmann",
            "Beigeordnete für Digitalisierung und Bürgerservice der Stadt Gelsenkirchen",
            "modellregion-gelsenkirchen",
            "Verantwortet seit 2021 die Digitalstrategie „Vernetzte Stadt“; zuvor Leiterin des Bürgeramts.",
        ),
        (
            "sander",
            "Prof. Dr. Henrik Sander",
            "Beauftragter der Landesregierung für Informationstechnik (CIO) NRW",
            "mwide",
            "Wirtschaftsinformatiker, lehrte zehn Jahre Verwaltungsinformatik, seit 2024 CIO des Landes.",
        ),
        (
            "auer",
            "Dr. Jan-Philipp Auer",
            "Geschäftsführer",
            "kdn",
            "Koordiniert die OZG-Themenfelder der kommunalen IT-Dienstleister in NRW und das Kommunalportal.NRW.",
        ),
        (
            "koerner",
            "Miriam Körner",
            "Leiterin der Stabsstelle Vernetzte Stadt",
            "stadt-gelsenkirchen",
            "Baute die Bürger-ID-App vom Prototyp bis zum Regelbetrieb auf.",
        ),
        (
            "lindemann",
            "Tobias Lindemann",
            "Teamleiter Open Data",
            "modellregion-gelsenkirchen",
            "Geograf und Datenredakteur, betreut über 400 offene Datensätze der Region.",
        ),
        (
            "aksoy",
            "Dr. Leyla Aksoy",
            "Leiterin der urbanen Datenplattform",
            "stadt-dortmund",
            "Promovierte in Stadtplanung und verbindet Sensorik, Geodaten und Fachverfahren.",
        ),
        (
            "overbeck",
            "Ralf Overbeck",
            "Bereichsleiter Onlinedienste",
            "regio-it",
            "Verantwortet über 300 Onlinedienste für Kommunen im Rheinland.",
        ),
        (
            "kettler",
            "Sandra Kettler",
            "Leiterin Portale und Onlinezugang",
            "suedwestfalen-it",
            "Führt die Portalplattform der SIT für rund 60 Kommunen.",
        ),
        (
            "hagedorn",
            "Christoph Hagedorn",
            "Referent für Digitalisierung",
            "stgb-nrw",
            "Vertritt die Interessen kleiner und mittlerer Städte in den OZG-Gremien des Landes.",
        ),
        (
            "engels",
            "Nora Engels",
            "Leiterin Kommunikation",
            "kdn",
            "Moderiert seit Jahren Fachveranstaltungen der kommunalen IT in NRW.",
        ),
        (
            "kruse",
            "Sebastian Kruse",
            "Sachgebietsleiter Bürgerdialog",
            "stadt-bottrop",
            "Führte den Mängelmelder ein und betreut die Redaktion der Meldungen.",
        ),
        (
            "schuettler",
            "Lea Schüttler",
            "Produktverantwortliche Chatbot",
            "stadt-bochum",
            "Verwaltungswirtin mit Schwerpunkt Wissensmanagement und Servicecenter.",
        ),
        (
            "pohlmann",
            "Markus Pohlmann",
            "Leiter Smart Infrastructure",
            "stadtwerke-emscher-digital",
            "Elektroingenieur, zuständig für Lichtsteuerung und LoRaWAN-Netz.",
        ),
        (
            "wiechers",
            "Gregor Wiechers",
            "Projektleiter Kommunen",
            "parkraum-plus",
            "Begleitete Sensorik-Projekte in sieben Städten von der Ausschreibung bis zum Betrieb.",
        ),
        (
            "ribeiro",
            "Dr. Ana Ribeiro",
            "Visiting Professor Urban Data",
            "westfaelische-hochschule",
            "Researches data governance in European smart-city partnerships; previously worked in Porto and Eindhoven.",
        ),
        (
            "mehring",
            "Carolin Mehring",
            "Geschäftsführerin",
            "klartext-barrierefrei",
            "Prüferin für digitale Barrierefreiheit und Übersetzerin für Leichte Sprache.",
        ),
        # Tag 2 – Aachen
        (
            "hoevelmann",
            "Sabine Hövelmann",
            "Dezernentin für Digitalisierung und Organisation der Stadt Aachen",
            "modellregion-aachen",
            "Juristin, leitete zuvor das Hauptamt und den Rollout der E-Akte.",
        ),
        (
            "lennartz",
            "Thomas Lennartz",
            "Projektleiter E-Akte",
            "stadt-aachen",
            "Brachte 3.000 Arbeitsplätze in 24 Monaten auf die E-Akte.",
        ),
        (
            "classen",
            "Petra Claßen",
            "Leiterin der Bauaufsicht",
            "staedteregion-aachen",
            "Architektin und Verwaltungsfachfrau, treibt den digitalen Bauantrag seit 2022 voran.",
        ),
        (
            "brandt",
            "Dr. Felix Brandt",
            "Technischer Geschäftsführer",
            "ki-werkstatt-aachen",
            "Informatiker mit Schwerpunkt Dokumentenanalyse und erklärbare KI.",
        ),
        (
            "meisen",
            "Yvonne Meisen",
            "Datenschutzbeauftragte",
            "itk-rheinland",
            "Berät Kommunen zu Datenschutz-Folgenabschätzungen für KI-Anwendungen.",
        ),
        (
            "stoltenberg",
            "Dr. Birgit Stoltenberg",
            "Referatsleiterin Onlinezugang",
            "mwide",
            "Koordiniert die Landesaktivitäten zur Umsetzung des OZG und zur Registermodernisierung.",
        ),
        (
            "kuckertz",
            "Andrea Kuckertz",
            "Leiterin Onlinedienste",
            "kdvz-rhein-erft-rur",
            "Verantwortet den OZG-Baukasten für über 30 Kommunen.",
        ),
        (
            "wolters",
            "Hendrik Wolters",
            "Beigeordneter",
            "landkreistag-nrw",
            "Zuständig für Digitalisierung, Ordnungsrecht und Verkehr.",
        ),
        (
            "hagen",
            "Prof. Dr. Simone Hagen",
            "Professorin für Verwaltungsinformatik",
            "rwth-aachen",
            "Forscht zu Prozessmanagement und leitet das Prozesslabor Verwaltung.",
        ),
        (
            "esser",
            "Martin Esser",
            "Referent Kommunikation und Veranstaltungen",
            "vitako",
            "Moderiert Fachformate zur kommunalen IT auf Bundesebene.",
        ),
        (
            "puetz",
            "Jonas Pütz",
            "Wissenschaftlicher Mitarbeiter",
            "rwth-aachen",
            "Modelliert Verwaltungsprozesse in BPMN und betreut die Referenzprozess-Bibliothek.",
        ),
        (
            "elbers",
            "Carsten Elbers",
            "Produktmanager Servicekonto.NRW",
            "d-nrw",
            "Betreut die Anbindung von Kommunen an Servicekonto, BundID und Postfach.",
        ),
        (
            "kreutzer",
            "Ute Kreutzer",
            "Produktmanagerin Sitzungsdienst",
            "regio-it",
            "Ehemalige Ratsreferentin, kennt den Sitzungsdienst aus beiden Perspektiven.",
        ),
        (
            "vahle",
            "Dr. Kerstin Vahle",
            "Bereichsleiterin Digitalisierung und Innovation",
            "krz",
            "Entwickelte das Beratungsformat DigiCheck@Kom mit Verbandskommunen des krz.",
        ),
        # Tag 3 – Wuppertal
        (
            "brandhoff",
            "Oliver Brandhoff",
            "Beigeordneter für Wirtschaft und Digitalisierung der Stadt Wuppertal",
            "modellregion-wuppertal",
            "Ökonom, zuvor Leiter der Wirtschaftsförderung im Bergischen Städtedreieck.",
        ),
        (
            "hombach",
            "Lisa Hombach",
            "Mobilitätsmanagerin",
            "stadt-wuppertal",
            "Verkehrsplanerin, verantwortet die Mobilitätsplattform des Bergischen Landes.",
        ),
        (
            "leuchtenberg",
            "Kai Leuchtenberg",
            "Betriebsleiter On-Demand-Verkehre",
            "wupperbus",
            "Plant Bedienungsgebiete und Tarifintegration für Rufbusse.",
        ),
        (
            "oehler",
            "Peter Oehler",
            "Leiter Gewerbe- und Gaststättenangelegenheiten",
            "stadt-solingen",
            "Stellte die Gewerbeanmeldung vollständig auf online um.",
        ),
        (
            "schnabel",
            "Meike Schnabel",
            "Wirtschaftsförderin",
            "stadt-remscheid",
            "Betreut das Gewerbeflächenportal und die Ansiedlungsberatung.",
        ),
        (
            "wallbrecht",
            "Dirk Wallbrecht",
            "Citymanager",
            "modellregion-wuppertal",
            "Verbindet Handel, Gastronomie und Verwaltung in der Wuppertaler Innenstadt.",
        ),
        (
            "aydin",
            "Sevgi Aydın",
            "Referentin für Stadtentwicklung",
            "staedtetag-nrw",
            "Schwerpunkt Innenstadtentwicklung und Förderprogramme.",
        ),
        (
            "reuter",
            "Prof. Dr. Matthias Reuter",
            "Professor für Radverkehrsplanung",
            "uni-wuppertal",
            "Leads the sensor-based cycling counts in the Bergisches Land region.",
        ),
        (
            "fuchs",
            "Annika Fuchs",
            "Wirtschaftsförderin",
            "stadt-velbert",
            "Verantwortet Leerstandsmanagement und das Ladeinfrastruktur-Kataster.",
        ),
        (
            "rosenkranz",
            "Tim Rosenkranz",
            "Leiter Straßenverkehrsamt",
            "stadt-wuppertal",
            "Führte i-Kfz und den digitalen Bewohnerparkausweis ein.",
        ),
        (
            "ostendorf",
            "Frauke Ostendorf",
            "Geschäftsführerin",
            "geodaten-kontor",
            "Geoinformatikerin, spezialisiert auf Baustellenkoordination.",
        ),
        (
            "vormann",
            "Lena Vormann",
            "Leiterin Personalmarketing",
            "stadt-muenster",
            "Baut das Karriereportal der Stadt Münster auf.",
        ),
        (
            "kaya",
            "Emre Kaya",
            "Auszubildender Fachinformatik",
            "stadt-muenster",
            "Berichtet aus Sicht der Auszubildenden über den Bewerbungsprozess.",
        ),
        # Tag 4 – OWL
        (
            "ostermann",
            "Dr. Felix Ostermann",
            "Erster Beigeordneter der Stadt Paderborn",
            "modellregion-owl",
            "Verantwortet Digitalisierung, Schule und Ordnung; Sprecher der Digitalen Modellregion OWL.",
        ),
        (
            "wiebusch",
            "Henning Wiebusch",
            "Projektleiter Schüler Online",
            "krz",
            "Betreut Schüler Online seit 2012 und leitet die Erweiterung zur OZG-Musteranwendung.",
        ),
        (
            "pape",
            "Dr. Claudia Pape",
            "Referatsleiterin Digitalisierung in der Schulverwaltung",
            "msb-nrw",
            "Koordiniert die OZG-Leistungen des Themenfelds Bildung auf Landesseite.",
        ),
        (
            "rosendahl",
            "Anja Rosendahl",
            "Leiterin Projektbüro Digitale Modellregion OWL",
            "modellregion-owl",
            "Steuert das Projektportfolio der Modellregion und die Nachnutzung durch andere Kommunen.",
        ),
        (
            "toelle",
            "Bernd Tölle",
            "Leiter Schulverwaltungsamt",
            "kreis-paderborn",
            "Verantwortet Schülerbeförderung und das digitale Schülerticket.",
        ),
        (
            "hillebrand",
            "Jürgen Hillebrand",
            "Digitalisierungsbeauftragter",
            "stadt-delbrueck",
            "Baute das LoRaWAN-Netz der Stadt Delbrück mit auf.",
        ),
        (
            "boekamp",
            "Kathrin Bökamp",
            "Leiterin Serviceportal",
            "stadt-paderborn",
            "Verantwortet über 180 Onlinedienste der Stadt Paderborn.",
        ),
        (
            "steinkuehler",
            "Ralf Steinkühler",
            "Leiter Zentrale Dienste",
            "kreis-paderborn",
            "Koordiniert die Zusammenarbeit der Kreiskommunen bei Onlinediensten.",
        ),
        (
            "strothmann",
            "Melanie Strothmann",
            "Leiterin E-Government",
            "stadt-bielefeld",
            "Initiierte das gemeinsame Formularrepository in OWL.",
        ),
        (
            "kortmann",
            "Svenja Kortmann",
            "Leiterin Medienzentrum",
            "kreis-herford",
            "Verantwortet die Medienentwicklungsplanung für 60 Schulen.",
        ),
        (
            "brinkhoff",
            "Ole Brinkhoff",
            "Vorstand",
            "schulcloud-westfalen",
            "Lehrer und Informatiker, baut die Genossenschaft der Schulträger auf.",
        ),
        (
            "kleibrink",
            "Prof. Dr. Reinhard Kleibrink",
            "Sprecher des Konsortiums INSPIRE",
            "uni-paderborn",
            "Forscht zu Informationssystemen für Krisenmanagement.",
        ),
        (
            "lohoff",
            "Stefanie Lohoff",
            "Leiterin Bevölkerungsschutz",
            "stadt-minden",
            "Verantwortet Sirenennetz und Krisenstab der Stadt Minden.",
        ),
        (
            "ebbers",
            "Wilfried Ebbers",
            "Referent Warnung der Bevölkerung",
            "im-nrw",
            "Koordiniert Warntage und die Anbindung der Kommunen an das Modulare Warnsystem.",
        ),
        (
            "kleinemeier",
            "Ruth Kleinemeier",
            "Leiterin der Volkshochschule",
            "stadt-detmold",
            "Stellte das gesamte Kursprogramm auf Online-Buchung um.",
        ),
        (
            "niemann",
            "Pascal Niemann",
            "Leiter Digitale Dienste der Stadtbibliothek",
            "stadt-guetersloh",
            "Bibliothekar mit Schwerpunkt Makerspace und digitale Grundbildung.",
        ),
        # Tag 5 – Soest
        (
            "brueggemann",
            "Dr. Ulrike Brüggemann",
            "Kreisdirektorin des Kreises Soest",
            "modellregion-soest",
            "Verwaltungswissenschaftlerin, verantwortet Gesundheit, Ordnung und Digitalisierung im Kreis.",
        ),
        (
            "mertin",
            "Dr. med. Sabine Mertin",
            "Leiterin des Gesundheitsamts",
            "kreis-soest",
            "Fachärztin für öffentliches Gesundheitswesen.",
        ),
        (
            "husemann",
            "Dr. med. Lars Husemann",
            "Ärztlicher Leiter Telenotarzt",
            "telemed-sauerland",
            "Notfallmediziner, baute die Telenotarzt-Zentrale im Sauerland auf.",
        ),
        (
            "schmallenbach",
            "Maria Schmallenbach",
            "Quartiersmanagerin Ortsteile",
            "stadt-soest",
            "Begleitet die Dorf-App gemeinsam mit Ehrenamtlichen aus 18 Ortsteilen.",
        ),
        (
            "tillmann",
            "Georg Tillmann",
            "Ortsvorsteher",
            "stadt-soest",
            "Ehrenamtlicher Ortsvorsteher und Mitentwickler der Dorf-App.",
        ),
        (
            "luebbers",
            "Frank Lübbers",
            "Leiter der Feuerwehr",
            "stadt-arnsberg",
            "Verantwortet das Hochwasser-Frühwarnsystem an kleinen Gewässern.",
        ),
        (
            "sauerwald",
            "Nicole Sauerwald",
            "Informationssicherheitsbeauftragte (CISO)",
            "suedwestfalen-it",
            "Leitete die Wiederanlaufplanung nach einem Cyberangriff auf kommunale IT.",
        ),
        (
            "dransfeld",
            "Jens Dransfeld",
            "Stadtbrandinspektor",
            "stadt-werl",
            "Leiter der Freiwilligen Feuerwehr Werl und Initiator der Alarmierungs-App.",
        ),
        (
            "rehbein",
            "Dominik Rehbein",
            "Sicherheitsberater Kommunen",
            "itk-rheinland",
            "Führt Notfallübungen und Planspiele für Verwaltungsstäbe durch.",
        ),
        (
            "hesse",
            "Christian Hesse",
            "Projektleiter Breitband",
            "suedwestfalen-it",
            "Koordiniert das Breitbandportal für fünf Kreise.",
        ),
        (
            "steinhoff",
            "Gabriele Steinhoff",
            "Leiterin Pflegeberatung",
            "stadt-lippstadt",
            "Sozialarbeiterin, betreut die Pflegeplatzbörse.",
        ),
        (
            "wuebbeke",
            "Prof. Dr. Tim Wübbeke",
            "Professor für Umweltmesstechnik",
            "fh-suedwestfalen",
            "Leitet das Forschungsprojekt zur smarten Trinkwasserüberwachung.",
        ),
    )
}

# Rows: day, stage, start "HH:MM", minutes, kind, topic, title, abstract,
#       speaker keys (space separated), moderator key or "", booth slugs, language, do_not_record
_SESSION_ROWS: Final[
    tuple[tuple[int, str, str, int, SessionKind, str, str, str, str, str, str, str, bool], ...]
] = (
    # ---- Tag 1: Gelsenkirchen -----------------------------------------------------------
    (
        0,
        "hauptbuehne",
        "09:00",
        15,
        "opening",
        "smart-city",
        "Grußwort der gastgebenden Region Gelsenkirchen",
        "Gelsenkirchen eröffnet die Veranstaltungsreihe und erklärt, warum eine vernetzte Stadt mehr ist als Technik. Ein Überblick über fünf Jahre Modellregion – und was andere Kommunen davon übernehmen können.",
        "wellmann",
        "",
        "",
        "de",
        False,
    ),
    (
        0,
        "hauptbuehne",
        "09:15",
        15,
        "opening",
        "e-government",
        "Grußwort des Landes: Kommunen lernen von Kommunen",
        "Keine Kommune kann die Digitalisierung allein stemmen. Der CIO des Landes beschreibt, welche Rolle Netzwerke, Kooperation und gemeinsame Plattformen für ein digitales NRW spielen.",
        "sander",
        "",
        "",
        "de",
        False,
    ),
    (
        0,
        "hauptbuehne",
        "09:45",
        30,
        "talk",
        "e-government",
        "Kommunalportal.NRW: Stand und Fahrplan 2027",
        "Wie viele Kommunen sind angeschlossen, welche Leistungen kommen als Nächstes, und was kostet der Anschluss? Der KDN stellt Zahlen, Roadmap und das Betriebsmodell des herstellerneutralen Leitportals vor.",
        "auer",
        "",
        "ge-kommunalportal",
        "de",
        False,
    ),
    (
        0,
        "forum",
        "10:00",
        30,
        "talk",
        "smart-city",
        "Bürger-ID auf dem Smartphone – Erfahrungen aus Gelsenkirchen",
        "Von der Idee bis zu 40.000 aktiven Nutzerinnen und Nutzern: Wir zeigen, wie die Bürger-ID entstand, welche Einrichtungen sie akzeptieren und welche Datenschutzfragen zu klären waren.",
        "koerner",
        "",
        "ge-buerger-app",
        "de",
        False,
    ),
    (
        0,
        "hauptbuehne",
        "10:30",
        30,
        "talk",
        "smart-city",
        "Open Data als Infrastruktur: Von der Datenquelle zum Dashboard",
        "Offene Daten entfalten ihren Wert erst, wenn sie aktuell und verlässlich sind. Zwei Städte zeigen, wie sie Datenflüsse aus Fachverfahren automatisieren und daraus Dashboards für Politik und Öffentlichkeit bauen.",
        "lindemann aksoy",
        "",
        "ge-open-data ge-urbane-datenplattform",
        "de",
        False,
    ),
    (
        0,
        "hauptbuehne",
        "11:15",
        60,
        "panel",
        "e-government",
        "Diskussionsrunde: Kommunalportal.NRW – offen, herstellerneutral, kommunal?",
        "IT-Dienstleister, Dachverband und kommunale Spitzenverbände diskutieren, wie das Kommunalportal.NRW für alle Kommunen einen Mehrwert bringt. Im Mittelpunkt: Nachnutzung, Finanzierung und das Zusammenspiel mit bestehenden Stadtportalen. Fragen aus dem Publikum sind ausdrücklich erwünscht.",
        "overbeck kettler auer hagedorn",
        "engels",
        "ge-kommunalportal ge-serviceportal-re",
        "de",
        False,
    ),
    (
        0,
        "werkstatt",
        "13:00",
        60,
        "workshop",
        "buergerservice",
        "Werkstatt: Mängelmelder & Chatbot – Bürgerservice rund um die Uhr",
        "In kleinen Gruppen entwerfen wir Meldekategorien und Antwortbausteine für Ihre Kommune. Bottrop und Bochum teilen ihre Redaktionsprozesse und typische Fehler aus dem ersten Betriebsjahr.",
        "kruse schuettler",
        "",
        "ge-maengelmelder ge-chatbot",
        "de",
        False,
    ),
    (
        0,
        "hauptbuehne",
        "13:30",
        30,
        "talk",
        "smart-city",
        "Licht, Parken, Sensorik: Der Stadtraum als Datenquelle",
        "Smarte Straßenbeleuchtung und Parksensorik liefern Daten, die weit über ihren ursprünglichen Zweck hinaus nützlich sind. Wie Stadtwerke und Verwaltung Netze, Sensoren und Ausschreibungen gemeinsam planen.",
        "pohlmann wiechers",
        "",
        "ge-smarte-beleuchtung ge-parkraum",
        "de",
        False,
    ),
    (
        0,
        "forum",
        "14:00",
        30,
        "talk",
        "smart-city",
        "Smart City Data Governance: Lessons from European Partner Cities",
        "Who owns sensor data collected in public space, and who may use it? This talk compares data-governance models from Dutch, Portuguese and German cities and derives practical rules for municipal data platforms.",
        "ribeiro",
        "",
        "ge-crowd-management",
        "en",
        False,
    ),
    (
        0,
        "hauptbuehne",
        "14:30",
        30,
        "talk",
        "buergerservice",
        "Barrierefrei und in Leichter Sprache: Verwaltungsportale für alle",
        "Rund jede zehnte Person in Deutschland ist auf einfache Sprache angewiesen. Wir zeigen, wie Leistungsbeschreibungen, Formulare und PDF-Bescheide barrierefrei werden – und wie Sie Prüfungen nach BITV 2.0 organisieren.",
        "mehring",
        "",
        "ge-leichte-sprache",
        "de",
        False,
    ),
    # ---- Tag 2: Aachen ------------------------------------------------------------------
    (
        1,
        "hauptbuehne",
        "09:00",
        20,
        "opening",
        "e-government",
        "Grußwort der gastgebenden Region Aachen",
        "Aachen begrüßt die Teilnehmenden zum Tag der digitalen Verwaltung. Die Dezernentin berichtet, wie eine Großstadt ihre Organisation auf durchgängig digitale Prozesse umstellt.",
        "hoevelmann",
        "",
        "",
        "de",
        False,
    ),
    (
        1,
        "hauptbuehne",
        "09:30",
        30,
        "talk",
        "e-government",
        "E-Akte flächendeckend: 3.000 Arbeitsplätze in 24 Monaten",
        "Aktenplan, Scanstrategie, Schulung und Akzeptanz: Der Projektleiter berichtet offen, was gut lief und was wir heute anders machen würden.",
        "lennartz",
        "",
        "ac-e-akte",
        "de",
        False,
    ),
    (
        1,
        "forum",
        "09:45",
        30,
        "talk",
        "e-government",
        "Digitaler Bauantrag: Vom PDF-Upload zum medienbruchfreien Verfahren",
        "Die StädteRegion Aachen zeigt, wie Bauaufsicht, Fachstellen und Bauherren im digitalen Verfahren zusammenarbeiten. Mit Zahlen zu Bearbeitungszeiten und Erfahrungen mit XBau.",
        "classen",
        "",
        "ac-bauantrag",
        "de",
        False,
    ),
    (
        1,
        "hauptbuehne",
        "10:15",
        30,
        "talk",
        "e-government",
        "KI im Posteingang: Was geht, was darf, was bringt's?",
        "Ein Start-up und eine Datenschutzbeauftragte berichten gemeinsam aus einem Pilotprojekt zur automatischen Dokumentenklassifikation. Der Vortrag enthält vorläufige, noch nicht veröffentlichte Ergebnisse und wird daher nicht aufgezeichnet.",
        "brandt meisen",
        "",
        "ac-ki-posteingang",
        "de",
        True,
    ),
    (
        1,
        "hauptbuehne",
        "11:00",
        60,
        "panel",
        "e-government",
        "Diskussionsrunde: OZG 2.0 – vom Online-Antrag zur Ende-zu-Ende-Digitalisierung",
        "Ein Online-Formular allein macht noch keine digitale Verwaltung. Land, Kreise, IT-Dienstleister und Wissenschaft diskutieren, wie Anträge medienbruchfrei bis in Fachverfahren und E-Akte laufen – und was dafür an Standards und Geld nötig ist.",
        "stoltenberg kuckertz wolters hagen",
        "esser",
        "ac-ozg-baukasten",
        "de",
        False,
    ),
    (
        1,
        "werkstatt",
        "13:00",
        60,
        "workshop",
        "e-government",
        "Werkstatt: Verwaltungsprozesse modellieren mit BPMN",
        "Bringen Sie einen Prozess aus Ihrem Haus mit: Gemeinsam modellieren wir ihn in BPMN 2.0, suchen Medienbrüche und prüfen, welche Referenzprozesse sich nachnutzen lassen. Keine Vorkenntnisse nötig.",
        "hagen puetz",
        "",
        "ac-prozesslabor",
        "de",
        False,
    ),
    (
        1,
        "hauptbuehne",
        "13:30",
        30,
        "talk",
        "e-government",
        "Servicekonto.NRW, BundID & Postfach: Identität in der Praxis",
        "Welche Vertrauensniveaus brauchen Ihre Onlinedienste, und wie kommt der Bescheid sicher ins Postfach? Ein praxisnaher Überblick mit Anbindungsbeispielen.",
        "elbers",
        "",
        "ac-servicekonto",
        "de",
        False,
    ),
    (
        1,
        "forum",
        "14:15",
        30,
        "talk",
        "e-government",
        "Ratsarbeit papierlos: Erfahrungen mit dem digitalen Sitzungsdienst",
        "Von der Vorlage bis zum Beschluss ohne Papier – und mit offenen Daten nach OParl. Wie Verwaltung und Ratsmitglieder den Umstieg gemeistert haben.",
        "kreutzer",
        "",
        "ac-ratsinfo",
        "de",
        False,
    ),
    (
        1,
        "hauptbuehne",
        "14:30",
        30,
        "talk",
        "e-government",
        "DigiCheck@Kom: Digitalisierung beginnt bei den Menschen",
        "Anwendungen bereitzustellen reicht nicht. Das krz zeigt, wie es mit Fachbereichen ein Vorgehensmodell für drei Jahre entwickelt und Beschäftigte von Betroffenen zu Beteiligten macht.",
        "vahle",
        "",
        "ac-digicheck",
        "de",
        False,
    ),
    # ---- Tag 3: Wuppertal ---------------------------------------------------------------
    (
        2,
        "hauptbuehne",
        "09:00",
        20,
        "opening",
        "mobilitaet",
        "Grußwort der gastgebenden Region Wuppertal",
        "Der Beigeordnete für Wirtschaft und Digitalisierung eröffnet den Mobilitäts- und Wirtschaftstag und stellt die Projekte des Bergischen Städtedreiecks vor.",
        "brandhoff",
        "",
        "",
        "de",
        False,
    ),
    (
        2,
        "hauptbuehne",
        "09:30",
        30,
        "talk",
        "mobilitaet",
        "Mobilitätsdaten teilen: Die Plattform des Bergischen Landes",
        "Drei Städte, ein Verkehrsverbund, viele Sharing-Anbieter: Wie die Mobilitätsplattform Daten bündelt und über eine offene Schnittstelle bereitstellt.",
        "hombach",
        "",
        "wu-mobilitaetsplattform",
        "de",
        False,
    ),
    (
        2,
        "forum",
        "10:00",
        30,
        "talk",
        "mobilitaet",
        "On-Demand-Verkehr am Stadtrand: Bilanz nach zwei Jahren",
        "Rufbusse statt leerer Linienbusse: Auslastung, Kosten pro Fahrgast und Akzeptanz bei älteren Menschen – ehrliche Zahlen aus dem Betrieb.",
        "leuchtenberg",
        "",
        "wu-on-demand",
        "de",
        False,
    ),
    (
        2,
        "hauptbuehne",
        "10:15",
        30,
        "talk",
        "wirtschaft-arbeit",
        "Unternehmensservices digital: Gewerbeanmeldung und Gewerbeflächen",
        "Solingen und Remscheid zeigen, wie Unternehmen ihre Behördengänge online erledigen und passende Flächen finden. Mit Blick auf Bearbeitungszeiten und Rückmeldungen aus der Wirtschaft.",
        "oehler schnabel",
        "",
        "wu-gewerbe wu-gewerbeflaechen",
        "de",
        False,
    ),
    (
        2,
        "hauptbuehne",
        "11:00",
        60,
        "panel",
        "wirtschaft-arbeit",
        "Diskussionsrunde: Innenstadt der Zukunft – Handel, Verkehr, Verwaltung",
        "Leerstand, Onlinehandel, Verkehrswende: Die Innenstädte stehen unter Druck. Citymanagement, Wirtschaftsförderung, Wissenschaft und Städtetag diskutieren, welchen Beitrag digitale Angebote leisten können.",
        "wallbrecht aydin reuter fuchs",
        "engels",
        "wu-digitale-innenstadt",
        "de",
        False,
    ),
    (
        2,
        "werkstatt",
        "13:00",
        45,
        "workshop",
        "mobilitaet",
        "Werkstatt: i-Kfz und Bewohnerparken richtig einführen",
        "Checklisten, Kommunikationsmaterial und Stolpersteine: Wir gehen gemeinsam durch die Einführung von Online-Zulassung und digitalem Bewohnerparkausweis.",
        "kuckertz rosenkranz",
        "",
        "wu-ikfz wu-bewohnerparken",
        "de",
        False,
    ),
    (
        2,
        "hauptbuehne",
        "13:30",
        30,
        "talk",
        "mobilitaet",
        "Baustellen koordinieren mit Geodaten",
        "Wenn Versorger, Tiefbauamt und Verkehrsbetriebe ihre Planungen in eine Karte eintragen, werden Konflikte früh sichtbar. Ein Praxisbericht mit Beispielen aus Münster und Wuppertal.",
        "ostendorf",
        "",
        "wu-baustellen",
        "de",
        False,
    ),
    (
        2,
        "forum",
        "14:00",
        30,
        "talk",
        "mobilitaet",
        "Counting Cyclists: Sensor-Based Bike Traffic Monitoring",
        "Thermal cameras, induction loops or radar? We compare sensor types by accuracy and cost and show how open time-series data helps to evaluate new cycle lanes.",
        "reuter",
        "",
        "wu-radverkehr",
        "en",
        False,
    ),
    (
        2,
        "hauptbuehne",
        "14:30",
        30,
        "talk",
        "wirtschaft-arbeit",
        "Fachkräfte für die Verwaltung: Bewerben in 15 Minuten",
        "Münster hat das Anschreiben abgeschafft und setzt auf Videos aus den Ämtern. Personalmarketing und ein Auszubildender berichten, was das gebracht hat.",
        "vormann kaya",
        "",
        "wu-ausbildungsportal",
        "de",
        False,
    ),
    # ---- Tag 4: OWL ---------------------------------------------------------------------
    (
        3,
        "hauptbuehne",
        "09:00",
        20,
        "opening",
        "bildung",
        "Grußwort der gastgebenden Region Ostwestfalen-Lippe",
        "Paderborn begrüßt die Teilnehmenden in OWL. Der Erste Beigeordnete zeigt, wie Stadt, Kreis und Nachbarkommunen ihre Leuchtturmprojekte gemeinsam in die Fläche bringen.",
        "ostermann",
        "",
        "",
        "de",
        False,
    ),
    (
        3,
        "hauptbuehne",
        "09:30",
        30,
        "talk",
        "bildung",
        "Schulanmeldung. Einfach. Online – Schüler Online für alle Schulformen",
        "Schüler Online regelt seit Jahren die Anmeldung an Berufskollegs und in der Sekundarstufe II. Als OZG-Musteranwendung kommen nun alle Schulformen, die Eltern und die Kommunen als Schulträger hinzu. Projektleitung und Schulministerium zeigen Funktionsweise und Zeitplan.",
        "wiebusch pape",
        "",
        "owl-schueler-online",
        "de",
        False,
    ),
    (
        3,
        "forum",
        "10:00",
        30,
        "talk",
        "smart-city",
        "LoRaWAN in der Flächenstadt: Handlungsleitfaden aus Delbrück",
        "Gateway-Standorte, Sensorauswahl, Betriebskosten: Delbrück teilt Abschlusskonzept und Leitfaden, damit andere Kommunen schneller starten können.",
        "hillebrand",
        "",
        "owl-lorawan",
        "de",
        False,
    ),
    (
        3,
        "hauptbuehne",
        "10:15",
        30,
        "talk",
        "bildung",
        "Das OZG für Eltern, Kinder und Jugendliche – digital bis zum Schulabschluss",
        "Von der Kita-Platzvergabe über die Schulanmeldung bis zum digitalen Schülerticket: Wie die Modellregion OWL und das KDN-Themenfeld Bildung Leistungen entlang des Lebenswegs verknüpfen.",
        "rosendahl toelle",
        "",
        "owl-schuelerticket owl-kita-navigator",
        "de",
        False,
    ),
    (
        3,
        "hauptbuehne",
        "11:00",
        60,
        "panel",
        "e-government",
        "Diskussionsrunde: Serviceportale nachnutzen – was Paderborn, der Kreis und Bielefeld gelernt haben",
        "Welche Kommunen haben Formulare übernommen, welche Anpassungen waren nötig, und wer pflegt am Ende was? Drei Portalverantwortliche und der KDN diskutieren Governance und Kosten der Nachnutzung.",
        "boekamp steinkuehler strothmann auer",
        "rosendahl",
        "owl-serviceportal-paderborn owl-serviceportal-bielefeld",
        "de",
        False,
    ),
    (
        3,
        "werkstatt",
        "13:00",
        60,
        "workshop",
        "bildung",
        "Werkstatt für Schulträger: Medienentwicklungsplan und Schulcloud",
        "Wir arbeiten mit den Vorlagen des Kreises Herford: Bestandsaufnahme, Kennzahlen, Supportmodell. Im zweiten Teil geht es um Geräteverwaltung und Lernplattform im Genossenschaftsmodell.",
        "kortmann brinkhoff",
        "",
        "owl-medienentwicklung owl-schulcloud",
        "de",
        False,
    ),
    (
        3,
        "hauptbuehne",
        "13:30",
        30,
        "talk",
        "sicherheit",
        "INSPIRE: Modulare Datenmodelle für die zivile Gefahrenabwehr",
        "Das Konsortium INSPIRE zeigt ein gemeinsames Lagebild für Feuerwehr und Katastrophenschutz. Weil Einsatzdetails aus echten Lagen gezeigt werden, wird dieser Beitrag nicht aufgezeichnet.",
        "kleibrink",
        "",
        "owl-inspire",
        "de",
        True,
    ),
    (
        3,
        "forum",
        "14:00",
        30,
        "talk",
        "sicherheit",
        "Warnen, bevor es ernst wird: Sirene, App und Cell Broadcast",
        "Was hat der letzte Warntag gezeigt? Stadt und Innenministerium berichten, wie die Warnmittel zusammenspielen und wo es noch hakt.",
        "lohoff ebbers",
        "",
        "owl-warnung",
        "de",
        False,
    ),
    (
        3,
        "hauptbuehne",
        "14:30",
        30,
        "talk",
        "bildung",
        "Bibliothek und Volkshochschule: Bildungsangebote digital buchen",
        "Online-Kursbuchung, digitaler Bibliotheksausweis und Makerspace: Zwei Bildungseinrichtungen zeigen, wie sie neue Zielgruppen erreichen.",
        "kleinemeier niemann",
        "",
        "owl-vhs-buchung owl-stadtbibliothek",
        "de",
        False,
    ),
    # ---- Tag 5: Soest -------------------------------------------------------------------
    (
        4,
        "hauptbuehne",
        "09:00",
        20,
        "opening",
        "gesundheit",
        "Grußwort der gastgebenden Region Soest",
        "Zum Abschluss der Reihe begrüßt der Kreis Soest die Teilnehmenden und zeigt, wie Digitalisierung Daseinsvorsorge im ländlichen Raum sichert.",
        "brueggemann",
        "",
        "",
        "de",
        False,
    ),
    (
        4,
        "hauptbuehne",
        "09:30",
        30,
        "talk",
        "gesundheit",
        "Das digitale Gesundheitsamt: Meldewesen, Kontaktmanagement, Schuleingang",
        "Vom Fax zu DEMIS und zur Online-Terminbuchung für die Schuleingangsuntersuchung: ein Gesundheitsamt zieht Bilanz.",
        "mertin",
        "",
        "so-gesundheitsamt so-schuleingang",
        "de",
        False,
    ),
    (
        4,
        "forum",
        "10:00",
        30,
        "talk",
        "gesundheit",
        "Telenotarzt im Sauerland: Erste Bilanz",
        "Wie oft wird die Telenotärztin zugeschaltet, wie verändert sich die Nachalarmierung, und was sagen die Notfallsanitäter? Zahlen und Erfahrungen aus dem ersten Jahr.",
        "husemann",
        "",
        "so-telenotarzt",
        "de",
        False,
    ),
    (
        4,
        "hauptbuehne",
        "10:15",
        30,
        "talk",
        "smart-city",
        "Dorf.Digital: Apps und Treffpunkte für 18 Ortsteile",
        "Eine Quartiersmanagerin und ein Ortsvorsteher berichten, wie die Dorf-App mit Ehrenamtlichen entstand und warum Zugezogene sie besonders schätzen.",
        "schmallenbach tillmann",
        "",
        "so-dorf-app",
        "de",
        False,
    ),
    (
        4,
        "hauptbuehne",
        "11:00",
        60,
        "panel",
        "sicherheit",
        "Diskussionsrunde: Resilienz im ländlichen Raum – Hochwasser, Stromausfall, Cyberangriff",
        "Feuerwehr, IT-Sicherheit und Land diskutieren, wie kleine Kommunen auf Krisen vorbereitet sind. Mit Erfahrungen aus Hochwasserlagen und einem Cyberangriff auf kommunale IT.",
        "luebbers sauerwald ebbers dransfeld",
        "esser",
        "so-hochwasser so-feuerwehr-app",
        "de",
        False,
    ),
    (
        4,
        "werkstatt",
        "13:00",
        60,
        "workshop",
        "sicherheit",
        "Werkstatt: Informationssicherheit für kleine Kommunen – Planspiel Notfall",
        "In einem Planspiel durchlaufen die Teilnehmenden die ersten 24 Stunden nach einem Ransomware-Angriff. Damit offen gesprochen werden kann, wird die Werkstatt nicht aufgezeichnet.",
        "sauerwald rehbein",
        "",
        "",
        "de",
        True,
    ),
    (
        4,
        "hauptbuehne",
        "13:30",
        30,
        "talk",
        "wirtschaft-arbeit",
        "Glasfaser bis ins letzte Dorf: Das Breitbandportal Südwestfalen",
        "Wie ein gemeinsames Portal den Ausbau für Bürgerinnen, Unternehmen und Verwaltung transparent macht und Markterkundungsverfahren vereinfacht.",
        "hesse",
        "",
        "so-breitband",
        "de",
        False,
    ),
    (
        4,
        "forum",
        "14:00",
        30,
        "talk",
        "gesundheit",
        "Daseinsvorsorge digital: Pflegeplatzbörse und Trinkwasserüberwachung",
        "Zwei kleine Projekte mit großer Wirkung: tagesaktuelle Pflegeplätze für Angehörige und Sensorik, die Auffälligkeiten im Trinkwasser meldet, bevor jemand sie bemerkt.",
        "steinhoff wuebbeke",
        "",
        "so-pflegeplatzboerse so-trinkwasser",
        "de",
        False,
    ),
    (
        4,
        "hauptbuehne",
        "14:30",
        60,
        "panel",
        "e-government",
        "Abschlussrunde: Fünf Regionen, ein Netzwerk – was nehmen wir mit?",
        "Vertreterinnen und Vertreter der gastgebenden Regionen ziehen Bilanz der Woche: Welche Lösungen sind reif zur Nachnutzung, wo braucht es Landesunterstützung, und wie geht es 2027 weiter?",
        "hoevelmann brandhoff ostermann brueggemann",
        "engels",
        "",
        "de",
        False,
    ),
)


def _build_sessions() -> tuple[Session, ...]:
    sessions: list[Session] = []
    for row in _SESSION_ROWS:
        (
            day,
            stage,
            start,
            minutes,
            kind,
            topic,
            title,
            abstract,
            speakers,
            moderator,
            booths,
            lang,
            dnr,
        ) = row
        hour, minute = (int(x) for x in start.split(":"))
        people = [_PEOPLE[k] for k in speakers.split()]
        if moderator:
            m = _PEOPLE[moderator]
            people.append(Speaker(m.name, m.title, m.org, m.bio, moderator=True))
        sessions.append(
            Session(
                slug=f"tag{day + 1}-{slugify(title, 50)}",
                title=title,
                kind=kind,
                day=day,
                stage=stage,
                start=datetime.combine(DAYS[day].date, time(hour, minute)),
                duration_min=minutes,
                abstract=abstract,
                topic=topic,
                language=lang,
                speakers=tuple(people),
                booths=tuple(booths.split()),
                do_not_record=dnr,
            )
        )
    return tuple(sessions)


SESSIONS: Final[tuple[Session, ...]] = _build_sessions()

# --------------------------------------------------------------------------------------
# FAQ and demo users
# --------------------------------------------------------------------------------------

FAQ: Final[tuple[FaqEntry, ...]] = (
    FaqEntry(
        "Wer kann an der Veranstaltungsreihe teilnehmen?",
        "Die Teilnahme steht allen Beschäftigten der öffentlichen Verwaltung, kommunalen IT-Dienstleistern, Hochschulen und interessierten Unternehmen offen. Die Teilnahme ist **kostenfrei**; eine Registrierung ist nur für Fragen im Chat und Gespräche an den Ständen nötig.",
    ),
    FaqEntry(
        "Muss ich mich für jeden Veranstaltungstag einzeln anmelden?",
        "Nein. Mit einer Registrierung haben Sie Zugang zu allen fünf Tagen, allen Bühnen und allen 72 Messeständen. Für die Werkstätten ist die Teilnehmerzahl begrenzt – melden Sie sich dort bitte zusätzlich im Programm an.",
    ),
    FaqEntry(
        "Welche technischen Voraussetzungen brauche ich?",
        "Ein aktueller Browser (Firefox, Chrome, Edge oder Safari) genügt; eine Software-Installation ist nicht nötig. Für die Werkstätten empfehlen wir ein Headset und – wenn möglich – eine Kamera. Falls Ihr Behördennetz Videostreams blockiert, wenden Sie sich bitte an Ihre IT.",
    ),
    FaqEntry(
        "Werden die Vorträge aufgezeichnet?",
        "Ja, die meisten Beiträge werden aufgezeichnet und stehen spätestens zwei Tage nach dem jeweiligen Termin im Programm zum Abruf bereit. Einzelne Beiträge sind als **„keine Aufzeichnung“** gekennzeichnet, etwa wenn vorläufige Ergebnisse oder Einsatzdetails gezeigt werden.",
    ),
    FaqEntry(
        "Wie stelle ich Fragen in den Diskussionsrunden?",
        "Unter jedem Livestream gibt es eine Fragerunde. Sie können Fragen schriftlich einreichen und die Fragen anderer unterstützen; die Moderation greift die meistunterstützten Fragen auf. Anonyme Fragen sind möglich.",
    ),
    FaqEntry(
        "Wie erreiche ich die Ansprechpersonen an den Messeständen?",
        "Jeder Stand nennt Ansprechpersonen mit E-Mail, Telefon und Erreichbarkeit. Während der Messe sind viele Stände live besetzt – Sie können direkt einen Videocall starten oder einen Gesprächstermin vereinbaren.",
    ),
    FaqEntry(
        "Bleibt die Messe nach der Veranstaltungswoche online?",
        "Ja. Die virtuelle Messe bleibt **bis auf Weiteres frei zugänglich**, mit Präsentationen, Leitfäden, Videomitschnitten und Kontaktdaten der Fachexpertinnen und -experten.",
    ),
    FaqEntry(
        "Kann meine Kommune eine der vorgestellten Lösungen übernehmen?",
        "Genau darum geht es: Kommunen lernen von Kommunen. Viele Stände bieten einen **Leitfaden zur Nachnutzung** zum Download an. Sprechen Sie die Ansprechpersonen direkt an oder wenden Sie sich an Ihren kommunalen IT-Dienstleister.",
    ),
    FaqEntry(
        "In welcher Zeitzone sind die Programmzeiten angegeben?",
        "Alle Zeiten beziehen sich auf die deutsche Ortszeit (Europe/Berlin, MEZ).",
    ),
)

USERS: Final[tuple[DemoUser, ...]] = (
    DemoUser("orga@example.org", "Organisationsteam DSK26", "organiser"),
    DemoUser("aussteller.krz@example.org", "Messeteam krz", "exhibitor", ("krz",)),
    DemoUser(
        "aussteller.gelsenkirchen@example.org",
        "Messeteam Gelsenkirchen",
        "exhibitor",
        ("stadt-gelsenkirchen", "modellregion-gelsenkirchen"),
    ),
    DemoUser("aussteller.regioit@example.com", "Messeteam regio iT", "exhibitor", ("regio-it",)),
    DemoUser(
        "aussteller.soest@example.org",
        "Messeteam Kreis und Stadt Soest",
        "exhibitor",
        ("kreis-soest", "stadt-soest"),
    ),
    DemoUser(
        "aussteller.start-up@example.com",
        "KI-Werkstatt Aachen",
        "exhibitor",
        ("ki-werkstatt-aachen",),
    ),
    DemoUser(
        "henning.wiebusch@example.org", "Henning Wiebusch", "speaker", ("krz",), "Henning Wiebusch"
    ),
    DemoUser(
        "katharina.wellmann@example.org",
        "Dr. Katharina Wellmann",
        "speaker",
        ("modellregion-gelsenkirchen",),
        "Dr. Katharina Wellmann",
    ),
    DemoUser(
        "ana.ribeiro@example.com",
        "Dr. Ana Ribeiro",
        "speaker",
        ("westfaelische-hochschule",),
        "Dr. Ana Ribeiro",
    ),
    DemoUser("nora.engels@example.org", "Nora Engels", "speaker", ("kdn",), "Nora Engels"),
)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for v in values:
        if v in seen and v not in dups:
            dups.append(v)
        seen.add(v)
    return dups


def _email_ok(email: str) -> bool:
    local, _, domain = email.partition("@")
    return bool(local) and domain in ALLOWED_EMAIL_DOMAINS


def validate() -> list[str]:
    """Check the invariants of the demo data; returns a list of problems (empty if fine)."""
    problems: list[str] = []
    add = problems.append
    topic_slugs = {t.slug for t in TOPICS}
    stage_slugs = {s.slug for s in STAGES}
    booth_slugs = {b.slug for b in BOOTHS}

    # counts
    if not 6 <= len(TOPICS) <= 8:
        add(f"expected 6–8 topics, got {len(TOPICS)}")
    if len(ORGANISATIONS) < 70:
        add(f"expected ~75 organisations, got {len(ORGANISATIONS)}")
    if len(DAYS) != 5:
        add(f"expected 5 days, got {len(DAYS)}")
    if not 2 <= len(STAGES) <= 3:
        add(f"expected 2–3 stages, got {len(STAGES)}")
    if len(BOOTHS) != 72:
        add(f"expected exactly 72 booths, got {len(BOOTHS)}")
    if len(SESSIONS) < 34:
        add(f"expected at least 34 sessions, got {len(SESSIONS)}")
    if not 6 <= len(FAQ) <= 10:
        add(f"expected 6–10 FAQ entries, got {len(FAQ)}")

    # unique slugs
    for label, slugs in (
        ("topic", [t.slug for t in TOPICS]),
        ("organisation", [o.slug for o in ORGANISATIONS]),
        ("stage", [s.slug for s in STAGES]),
        ("booth", [b.slug for b in BOOTHS]),
        ("session", [s.slug for s in SESSIONS]),
    ):
        for dup in _duplicates(slugs):
            add(f"duplicate {label} slug {dup!r}")
        for slug in slugs:
            if slug != slugify(slug, max_len=100):
                add(f"{label} slug {slug!r} is not a clean slug")

    # series
    if SERIES.time_zone != "Europe/Berlin":
        add("series time zone must be Europe/Berlin")
    if (SERIES.start_date, SERIES.end_date) != (DAYS[0].date, DAYS[-1].date):
        add("series dates do not match first/last day")

    # organisations
    for o in ORGANISATIONS:
        if o.kind not in ORG_KINDS:
            add(f"organisation {o.slug}: unknown kind {o.kind!r}")
        if not o.website.startswith("https://example.org/"):
            add(f"organisation {o.slug}: website not under https://example.org/")

    # days
    hosts = [d.host for d in DAYS]
    if len(set(hosts)) != 5:
        add("the five days must have five distinct hosts")
    for i, d in enumerate(DAYS):
        if d.index != i:
            add(f"day {i}: index field is {d.index}")
        if d.date.weekday() != i:
            add(f"day {i}: {d.date} is not weekday {i} (Mon–Fri)")
        host = ORGS_BY_SLUG.get(d.host)
        if host is None:
            add(f"day {i}: unknown host {d.host!r}")
        elif host.kind != "host_region":
            add(f"day {i}: host {d.host!r} is not a host_region")
        if d.start >= d.end:
            add(f"day {i}: start not before end")
        for t in d.topics:
            if t not in topic_slugs:
                add(f"day {i}: unknown topic {t!r}")

    # booths
    for b in BOOTHS:
        where = f"booth {b.slug}"
        if b.org not in ORGS_BY_SLUG:
            add(f"{where}: unknown organisation {b.org!r}")
        if not 1 <= len(b.topics) <= 2:
            add(f"{where}: needs 1–2 topics")
        for t in b.topics:
            if t not in topic_slugs:
                add(f"{where}: unknown topic {t!r}")
        if not 0 <= b.day < len(DAYS):
            add(f"{where}: day index {b.day} out of range")
        if not b.description.strip() or not b.tagline.strip():
            add(f"{where}: empty description or tagline")
        if not 1 <= len(b.materials) <= 4:
            add(f"{where}: needs 1–4 materials")
        for m in b.materials:
            if m.kind not in MATERIAL_KINDS:
                add(f"{where}: material kind {m.kind!r}")
            elif m.kind == "link":
                if not (m.url or "").startswith("https://example.org/") or m.filename:
                    add(
                        f"{where}: link material {m.title!r} needs an https://example.org/ url only"
                    )
            elif not m.filename or not m.size_bytes or m.size_bytes <= 0 or m.url:
                add(f"{where}: file material {m.title!r} needs filename and size_bytes")
        if not 1 <= len(b.contacts) <= 3:
            add(f"{where}: needs 1–3 contacts")
        for c in b.contacts:
            if not _email_ok(c.email):
                add(f"{where}: contact e-mail {c.email!r} not under example.org/example.com")
            if not c.phone.startswith("+49 30 "):
                add(f"{where}: contact phone {c.phone!r}")
    if _duplicates(b.description for b in BOOTHS):
        add("booth descriptions are not all distinct")
    if not any("Schulanmeldungen" in b.description for b in BOOTHS):
        add("no booth description mentions 'Schulanmeldungen'")

    # sessions
    by_stage: dict[tuple[int, str], list[Session]] = {}
    by_person: dict[str, list[Session]] = {}
    for s in SESSIONS:
        where = f"session {s.slug}"
        if s.kind not in SESSION_KINDS:
            add(f"{where}: unknown kind {s.kind!r}")
        if not 0 <= s.day < len(DAYS):
            add(f"{where}: day index out of range")
            continue
        day = DAYS[s.day]
        if s.stage not in stage_slugs:
            add(f"{where}: unknown stage {s.stage!r}")
        if s.topic not in topic_slugs:
            add(f"{where}: unknown topic {s.topic!r}")
        if not 10 <= s.duration_min <= 60:
            add(f"{where}: duration {s.duration_min} not within 10–60 minutes")
        if s.language not in ("de", "en"):
            add(f"{where}: language {s.language!r}")
        if s.start.date() != day.date or s.start < day.starts_at or s.end > day.ends_at:
            add(f"{where}: outside the hours of day {s.day}")
        if len(s.booths) > 2:
            add(f"{where}: more than 2 linked booths")
        for bs in s.booths:
            if bs not in booth_slugs:
                add(f"{where}: unknown booth {bs!r}")
        if not s.speakers:
            add(f"{where}: no speakers")
        for p in s.speakers:
            if p.org not in ORGS_BY_SLUG:
                add(f"{where}: speaker {p.name} has unknown organisation {p.org!r}")
            by_person.setdefault(p.name, []).append(s)
        if len({p.name for p in s.speakers}) != len(s.speakers):
            add(f"{where}: a person is listed twice")
        moderators = [p for p in s.speakers if p.moderator]
        if s.kind == "panel" and (len(moderators) != 1 or not 3 <= len(s.speakers) - 1 <= 4):
            add(f"{where}: panel needs 3–4 speakers and one moderator")
        by_stage.setdefault((s.day, s.stage), []).append(s)

    for (day_index, stage), items in by_stage.items():
        items.sort(key=lambda x: x.start)
        for prev, nxt in itertools.pairwise(items):
            if nxt.start < prev.end:
                add(f"day {day_index} stage {stage}: {prev.slug} overlaps {nxt.slug}")
    for name, items in by_person.items():
        items.sort(key=lambda x: x.start)
        for prev, nxt in itertools.pairwise(items):
            if nxt.start < prev.end:
                add(f"speaker {name} double-booked: {prev.slug} / {nxt.slug}")

    for i, d in enumerate(DAYS):
        todays = sorted((s for s in SESSIONS if s.day == i), key=lambda x: x.start)
        if not todays:
            add(f"day {i}: no sessions")
            continue
        first = todays[0]
        if first.kind != "opening":
            add(f"day {i}: first session is not an opening address")
        elif not any(p.org == d.host for p in first.speakers):
            add(f"day {i}: opening address not given by the host region")
    if sum(1 for s in SESSIONS if s.kind == "panel") < 3:
        add("expected at least 3 panel discussions")
    if not any(s.language == "en" for s in SESSIONS):
        add("expected at least one English session")
    if not any(s.do_not_record for s in SESSIONS):
        add("expected some sessions flagged do_not_record")

    # users
    speaker_names = set(by_person)
    if not any(u.role == "organiser" and u.email == "orga@example.org" for u in USERS):
        add("missing organiser orga@example.org")
    for dup in _duplicates(u.email for u in USERS):
        add(f"duplicate user e-mail {dup!r}")
    for u in USERS:
        if not _email_ok(u.email):
            add(f"user {u.email}: e-mail not under example.org/example.com")
        for org in u.organisations:
            if org not in ORGS_BY_SLUG:
                add(f"user {u.email}: unknown organisation {org!r}")
        if u.role == "exhibitor" and not 1 <= len(u.organisations) <= 2:
            add(f"user {u.email}: exhibitor needs 1–2 organisations")
        if u.role == "speaker" and u.speaker_name not in speaker_names:
            add(f"user {u.email}: speaker_name {u.speaker_name!r} not found in sessions")
    return problems
