"""The translation template and every translation in i18n/ (no Odoo needed).

A translation is complete when it translates exactly the template's messages, none of them
empty or fuzzy, and keeps each message's placeholders and HTML tags: a lost ``%(name)s``
raises at run time in the user's language only, and a lost tag breaks a view."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

I18N = Path(__file__).resolve().parents[2] / "i18n"
ADDON = I18N.parent
TEMPLATE = I18N / "calendar_cloud_sync.pot"
TRANSLATIONS = sorted(I18N.glob("*.po"))
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd%]|\{[a-z_0-9]*\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def catalog(path):
    with path.open("rb") as handle:
        return {message.id: message for message in read_po(handle) if message.id}


def test_there_is_a_complete_translation_to_check():
    assert [path.name for path in TRANSLATIONS] == ["fr.po"]


def test_the_template_points_only_at_files_of_the_addon():
    """Every source reference names a file of this addon that exists (an export that walked
    a symlink loop once listed each file hundreds of times under .build/)."""
    for message in catalog(TEMPLATE).values():
        for location, _line in message.locations:
            if location.startswith("code:addons/calendar_cloud_sync/"):
                relative = location.removeprefix("code:addons/calendar_cloud_sync/")
                assert ".build" not in relative, location
                assert (ADDON / relative).is_file(), location


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda path: path.name)
def test_translation_covers_the_template_and_keeps_placeholders_and_tags(path):
    template, translation = catalog(TEMPLATE), catalog(path)
    assert sorted(set(template) - set(translation)) == [], "untranslated messages"
    assert sorted(set(translation) - set(template)) == [], "messages the template lost"
    for msgid, message in translation.items():
        assert message.string, f"empty translation of {msgid!r}"
        assert not message.fuzzy, f"fuzzy translation of {msgid!r}"
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(message.string)), (
            msgid
        )
        assert sorted(TAG.findall(msgid)) == sorted(TAG.findall(message.string)), msgid


def test_french_is_french():
    """Spot checks against a file of English copies."""
    french = catalog(I18N / "fr.po")
    assert french["Sync Health"].string == "Santé de la synchronisation"
    assert french["Sync conflict"].string == "Conflit de synchronisation"
    same = [msgid for msgid, message in french.items() if message.string == msgid]
    # names of products, protocols and fields stay as they are; prose does not
    assert len(same) < len(french) // 10, same
