"""Starting texts of the two explanations BITV 2.0 (§ 4) asks public bodies for: one in
Leichte Sprache (Easy Language) and one that goes with a video in German Sign Language.
Organisers replace them like the legal pages (:mod:`fair.legal`); the Leichte-Sprache
text is complete as it stands, so every fair (the demo too) has one from the start.
"""

from __future__ import annotations

LEICHTE_SPRACHE_DE = """\
## Was ist diese Internet-Seite?

Diese Internet-Seite ist eine **Messe**.
Die Messe ist im Internet.
Sie müssen nirgendwo hinfahren.

Auf einer Messe zeigen Ämter und Firmen, was sie machen.
Das nennt man: **Stand**.

## Was können Sie hier machen?

- Sie können die **Stände** ansehen.
  Klicken Sie dafür oben auf: Messehalle.
- Sie können **Vorträge** ansehen.
  Klicken Sie dafür oben auf: Programm.
- Manche Vorträge sind **live**.
  Das heißt: Sie sehen den Vortrag genau dann, wenn er stattfindet.
- Sie können Fragen stellen.
- Sie können einem Stand eine Nachricht schreiben.

## Müssen Sie sich anmelden?

Nein.
Sie können alles ansehen, ohne sich anzumelden.

## Was passiert mit Ihren Daten?

Sie schreiben einem Stand eine Nachricht?
Dann bekommt der Stand Ihren Namen und Ihre E-Mail-Adresse.
Aber nur, wenn Sie das erlauben.
Sie können das später wieder verbieten.

Mehr dazu steht in der Datenschutz-Erklärung.
Die Datenschutz-Erklärung ist in schwerer Sprache.

## Sie brauchen Hilfe?

Schreiben Sie uns.
Die Adresse steht im Impressum.
"""

LEICHTE_SPRACHE_EN = """\
## What is this website?

This website is a **fair**.
The fair is on the internet.
You do not have to travel anywhere.

At a fair, public offices and companies show what they do.
This is called a **booth**.

## What can you do here?

- You can look at the **booths**.
  Click on: Exhibition hall. It is at the top.
- You can watch **talks**.
  Click on: Programme. It is at the top.
- Some talks are **live**.
  This means: you see the talk at the moment it happens.
- You can ask questions.
- You can write a message to a booth.

## Do you have to log in?

No.
You can look at everything without logging in.

## What happens to your data?

You write a message to a booth?
Then the booth gets your name and your email address.
But only if you allow it.
You can take this back later.

The privacy statement tells you more.
The privacy statement is in difficult language.

## Do you need help?

Write to us.
The address is in the legal notice.
"""

GEBAERDENSPRACHE_DE = """\
In diesem Video erklären wir in Deutscher Gebärdensprache (DGS), was diese virtuelle
Messe ist, wie Sie sich zurechtfinden und wie Sie uns erreichen.
"""

GEBAERDENSPRACHE_EN = """\
In this video we explain in German Sign Language (DGS) what this virtual fair is, how to
find your way around and how to reach us.
"""

BITV_TEXTS: dict[str, dict[str, str]] = {
    "leichte-sprache": {"de": LEICHTE_SPRACHE_DE, "en": LEICHTE_SPRACHE_EN},
    "gebaerdensprache": {"de": GEBAERDENSPRACHE_DE, "en": GEBAERDENSPRACHE_EN},
}
