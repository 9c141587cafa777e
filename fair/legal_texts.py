"""Starting texts of the legal pages, shown until organisers save their own.

They describe what this platform really does (cookies, contact requests, chat, live
streams, recordings) and mark with [eckigen Klammern] what only the operator can fill in.
"""

from __future__ import annotations

from fair.bitv_texts import BITV_TEXTS

IMPRESSUM_DE = """\
## Angaben gemäß § 5 DDG

[Name der Behörde oder Einrichtung]
[Straße und Hausnummer]
[Postleitzahl und Ort]

**Vertreten durch:** [Behördenleitung, z. B. Bürgermeisterin oder Landrat]

**Kontakt:** Telefon [Nummer] · E-Mail [Adresse]

**Aufsichtsbehörde:** [zuständige Aufsichtsbehörde]

**Umsatzsteuer-Identifikationsnummer:** [falls vorhanden]

## Verantwortlich für den Inhalt

[Name, Anschrift] (§ 18 Abs. 2 MStV)

Für die Inhalte der Messestände sind die jeweiligen Ausstellenden verantwortlich.
"""

IMPRESSUM_EN = """\
## Legal notice (§ 5 DDG)

[Name of the public body]
[Street and number]
[Postcode and town]

**Represented by:** [head of the body]

**Contact:** phone [number] · e-mail [address]

**Supervisory authority:** [authority]

## Responsible for the content

[Name, address] (§ 18 (2) MStV)

The exhibitors are responsible for the content of their booths.
"""

DATENSCHUTZ_DE = """\
## Verantwortlich

[Name und Anschrift der Behörde] · Datenschutzbeauftragte:r: [Kontakt]

## Was diese Plattform verarbeitet

- **Besuch ohne Konto:** Sie brauchen kein Konto. Der Server setzt ein technisch
  notwendiges Sitzungs-Cookie (Schutz von Formularen) und, wenn Sie die Sprache wechseln,
  ein Sprach-Cookie. Besuche von Ständen werden je Tag nur gezählt; ein Cookie verhindert
  doppeltes Zählen am selben Tag, es wird keine Identität gespeichert.
- **Kontaktanfragen an Stände:** Name, E-Mail-Adresse und Nachricht werden nur mit Ihrer
  Einwilligung (Art. 6 Abs. 1 lit. a DSGVO) an den Stand übermittelt und nach der im
  Formular genannten Frist gelöscht. **Widerruf:** jederzeit über den Link in der
  Bestätigungs-E-Mail; die Anfrage wird dann sofort gelöscht, auch beim Stand.
- **Fragen und Chat:** Der Name, den Sie angeben, und Ihr Text sind für alle Anwesenden
  sichtbar. Geben Sie keinen echten Namen an, wenn Sie das nicht möchten.
- **Live-Übertragungen und Aufzeichnungen:** Referierende werden übertragen und, sofern
  nicht anders angekündigt, aufgezeichnet. Zuschauende werden weder übertragen noch
  aufgezeichnet.
- **Konten** (Organisation, Ausstellende, Referierende): E-Mail-Adresse, Name und ein
  Passwort-Hash.

Es werden keine Dienste Dritter eingebunden: keine Schriften, Skripte oder Videos von
fremden Servern, keine Analyse-Werkzeuge.

## Ihre Rechte

Auskunft, Berichtigung, Löschung, Einschränkung, Widerspruch und Datenübertragbarkeit
(Art. 15–21 DSGVO). Beschwerden: [zuständige Datenschutzaufsicht, in NRW die
Landesbeauftragte für Datenschutz und Informationsfreiheit].
"""

DATENSCHUTZ_EN = """\
## Controller

[Name and address of the public body] · Data protection officer: [contact]

## What this platform processes

- **Visiting without an account:** no account is needed. The server sets a technically
  necessary session cookie (protecting forms) and, if you switch the language, a language
  cookie. Booth visits are only counted per day; a cookie prevents counting twice on the
  same day, no identity is stored.
- **Contact requests to booths:** name, e-mail address and message are passed to the
  booth only with your consent (Art. 6 (1) (a) GDPR) and deleted after the period named in
  the form. **Withdrawal:** at any time with the link in the confirmation e-mail; the
  request is then deleted at once, at the booth too.
- **Questions and chat:** the name you give and your text are visible to everyone present.
- **Live streams and recordings:** speakers are streamed and, unless announced otherwise,
  recorded. Viewers are neither streamed nor recorded.
- **Accounts** (organisers, exhibitors, speakers): e-mail address, name and a password
  hash.

No third-party services are embedded: no fonts, scripts or videos from other servers, no
analytics tools.

## Your rights

Access, rectification, erasure, restriction, objection and portability (Art. 15–21
GDPR). Complaints: [competent supervisory authority].
"""

BARRIEREFREIHEIT_DE = """\
[Name der Behörde] ist bemüht, diese Veranstaltungsplattform im Einklang mit § 12a
Behindertengleichstellungsgesetz (BGG) und der Barrierefreie-Informationstechnik-Verordnung
(BITV 2.0) bzw. den entsprechenden Landesregelungen barrierefrei zugänglich zu machen.

## Stand der Vereinbarkeit mit den Anforderungen

Diese Plattform ist **teilweise** mit den Anforderungen vereinbar. Jede Seite wird bei
jeder Änderung automatisch mit axe-core geprüft und ist mit der Tastatur bedienbar.

## Nicht barrierefreie Inhalte

- Live-Übertragungen und Aufzeichnungen haben keine Untertitel und keine
  Audiodeskription.
- Von Ausstellenden hochgeladene Dokumente (PDF, Folien) sind nicht immer barrierefrei.

## Erstellung dieser Erklärung

Diese Erklärung wurde am [Datum] erstellt; Grundlage ist eine [Selbstbewertung /
Prüfung durch …].

## Feedback und Kontakt

Sind Ihnen Mängel beim barrierefreien Zugang aufgefallen? Schreiben Sie uns:
[E-Mail-Adresse], Telefon [Nummer]. Wir antworten innerhalb von [zwei Wochen].

## Durchsetzungsverfahren

Wenn Sie auf Ihre Rückmeldung keine zufriedenstellende Antwort erhalten, können Sie sich
an die für Sie zuständige Stelle wenden: bei Stellen des Bundes an die Schlichtungsstelle
nach § 16 BGG (www.schlichtungsstelle-bgg.de), bei Stellen eines Landes an dessen
Durchsetzungsstelle, in Nordrhein-Westfalen die Ombudsstelle für barrierefreie
Informationstechnik bei der Landesbeauftragten für Menschen mit Behinderung
([Adresse bitte prüfen]).
"""

BARRIEREFREIHEIT_EN = """\
[Name of the public body] strives to make this event platform accessible in accordance
with § 12a of the German Disability Equality Act (BGG) and the Barrier-Free Information
Technology Ordinance (BITV 2.0) or the corresponding state rules.

## Compliance status

This platform is **partially** compliant. Every page is checked with axe-core on every
change and can be used with the keyboard.

## Content that is not accessible

- Live streams and recordings have no captions and no audio description.
- Documents uploaded by exhibitors (PDF, slides) are not always accessible.

## Preparation of this statement

This statement was prepared on [date], based on a [self-assessment / audit by …].

## Feedback and contact

Have you found barriers? Write to us: [e-mail address], phone [number]. We answer within
[two weeks].

## Enforcement procedure

If our answer does not satisfy you, you can turn to the competent body: for federal
bodies the conciliation body under § 16 BGG (www.schlichtungsstelle-bgg.de), for bodies
of a state its enforcement body; in North Rhine-Westphalia the ombuds office for
accessible information technology at the state commissioner for people with disabilities
([please check the address]).
"""

DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    "impressum": {"de": IMPRESSUM_DE, "en": IMPRESSUM_EN},
    "datenschutz": {"de": DATENSCHUTZ_DE, "en": DATENSCHUTZ_EN},
    "barrierefreiheit": {"de": BARRIEREFREIHEIT_DE, "en": BARRIEREFREIHEIT_EN},
    **BITV_TEXTS,  # Leichte Sprache and the sign-language page (issue 19)
}
